from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "kechuang.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Registers the kinds of lower apps and listens to their signals (rules.py is autodiscovered).
        from kechuang.notifications import receivers

        receivers.connect()
