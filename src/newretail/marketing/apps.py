from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingConfig(AppConfig):
    name = "newretail.marketing"
    label = "marketing"
    verbose_name = _("Marketing")

    def ready(self) -> None:
        from newretail.marketing import handlers  # noqa: F401  (subscribes to order and member events)
        from newretail.marketing.seckill import handlers as seckill_handlers  # noqa: F401  (order close/cancel)
