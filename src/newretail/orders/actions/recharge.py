"""Orders without goods: recharges (储值充值) and their withdrawals (退储值), and membership cards
(付费会员卡).

A recharge is an order of kind ``recharge`` with no lines: the shopper pays it online, or the till
takes cash or a payment code, through the same payments code as any order; ``mark_order_paid``
credits the wallet (principal and the plan's bonus) and completes it at once. Withdrawing unspent
principal refunds recharge orders through the tenders that paid them (newest first), so money
goes back where it came from."""

from __future__ import annotations

import hashlib
import secrets

from django.db import IntegrityError, transaction

from newretail.core import clock
from newretail.core.audit import record_audit
from newretail.core.errors import DomainError, not_found
from newretail.core.events import record_event
from newretail.core.idempotency import clean_idempotency_key
from newretail.inventory.actions.numbers import next_document_number
from newretail.members.actions import cards, wallet
from newretail.members.models import Member
from newretail.orders.errors import OrderError
from newretail.orders.models import Order, OrderEvent
from newretail.orders.payloads import order_payload
from newretail.orders.queries import unpaid_ttl
from newretail.tenancy.access import require_perm, require_store_access
from newretail.tenancy.models import Store, User
from newretail.tenancy.roles import Perm

SALES_ORDER = "SO"


def start_recharge(
    *,
    member: Member,
    plan_id: int | None = None,
    amount_fen: int | None = None,
    actor: User | None = None,
    store_id: int | None = None,
    idempotency_key: str | None = None,
) -> Order:
    """A recharge order pending payment, for ``member``: by the shopper online (channel mall) or
    by staff with ``members.recharge`` at a store they work in (channel pos). Replaying the
    idempotency key returns the first order."""
    key = clean_idempotency_key(idempotency_key, error=OrderError.INVALID_IDEMPOTENCY_KEY)
    if key is not None:
        existing = Order.objects.filter(merchant_id=member.merchant_id, idempotency_key=key).first()
        if existing is not None:
            return existing
    store = None
    if actor is not None:
        require_perm(actor, Perm.WALLET_RECHARGE)
        if actor.merchant_id != member.merchant_id:
            raise not_found()
        store = Store.objects.filter(merchant_id=actor.merchant_id, pk=store_id, is_active=True).first()
        if store is None:
            raise DomainError(OrderError.STORE_REQUIRED)
        require_store_access(actor, store.pk)
    terms = wallet.recharge_terms(merchant_id=member.merchant_id, plan_id=plan_id, amount_fen=amount_fen)
    try:
        return _create(member=member, terms=terms, store=store, actor=actor, key=key)
    except IntegrityError:
        winner = (
            Order.objects.filter(merchant_id=member.merchant_id, idempotency_key=key).first() if key else None
        )
        if winner is None:
            raise
        return winner


@transaction.atomic
def _create(
    *, member: Member, terms: wallet.RechargeTerms, store: Store | None, actor: User | None, key
) -> Order:
    now = clock.now()
    order = Order.objects.create(
        merchant_id=member.merchant_id,
        number=next_document_number(merchant=member.merchant, prefix=SALES_ORDER),
        channel=Order.Channel.POS if actor is not None else Order.Channel.MALL,
        kind=Order.Kind.RECHARGE,
        store=store,
        member=member,
        fulfilment=Order.Fulfilment.NONE,
        goods_list_fen=0,
        payable_fen=terms.principal_fen,
        idempotency_key=key,
        expires_at=now + unpaid_ttl(member.merchant),
    )
    wallet.record_recharge(member=member, order_id=order.pk, terms=terms)
    OrderEvent.objects.create(merchant_id=member.merchant_id, order=order, kind="created", actor=actor)
    record_event(
        merchant_id=member.merchant_id,
        name="order.created",
        aggregate=order,
        payload=order_payload(order, payable_fen=order.payable_fen, bonus_fen=terms.bonus_fen, lines=[]),
    )
    return order


