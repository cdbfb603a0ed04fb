from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentSandboxConfig(AppConfig):
    name = "newretail.payments.sandbox"
    label = "payments_sandbox"
    verbose_name = _("Payment sandbox")

    def ready(self) -> None:
        # Route the adapters' calls to sandbox URLs in-process (transport's docstring says why).
        from newretail.payments.sandbox import transport

        transport.install()
