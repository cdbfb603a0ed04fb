"""Console URLs: each page module owns its ``urlpatterns``; this file only joins them."""

from newretail.console.views import (
    auth,
    catalog,
    catalog_images,
    catalog_io,
    events,
    home,
    inventory,
    jobs,
    organisation,
)

app_name = "console"

urlpatterns = [
    *auth.urlpatterns,
    *home.urlpatterns,
    *organisation.urlpatterns,
    *jobs.urlpatterns,
    *events.urlpatterns,
    *catalog.urlpatterns,
    *catalog_images.urlpatterns,
    *catalog_io.urlpatterns,
    *inventory.urlpatterns,
]
