"""The landing page of technology transfer (``/transfer/``): one card per part of the app the viewer can use.

What a card shows follows the viewer's roles, read the same way the pages themselves read them: a unit's
officers (technology-transfer officers and administrators) get its achievements, deals, reward policy and
contract registrations; a completer gets the results they helped make and their statement; a member of any
organisation may apply to register a contract; an operator gets the registrar's queue. Everyone gets the
marketplace, the statistics and the policies. Each card is a link to a page that checks its own permission,
so the hub only saves a visitor from hunting; it grants nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from kechuang.accounts.models import User
from kechuang.transfer.enums import DealStage, RegistrationStatus
from kechuang.transfer.selectors import achievements as achievement_selectors
from kechuang.transfer.selectors import deals as deal_selectors
from kechuang.transfer.selectors import market as market_selectors
from kechuang.transfer.selectors import registry as registry_selectors
from kechuang.transfer.selectors import statements

# Deals that no longer need anyone's attention.
FINISHED_DEALS = (DealStage.CLOSED, DealStage.ABANDONED)


@dataclass(frozen=True)
class Card:
    """One part of the app on the hub: ``key`` names it for tests (``data-testid="hub-<key>"``)."""

    key: str
    title: str
    text: str
    url: str
    figures: list[str] = field(default_factory=list)  # short phrases with a count, already translated
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url) of further actions


def _unit_cards(user: User, today: date) -> list[Card]:
    """The achievements and the reward policy of the units ``user`` manages (none when they manage none)."""
    if not achievement_selectors.managed_units(user).exists():
        return []
    mine = achievement_selectors.achievements_for(user)
    idle = achievement_selectors.achievements_for(user, idle_on=today).count()
    figures = [_("%(count)d registered") % {"count": mine.count()}]
    if idle:
        figures.append(_("%(count)d idle for a year") % {"count": idle})
    return [
        Card(
            key="achievements",
            title=_("Achievements"),
            text=_("Register your unit's results, offer them on the marketplace and open deals on them."),
            url=reverse("transfer:achievements"),
            figures=figures,
            links=[(_("Register an achievement"), reverse("transfer:achievement_create"))],
        ),
        Card(
            key="policies",
            title=_("Reward policies"),
            text=_(
                "The share of income that goes to the team, by law and by your unit's own policy; record a new version."
            ),
            url=reverse("transfer:income_policies"),
        ),
    ]


def _deal_card(user: User) -> Card | None:
    deals = deal_selectors.deals_for(user)
    if not deals.exists():
        return None
    open_deals = deals.exclude(stage__in=FINISHED_DEALS).count()
    return Card(
        key="deals",
        title=_("Deals"),
        text=_(
            "Licences, assignments and investments as equity, stage by stage; each signed deal has its income page."
        ),
        url=reverse("transfer:deals"),
        figures=[_("%(count)d in progress") % {"count": open_deals}],
    )


def _researcher_cards(user: User, managing: bool) -> list[Card]:
    """The completer's own results and statement; shown to anyone named among completers or ever paid."""
    completed = user.completed_results.exists()
    paid = statements.payouts(user=user)
    payouts = paid.count()
    if not completed and not payouts:
        return []
    cards = []
    if completed and not managing:
        # An officer already has the achievements card, which lists the results they completed as well.
        cards.append(
            Card(
                key="my-achievements",
                title=_("My achievements"),
                text=_("Results you helped make: their deals, and the team's split of the income."),
                url=reverse("transfer:achievements"),
            )
        )
    cards.append(
        Card(
            key="statements",
            title=_("My statement"),
            text=_("Every payout to you from technology transfer, with its ledger receipt to check."),
            url=reverse("transfer:statements"),
            figures=[ngettext("%(count)d payout", "%(count)d payouts", payouts) % {"count": payouts}],
        )
    )
    return cards


def _registry_cards(user: User, today: date) -> list[Card]:
    cards = []
    if user.has_perm("transfer.view_registration_queue"):
        waiting = registry_selectors.registrar_queue()
        overdue = waiting.filter(due_on__lt=today).count()
        figures = [_("%(count)d waiting") % {"count": waiting.count()}]
        if overdue:
            figures.append(_("%(count)d overdue") % {"count": overdue})
        cards.append(
            Card(
                key="registry-queue",
                title=_("Registration queue"),
                text=_("Applications to register technology contracts, the soonest due first."),
                url=reverse("transfer:registry_queue"),
                figures=figures,
            )
        )
    if registry_selectors.applying_organizations(user):
        mine = registry_selectors.my_registrations(user)
        returned = mine.filter(status=RegistrationStatus.RETURNED).count()
        applied = mine.count()
        figures = [ngettext("%(count)d application", "%(count)d applications", applied) % {"count": applied}]
        if returned:
            figures.append(_("%(count)d returned to you") % {"count": returned})
        cards.append(
            Card(
                key="registry",
                title=_("Contract registration"),
                text=_(
                    "Apply to register a technology contract (技术合同认定登记) and follow the registrar's decision."
                ),
                url=reverse("transfer:registry_mine"),
                figures=figures,
                links=[(_("Apply for registration"), reverse("transfer:registry_submit"))],
            )
        )
    return cards


def _public_cards(*, with_policies: bool) -> list[Card]:
    cards = [
        Card(
            key="market",
            title=_("Technology marketplace"),
            text=_("Results universities and institutes offer to industry, with the problem each solves."),
            url=reverse("transfer:market"),
            figures=[_("%(count)d open") % {"count": market_selectors.public_opportunities().count()}],
        ),
        Card(
            key="statistics",
            title=_("Technology contract statistics"),
            text=_(
                "Registered contracts by year, type and region, the Beijing → Tianjin, Hebei flow, and the "
                "yearbooks' figures."
            ),
            url=reverse("transfer:registry_statistics"),
        ),
    ]
    if with_policies:
        cards.append(
            Card(
                key="policies",
                title=_("Reward policies"),
                text=_(
                    "What share of the income from a result goes to the team that made it, by law and by each unit."
                ),
                url=reverse("transfer:income_policies"),
            )
        )
    return cards


@require_safe
def transfer_home(request: HttpRequest) -> HttpResponse:
    """The hub: the viewer's own cards first (by role), then what is open to everyone."""
    user = request.user
    today = timezone.localdate()
    own: list[Card] = []
    if isinstance(user, User):
        unit_cards = _unit_cards(user, today)
        managing = bool(unit_cards)
        deal_card = _deal_card(user)
        registry_cards = _registry_cards(user, today)
        researcher_cards = _researcher_cards(user, managing)
        deals = [deal_card] if deal_card is not None else []
        # The registrar's queue first (it has deadlines); an officer's unit work before their own statement,
        # a researcher's own results and money before the deals on them.
        own = [
            *[card for card in registry_cards if card.key == "registry-queue"],
            *unit_cards[:1],
            *([*deals, *researcher_cards] if managing else [*researcher_cards, *deals]),
            *[card for card in registry_cards if card.key == "registry"],
            *unit_cards[1:],
        ]
    has_policies = any(card.key == "policies" for card in own)
    context = {"own": own, "public": _public_cards(with_policies=not has_policies)}
    return render(request, "transfer/home.html", context)
