"""Console pages for catalog."""

urlpatterns: list = []
