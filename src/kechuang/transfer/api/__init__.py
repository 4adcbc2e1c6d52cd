"""JSON API of the transfer app, mounted at ``/api/v1/transfer``: one router per area, joined here."""

from ninja import Router

from kechuang.transfer.api import achievements, deals, income, market, registry, registry_stats

router = Router()
router.add_router("/", achievements.router)
router.add_router("/", market.router)
router.add_router("/", deals.router)
router.add_router("/", registry.router)
router.add_router("/", registry_stats.router)
router.add_router("/", income.router)
