from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "newretail.inventory"
    label = "inventory"
    verbose_name = _("Inventory")

    def ready(self) -> None:
        from newretail.inventory import ledger_check  # noqa: F401  (registers the stock checker)
