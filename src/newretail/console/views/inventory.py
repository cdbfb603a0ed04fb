"""Console pages for inventory."""

urlpatterns: list = []
