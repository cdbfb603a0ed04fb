from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "newretail.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from newretail.core import checks  # noqa: F401  (registers system checks)
