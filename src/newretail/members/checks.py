from django.conf import settings
from django.core.checks import Tags, Warning, register

LOG_BACKEND = "newretail.members.sms.LogSmsBackend"


@register(Tags.security, deploy=True)
def check_sms_backend(app_configs, **kwargs):
    """The development SMS backend sends nothing and stores codes in clear: not for production."""
    if not settings.DEBUG and settings.SMS_BACKEND == LOG_BACKEND:
        return [
            Warning(
                "SMS_BACKEND is the development LogSmsBackend: shoppers receive no codes and the "
                "codes are stored in the SmsMessage table.",
                hint="Set SMS_BACKEND to a provider adapter (see newretail/members/sms.py).",
                id="newretail.members.W001",
            )
        ]
    return []
