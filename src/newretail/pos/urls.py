from newretail.pos.views import app_name, urlpatterns  # noqa: F401
