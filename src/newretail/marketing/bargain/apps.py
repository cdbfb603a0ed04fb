from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BargainConfig(AppConfig):
    name = "newretail.marketing.bargain"
    label = "bargain"
    verbose_name = _("Bargain")

    def ready(self) -> None:
        from newretail.marketing.bargain import handlers  # noqa: F401  (order close/cancel)
