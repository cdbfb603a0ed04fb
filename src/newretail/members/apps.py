from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "newretail.members"
    label = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        from newretail.members import checks, handlers, ledger_check  # noqa: F401  (registers checks, handlers)
        from newretail.members.actions.wallet import WalletTender
        from newretail.payments.instant import register_instant_tender
        from newretail.payments.models import Tender

        register_instant_tender(Tender.Kind.WALLET, WalletTender())
