"""Sending text messages (短信) through a pluggable backend.

The ``SMS_BACKEND`` setting names a class by dotted path; ``send_sms`` builds it once per path and
calls its ``send``. The default, ``LogSmsBackend``, sends nothing: it writes the message to the log
(phone masked) and to the ``SmsMessage`` table, where a developer or a test reads the code. It
stores the text as sent, codes included, so a production installation sets a provider backend
(``manage.py check --deploy`` warns when DEBUG is off and the log backend is still configured).

Plugging a provider (Aliyun SMS, Tencent Cloud SMS) means writing one class::

    class AliyunSmsBackend(SmsBackend):
        def __init__(self) -> None:
            # read credentials from settings / the environment (ALIYUN_SMS_ACCESS_KEY_ID, …)
            self.client = ...

        def send(self, *, merchant_id, phone, text, purpose):
            # Chinese providers send registered templates, not free text: map ``purpose`` to the
            # template code ("login" -> "SMS_123456789") and pass the code as a template
            # parameter; the sign name (签名) is the merchant's registered name. Raise
            # SmsSendError on a refused or failed call (the caller rolls the code back).
            ...

and setting ``SMS_BACKEND=yourpackage.sms.AliyunSmsBackend``. A backend must be thread-safe (one
instance serves every request of a process), must not log the phone unmasked, and should time out
within a few seconds: it is called while the request waits.
"""

from __future__ import annotations

import abc
import functools
import logging

from django.conf import settings
from django.utils.module_loading import import_string

from newretail.core.privacy import mask_phone

logger = logging.getLogger(__name__)


class SmsSendError(Exception):
    """The provider refused or failed to send a message."""


class SmsBackend(abc.ABC):
    """What every SMS adapter implements."""

    @abc.abstractmethod
    def send(self, *, merchant_id: int, phone: str, text: str, purpose: str) -> None:
        """Deliver ``text`` to the 11-digit ``phone`` on behalf of the merchant, or raise
        SmsSendError. ``purpose`` names the kind of message ("login") for template lookup."""


class LogSmsBackend(SmsBackend):
    """Development and test backend: the log and the ``SmsMessage`` table instead of a provider."""

    def send(self, *, merchant_id: int, phone: str, text: str, purpose: str) -> None:
        from newretail.members.models import SmsMessage

        SmsMessage.objects.create(merchant_id=merchant_id, phone=phone, purpose=purpose, text=text)
        logger.info("SMS (%s) to %s for merchant %s: %s", purpose, mask_phone(phone), merchant_id, text)


@functools.lru_cache(maxsize=8)
def _backend(path: str) -> SmsBackend:
    backend = import_string(path)()
    if not isinstance(backend, SmsBackend):
        raise TypeError(f"SMS_BACKEND {path} does not implement newretail.members.sms.SmsBackend")
    return backend


def get_backend() -> SmsBackend:
    return _backend(settings.SMS_BACKEND)


def send_sms(*, merchant_id: int, phone: str, text: str, purpose: str) -> None:
    """Send through the configured backend; any failure of the backend becomes SmsSendError."""
    try:
        get_backend().send(merchant_id=merchant_id, phone=phone, text=text, purpose=purpose)
    except SmsSendError:
        logger.warning("SMS (%s) to %s failed", purpose, mask_phone(phone))
        raise
    except Exception as exc:
        logger.exception("SMS backend crashed sending (%s) to %s", purpose, mask_phone(phone))
        raise SmsSendError(str(exc)) from exc
