from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "kechuang.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from kechuang.search.providers import ExpertDocuments, OrganizationDocuments
        from kechuang.search.registry import register

        register(OrganizationDocuments())
        register(ExpertDocuments())
