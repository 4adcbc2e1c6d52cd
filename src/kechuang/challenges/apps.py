from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChallengesConfig(AppConfig):
    name = "kechuang.challenges"
    label = "challenges"
    verbose_name = _("Challenges")

    def ready(self) -> None:
        from kechuang.challenges import kinds  # noqa: F401 - registers the ledger kinds
        from kechuang.challenges.providers import ChallengeDocuments
        from kechuang.challenges.services import notices  # noqa: F401 - registers the notification kinds
        from kechuang.search.registry import register

        register(ChallengeDocuments())
