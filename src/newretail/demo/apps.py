from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "newretail.demo"
    label = "demo"
    verbose_name = "Demo data"
