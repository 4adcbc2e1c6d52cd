from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransferConfig(AppConfig):
    name = "kechuang.transfer"
    label = "transfer"
    verbose_name = _("Technology transfer")

    def ready(self) -> None:
        from kechuang.search.registry import register as register_search
        from kechuang.transfer import (
            kinds,  # noqa: F401 - registers the ledger kinds
            notices,  # noqa: F401 - registers the notification kinds
        )
        from kechuang.transfer.providers import AchievementDocuments

        register_search(AchievementDocuments())
