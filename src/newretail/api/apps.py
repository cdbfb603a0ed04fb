from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "newretail.api"
    label = "api"
