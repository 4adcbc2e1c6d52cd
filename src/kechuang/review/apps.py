from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "kechuang.review"
    label = "review"
    verbose_name = _("Review")

    def ready(self) -> None:
        from kechuang.review.notices import register_kinds

        register_kinds()
