from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kechuang.core"
    label = "core"
    verbose_name = "Core"
