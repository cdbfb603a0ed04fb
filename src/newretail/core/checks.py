from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security)
def check_secret_key(app_configs, **kwargs):
    """Refuse to run with DEBUG off and the development secret (sessions would be forgeable)."""
    if not settings.DEBUG and settings.SECRET_KEY == settings.DEFAULT_SECRET_KEY:
        return [
            Error(
                "DEBUG is off but SECRET_KEY is the development default.",
                hint="Set SECRET_KEY to a long random value (python -c 'import secrets;print(secrets.token_urlsafe(50))').",
                id="newretail.E001",
            )
        ]
    return []
