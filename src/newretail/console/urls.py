"""Console URLs: each page module owns its ``urlpatterns``; this file only joins them."""

from newretail.console.views import (
    after_sales,
    auth,
    bargain,
    catalog,
    catalog_images,
    catalog_io,
    decoration,
    events,
    games,
    home,
    inventory,
    jobs,
    marketing,
    members,
    orders,
    organisation,
    payments,
    posters,
    sources,
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
    *orders.urlpatterns,
    *after_sales.urlpatterns,
    *payments.urlpatterns,
    *members.urlpatterns,
    *marketing.urlpatterns,
    *bargain.urlpatterns,
    *games.urlpatterns,
    *posters.urlpatterns,
    *sources.urlpatterns,
    *decoration.urlpatterns,
]
