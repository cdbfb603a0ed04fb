from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "newretail.catalog"
    label = "catalog"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        # Registers the product import/export job handlers: the Huey worker loads no URLconf.
        from newretail.catalog import jobs  # noqa: F401
