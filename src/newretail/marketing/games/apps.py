from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GamesConfig(AppConfig):
    name = "newretail.marketing.games"
    label = "games"
    verbose_name = _("Lottery games")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from newretail.marketing.games import handlers  # noqa: F401  (order.paid grants chances)
