"""Setting the POS up: registering terminals, the merchant's till rules and scale formats
(``pos.manage``; store-bound managers only for their stores)."""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction

from newretail.core.audit import record_audit
from newretail.core.errors import DomainError
from newretail.core.tenancy import get_owned
from newretail.pos import rounding, scale
from newretail.pos.errors import PosError
from newretail.pos.models import PosSettings, ScaleLabelFormat, Terminal
from newretail.tenancy.access import require_perm, require_store_access
from newretail.tenancy.models import Store, User
from newretail.tenancy.roles import Perm

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,15}$")


def register_terminal(*, actor: User, store_id: int, code: str, name: str = "") -> Terminal:
    """A new till for the store; the code is unique in the merchant (printed on receipts)."""
    require_perm(actor, Perm.POS_MANAGE)
    store = get_owned(Store, actor.merchant_id, pk=store_id)
    require_store_access(actor, store.pk)
    code = (code or "").strip().upper()
    if not CODE_RE.match(code):
        raise DomainError(PosError.INVALID_TERMINAL_CODE)
    try:
        with transaction.atomic():
            terminal = Terminal.objects.create(
                merchant_id=actor.merchant_id, store=store, code=code, name=(name or "").strip()[:50] or code
            )
    except IntegrityError:
        raise DomainError(PosError.DUPLICATE_TERMINAL, code=code) from None
    record_audit(
        actor=actor,
        merchant_id=actor.merchant_id,
        action="pos.terminal_registered",
        obj=terminal,
        after={"store_id": store.pk, "code": code},
    )
    return terminal


@transaction.atomic
def set_active(*, actor: User, terminal_id: int, is_active: bool) -> Terminal:
    require_perm(actor, Perm.POS_MANAGE)
    terminal = get_owned(Terminal.objects.select_for_update(), actor.merchant_id, pk=terminal_id)
    require_store_access(actor, terminal.store_id)
    terminal.is_active = bool(is_active)
    terminal.save(update_fields=["is_active"])
    return terminal


@transaction.atomic
def update_pos_settings(
    *,
    actor: User,
    cash_rounding: str,
    offline_ticket_limit_fen: int,
    receipt_header: str = "",
    receipt_footer: str = "",
) -> PosSettings:
    """Change the merchant's till rules (audited: they move money)."""
    require_perm(actor, Perm.POS_MANAGE)
    if cash_rounding not in rounding.RULES:
        raise DomainError(PosError.INVALID_AMOUNT)
    if (
        isinstance(offline_ticket_limit_fen, bool)
        or not isinstance(offline_ticket_limit_fen, int)
        or not (0 <= offline_ticket_limit_fen <= 10_000_000)
    ):
        raise DomainError(PosError.INVALID_AMOUNT)
    row, _created = PosSettings.objects.select_for_update().get_or_create(merchant_id=actor.merchant_id)
    before = {"cash_rounding": row.cash_rounding, "offline_ticket_limit_fen": row.offline_ticket_limit_fen}
    row.cash_rounding = cash_rounding
    row.offline_ticket_limit_fen = offline_ticket_limit_fen
    row.receipt_header = (receipt_header or "")[:100]
    row.receipt_footer = (receipt_footer or "")[:200]
    row.save()
    record_audit(
        actor=actor,
        merchant_id=actor.merchant_id,
        action="pos.settings_changed",
        obj=row,
        before=before,
        after={"cash_rounding": cash_rounding, "offline_ticket_limit_fen": offline_ticket_limit_fen},
    )
    return row


def add_scale_format(*, actor: User, name: str, pattern: str, prefixes: str, kind: str) -> ScaleLabelFormat:
    """A label layout of the merchant's scales, checked before it is saved."""
    require_perm(actor, Perm.POS_MANAGE)
    prefix_list = tuple(p.strip() for p in (prefixes or "").split(",") if p.strip())
    pattern = (pattern or "").strip().upper()
    try:
        scale.check_format(pattern, prefix_list, kind)
    except scale.ScaleFormatInvalid as error:
        raise DomainError(PosError.INVALID_FORMAT, detail=str(error)) from None
    return ScaleLabelFormat.objects.create(
        merchant_id=actor.merchant_id,
        name=(name or "").strip()[:50] or pattern,
        pattern=pattern,
        prefixes=",".join(prefix_list),
        kind=kind,
    )


@transaction.atomic
def set_scale_format_active(*, actor: User, format_id: int, is_active: bool) -> ScaleLabelFormat:
    """Switch a label format on or off (the tills read the active ones at their next start)."""
    require_perm(actor, Perm.POS_MANAGE)
    row = get_owned(ScaleLabelFormat.objects.select_for_update(), actor.merchant_id, pk=format_id)
    row.is_active = bool(is_active)
    row.save(update_fields=["is_active"])
    return row
