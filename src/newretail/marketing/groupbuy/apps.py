from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupBuyConfig(AppConfig):
    name = "newretail.marketing.groupbuy"
    label = "groupbuy"
    verbose_name = _("Group buy")

    def ready(self) -> None:
        # Subscribes to order events and registers the fulfilment gate; the order core imports none of it.
        from newretail.marketing.groupbuy import handlers  # noqa: F401