def withdraw_stored_value(
    *, actor: User, member: Member, amount_fen: int, reason: str, idempotency_key: str | None = None
) -> list:
    """Pay ``amount_fen`` of the member's unspent principal back (staff with ``orders.refund``):
    refunds of the recharge orders through their own tenders, newest first; the bonus that came
    with the principal is forfeited in proportion (see ``members.actions.wallet``). Returns the
    refunds. Replaying the idempotency key returns the first refunds."""
    from newretail.payments.actions.refunds import refund_recharge
    from newretail.payments.models import Refund

    require_perm(actor, Perm.ORDERS_REFUND)
    if member.merchant_id != actor.merchant_id:
        raise not_found()
    key = clean_idempotency_key(idempotency_key, error=OrderError.INVALID_IDEMPOTENCY_KEY)
    reason = (reason or "").strip()[:200]
    with transaction.atomic():
        # Short enough for the refunds' keys and the entries' references ("withdraw:<24>:<order>").
        token = hashlib.sha256(key.encode()).hexdigest()[:24] if key else secrets.token_hex(12)
        reference = f"withdraw:{token}"
        earlier = list(
            Refund.objects.filter(merchant_id=member.merchant_id, idempotency_key__startswith=f"{reference}:")
        )
        if earlier:
            return earlier
        parts = wallet.take_for_withdrawal(
            member=member, amount_fen=amount_fen, reference=reference, actor=actor, note=reason
        )
        refunds = []
        for part in parts:
            if part.paid_back_fen <= 0:
                continue
            order = Order.objects.get(pk=part.recharge.order_id)
            refunds.append(
                refund_recharge(
                    order=order,
                    amount_fen=part.paid_back_fen,
                    reason=reason,
                    actor=actor,
                    idempotency_key=f"{reference}:{order.pk}",
                )
            )
        record_audit(
            actor=actor,
            merchant_id=member.merchant_id,
            action="members.wallet_withdrawn",
            obj=member,
            after={
                "amount_fen": amount_fen,
                "parts": [
                    {
                        "order_id": p.recharge.order_id,
                        "principal_fen": p.principal_fen,
                        "bonus_forfeited_fen": p.bonus_fen,
                        "paid_back_fen": p.paid_back_fen,
                    }
                    for p in parts
                ],
            },
            reason=reason,
        )
        return refunds


def start_card_purchase(*, member: Member, plan_id: int, idempotency_key: str | None = None) -> Order:
    """A card order pending payment (the shopper online); paying it starts or renews the card."""
    key = clean_idempotency_key(idempotency_key, error=OrderError.INVALID_IDEMPOTENCY_KEY)
    if key is not None:
        existing = Order.objects.filter(merchant_id=member.merchant_id, idempotency_key=key).first()
        if existing is not None:
            return existing
    plan = cards.plan_for_sale(member.merchant_id, plan_id)
    try:
        with transaction.atomic():
            order = Order.objects.create(
                merchant_id=member.merchant_id,
                number=next_document_number(merchant=member.merchant, prefix=SALES_ORDER),
                channel=Order.Channel.MALL,
                kind=Order.Kind.CARD,
                member=member,
                fulfilment=Order.Fulfilment.NONE,
                goods_list_fen=0,
                payable_fen=plan.price_fen,
                idempotency_key=key,
                expires_at=clock.now() + unpaid_ttl(member.merchant),
            )
            cards.record_card_purchase(member=member, plan=plan, order_id=order.pk)
            OrderEvent.objects.create(merchant_id=member.merchant_id, order=order, kind="created")
            record_event(
                merchant_id=member.merchant_id,
                name="order.created",
                aggregate=order,
                payload=order_payload(order, payable_fen=order.payable_fen, plan_id=plan.pk, lines=[]),
            )
    except IntegrityError:
        winner = Order.objects.filter(merchant_id=member.merchant_id, idempotency_key=key).first() if key else None
        if winner is None:
            raise
        return winner
    return order
