from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "newretail.orders"
    label = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        # Registers the order export job handler: the Huey worker loads no URLconf.
        from newretail.orders import exports  # noqa: F401
