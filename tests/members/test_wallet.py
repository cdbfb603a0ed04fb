"""Stored value (储值): a recharge order credits principal and bonus when paid; the wallet pays
orders online and at the till (principal and bonus in proportion), refunds go back into it in the
same proportion, principal can be withdrawn through the recharge's own tenders with the bonus
forfeited alongside, staff adjustments are audited, points skip the bonus part, and the ledger
check covers it. On PostgreSQL, two tills spending one wallet at once never overdraw it."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newretail.core import testing
from newretail.core.errors import DomainError
from newretail.core.ledgers import find_differences
from newretail.core.models import AuditEntry
from newretail.members.actions import wallet
from newretail.members.models import (
    PointsEntry,
    RechargePlan,
    WalletAccount,
    WalletEntry,
    WalletRecharge,
    WalletSettings,
)
from newretail.members.testing import make_member
from newretail.orders.actions import lifecycle
from newretail.orders.actions.recharge import start_recharge, withdraw_stored_value
from newretail.orders.models import Order
from newretail.payments.actions.charges import pay_order
from newretail.payments.actions.refunds import create_refund
from newretail.payments.models import Refund, Tender
from newretail.tenancy.roles import Role
from tests.inventory.conftest import make_sku, receive
from tests.inventory.test_concurrency import run_threads


def balances(member) -> tuple[int, int]:
    account = WalletAccount.objects.filter(member=member).first()
    return (account.principal_fen, account.bonus_fen) if account else (0, 0)


@pytest.fixture
def plan(merchant):
    return RechargePlan.objects.create(merchant=merchant, name="充100送20", pay_fen=10000, bonus_fen=2000)


@pytest.fixture
def shopper(merchant):
    return make_member(merchant, name="王五")


def recharge_at_till(owner, store, member, plan) -> Order:
    order = start_recharge(member=member, plan_id=plan.pk, actor=owner, store_id=store.pk)
    pay_order(order_id=order.pk, kind="cash", actor=owner)
    order.refresh_from_db()
    return order


def goods_order(merchant, store, member, sku, quantity: int = 1) -> Order:
    from newretail.orders.actions.checkout import create_order

    return create_order(
        merchant=merchant,
        channel="pos",
        fulfilment="in_store",
        store_id=store.pk,
        lines=[{"sku_id": sku.pk, "quantity": quantity}],
        member=member,
    )


@pytest.fixture
def milk(merchant, store):
    sku = make_sku(merchant.pk, name="光明鲜牛奶", price_fen=1200)
    receive(store.warehouses.get(), sku, 100)
    return sku


@pytest.mark.django_db
def test_a_paid_recharge_credits_principal_and_bonus_once_and_completes(owner, store, shopper, plan):
    order = recharge_at_till(owner, store, shopper, plan)
    assert (order.kind, order.status, order.payable_fen, order.channel) == (
        "recharge",
        "completed",
        10000,
        "pos",
    )
    assert balances(shopper) == (10000, 2000)
    entry = WalletEntry.objects.get(member=shopper)
    assert (entry.kind, entry.store_id, entry.order_id) == ("recharge", store.pk, order.pk)
    # Crediting again (a replayed call) adds nothing; a recharge earns no points.
    assert wallet.credit_recharge(order_id=order.pk, store_id=store.pk, paid_at=order.paid_at) is None
    assert balances(shopper) == (10000, 2000)
    assert not PointsEntry.objects.filter(member=shopper).exists()
    assert not find_differences(["wallet"])


@pytest.mark.django_db
def test_an_unpaid_recharge_adds_nothing_and_a_plan_off_sale_is_refused(owner, store, shopper, plan):
    start_recharge(member=shopper, plan_id=plan.pk)  # online, not paid
    assert balances(shopper) == (0, 0)
    plan.is_active = False
    plan.save()
    with pytest.raises(DomainError) as caught:
        start_recharge(member=shopper, plan_id=plan.pk)
    assert caught.value.code == "members.recharge_plan_unavailable"


@pytest.mark.django_db
def test_free_amounts_only_when_the_shop_allows_them(merchant, shopper):
    with pytest.raises(DomainError) as caught:
        start_recharge(member=shopper, amount_fen=5000)
    assert caught.value.code == "members.recharge_plans_only"
    WalletSettings.objects.create(merchant=merchant, custom_recharge_min_fen=1000)
    with pytest.raises(DomainError) as caught:
        start_recharge(member=shopper, amount_fen=999)
    assert caught.value.code == "members.recharge_amount_invalid"
    order = start_recharge(member=shopper, amount_fen=5000)
    assert order.payable_fen == 5000 and WalletRecharge.objects.get(order_id=order.pk).bonus_fen == 0


@pytest.mark.django_db
def test_a_cashier_sells_recharges_only_in_their_own_store(merchant, owner, store, shopper, plan):
    other = testing.make_store(owner)
    cashier = testing.make_staff(owner, role=Role.CASHIER, stores=[store])
    start_recharge(member=shopper, plan_id=plan.pk, actor=cashier, store_id=store.pk)
    with pytest.raises(DomainError) as caught:
        start_recharge(member=shopper, plan_id=plan.pk, actor=cashier, store_id=other.pk)
    assert caught.value.code == "tenancy.store_out_of_scope"
    guide = testing.make_staff(owner, role=Role.GUIDE, stores=[store])
    with pytest.raises(DomainError) as caught:
        start_recharge(member=shopper, plan_id=plan.pk, actor=guide, store_id=store.pk)
    assert caught.value.code == "permission_denied"


@pytest.mark.django_db
def test_the_wallet_pays_in_proportion_and_a_refund_puts_back_the_same_mix(owner, store, shopper, plan, milk):
    recharge_at_till(owner, store, shopper, plan)  # 10000 principal + 2000 bonus
    order = goods_order(owner.merchant, store, shopper, milk, quantity=3)  # ¥36.00
    tender = pay_order(order_id=order.pk, kind="wallet", actor=owner)
    assert tender.status == "succeeded"
    order.refresh_from_db()
    assert order.status == "completed"  # a till sale completes when paid
    # 3600 × 2000 / 12000 = 600 bonus, 3000 principal.
    assert balances(shopper) == (7000, 1400)
    line = order.lines.get()
    # One unit back (1200), then the other two (2400): 200 + 400 bonus back, exactly what was taken.
    create_refund(
        order=order,
        kind=Refund.Kind.AFTER_SALE,
        lines=[(line.pk, 1)],
        include_shipping=False,
        reason="",
        actor=owner,
    )
    assert balances(shopper) == (8000, 1600)
    create_refund(
        order=order,
        kind=Refund.Kind.AFTER_SALE,
        lines=[(line.pk, 2)],
        include_shipping=False,
        reason="",
        actor=owner,
    )
    assert balances(shopper) == (10000, 2000)
    assert not find_differences(["wallet"])


@pytest.mark.django_db
def test_a_wallet_short_of_the_amount_is_refused_and_nothing_moves(owner, store, shopper, plan, milk):
    recharge_at_till(owner, store, shopper, plan)
    order = goods_order(owner.merchant, store, shopper, milk, quantity=11)  # ¥132.00 > ¥120.00
    with pytest.raises(DomainError) as caught:
        pay_order(order_id=order.pk, kind="wallet", actor=owner)
    assert caught.value.code == "members.wallet_not_enough"
    assert balances(shopper) == (10000, 2000)
    assert not Tender.objects.filter(intent__order=order).exists()


@pytest.mark.django_db
def test_a_shopper_pays_part_by_wallet_and_an_abandoned_order_gives_it_back(
    merchant, owner, store, shopper, plan, milk, committed
):
    recharge_at_till(owner, store, shopper, plan)
    order = goods_order(merchant, store, shopper, milk, quantity=11)  # ¥132.00
    part = pay_order(order_id=order.pk, kind="wallet", member=shopper, amount_fen=12000)
    assert part.status == "succeeded" and balances(shopper) == (0, 0)
    order.refresh_from_db()
    assert order.status == "pending_payment"  # ¥12.00 still to pay online
    with committed():
        lifecycle.cancel_order(order_id=order.pk, merchant=merchant.pk, member=shopper)
    assert balances(shopper) == (10000, 2000)
    assert Refund.objects.get(order=order).kind == Refund.Kind.SURPLUS_PAYMENT
    assert not find_differences(["wallet"])


@pytest.mark.django_db
def test_wallet_cannot_pay_a_recharge_or_an_order_without_member(owner, store, shopper, plan, milk):
    recharge_at_till(owner, store, shopper, plan)
    second = start_recharge(member=shopper, plan_id=plan.pk, actor=owner, store_id=store.pk)
    with pytest.raises(DomainError) as caught:
        pay_order(order_id=second.pk, kind="wallet", actor=owner)
    assert caught.value.code == "members.wallet_not_for_recharge"
    anonymous = goods_order(owner.merchant, store, None, milk)
    with pytest.raises(DomainError) as caught:
        pay_order(order_id=anonymous.pk, kind="wallet", actor=owner)
    assert caught.value.code == "members.wallet_needs_member"


@pytest.mark.django_db
def test_points_are_not_earned_on_the_bonus_part(owner, store, shopper, plan, milk, committed):
    recharge_at_till(owner, store, shopper, plan)
    order = goods_order(owner.merchant, store, shopper, milk, quantity=5)  # ¥60.00: ¥10.00 bonus
    with committed():
        pay_order(order_id=order.pk, kind="wallet", actor=owner)
    earned = PointsEntry.objects.get(member=shopper, kind=PointsEntry.Kind.EARN)
    assert earned.points == 50  # 1 point per ¥1 of the ¥50.00 principal


@pytest.mark.django_db
def test_withdrawal_pays_principal_back_and_forfeits_the_bonus_in_proportion(
    owner, store, shopper, plan, milk
):
    recharge = recharge_at_till(owner, store, shopper, plan)
    refunds = withdraw_stored_value(
        actor=owner, member=shopper, amount_fen=5000, reason="搬家", idempotency_key="w-1"
    )
    assert [(r.kind, r.amount_fen, r.status) for r in refunds] == [("wallet_withdrawal", 5000, "succeeded")]
    assert balances(shopper) == (5000, 1000)  # half the principal out, half the bonus forfeited
    # The replay returns the same refund and moves nothing.
    assert (
        withdraw_stored_value(actor=owner, member=shopper, amount_fen=5000, reason="", idempotency_key="w-1")
        == refunds
    )
    assert balances(shopper) == (5000, 1000)
    recharge.refresh_from_db()
    assert recharge.refunded_fen == 5000 and recharge.status == "completed"
    assert AuditEntry.objects.filter(action="members.wallet_withdrawn").count() == 1
    with pytest.raises(DomainError) as caught:
        withdraw_stored_value(actor=owner, member=shopper, amount_fen=5001, reason="")
    assert caught.value.code == "members.withdrawal_too_large"
    assert not find_differences(["wallet"])


@pytest.mark.django_db
def test_bonus_already_spent_is_deducted_from_the_money_paid_back(owner, store, shopper, plan, milk):
    recharge_at_till(owner, store, shopper, plan)  # 10000 + 2000
    order = goods_order(owner.merchant, store, shopper, milk, quantity=9)  # 10800: 9000 principal, 1800 bonus
    pay_order(order_id=order.pk, kind="wallet", actor=owner)
    assert balances(shopper) == (1000, 200)
    # Withdrawing the last ¥10.00 forfeits ¥2.00 of bonus (all of it is still there).
    refunds = withdraw_stored_value(actor=owner, member=shopper, amount_fen=1000, reason="")
    assert sum(r.amount_fen for r in refunds) == 1000 and balances(shopper) == (0, 0)


@pytest.mark.django_db
def test_when_the_bonus_was_spent_the_withdrawal_pays_back_less(merchant, owner, store, shopper, plan):
    recharge_at_till(owner, store, shopper, plan)
    member = shopper
    # The bonus is spent (a correction here stands in for purchases paid from it).
    wallet.adjust_wallet(actor=owner, member=member, principal_fen=0, bonus_fen=-2000, reason="测试")
    refunds = withdraw_stored_value(actor=owner, member=member, amount_fen=10000, reason="")
    assert sum(r.amount_fen for r in refunds) == 8000  # ¥20.00 of bonus was used: not paid back
    assert balances(member) == (0, 0)


@pytest.mark.django_db
def test_a_shop_can_refuse_withdrawals(merchant, owner, store, shopper, plan):
    recharge_at_till(owner, store, shopper, plan)
    WalletSettings.objects.create(merchant=merchant, withdrawal_allowed=False)
    with pytest.raises(DomainError) as caught:
        withdraw_stored_value(actor=owner, member=shopper, amount_fen=100, reason="")
    assert caught.value.code == "members.withdrawal_not_allowed"
    assert balances(shopper) == (10000, 2000)


@pytest.mark.django_db
def test_adjustments_need_the_permission_a_reason_and_are_audited(owner, store, shopper):
    manager = testing.make_staff(owner, role=Role.STORE_MANAGER, stores=[store])
    with pytest.raises(DomainError) as caught:
        wallet.adjust_wallet(actor=manager, member=shopper, principal_fen=0, bonus_fen=500, reason="补偿")
    assert caught.value.code == "permission_denied"
    with pytest.raises(DomainError):
        wallet.adjust_wallet(actor=owner, member=shopper, principal_fen=0, bonus_fen=500, reason=" ")
    with pytest.raises(DomainError):
        wallet.adjust_wallet(actor=owner, member=shopper, principal_fen=0, bonus_fen=-1, reason="错")
    wallet.adjust_wallet(actor=owner, member=shopper, principal_fen=0, bonus_fen=500, reason="补偿")
    assert balances(shopper) == (0, 500)
    audit = AuditEntry.objects.get(action="members.wallet_adjusted")
    assert audit.reason == "补偿" and audit.after == {"principal_fen": 0, "bonus_fen": 500}


@pytest.mark.django_db
def test_the_ledger_check_finds_a_tampered_wallet(owner, store, shopper, plan):
    recharge_at_till(owner, store, shopper, plan)
    WalletAccount.objects.filter(member=shopper).update(bonus_fen=99999)
    [difference] = find_differences(["wallet"])
    assert (difference.field, difference.cached, difference.ledger_value) == ("bonus_fen", 99999, 2000)


def test_split_payment_never_takes_more_principal_than_held():
    assert wallet.split_payment(3600, 10000, 2000) == (3000, 600)
    assert wallet.split_payment(12000, 10000, 2000) == (10000, 2000)
    assert wallet.split_payment(1, 1, 1) == (1, 0)
    assert wallet.split_payment(500, 0, 500) == (0, 500)


@given(
    st.lists(
        st.tuples(st.sampled_from(["spend", "refund", "adjust"]), st.integers(min_value=1, max_value=9000)),
        max_size=12,
    )
)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@pytest.mark.django_db
def test_balance_is_the_sum_of_the_ledger_and_never_negative(owner, store, plan, steps):
    member = make_member(owner.merchant)
    recharge_at_till(owner, store, member, plan)
    spends: list[tuple[int, int]] = []  # (tender id, refundable left)
    for index, (step, amount) in enumerate(steps):
        principal, bonus = balances(member)
        if step == "spend":
            try:
                entry = wallet.pay_from_wallet(
                    member=member,
                    amount_fen=amount,
                    reference=f"t:{member.pk}:{index}",
                    order_id=index,
                    tender_id=member.pk * 100 + index,  # unique across examples (one database)
                    store_id=None,
                )
            except DomainError:
                assert amount > principal + bonus
                continue
            spends.append((entry.tender_id, amount))
        elif step == "refund" and spends:
            tender_id, left = spends.pop()
            part = min(amount, left)
            wallet.refund_to_wallet(tender_id=tender_id, amount_fen=part, reference=f"r:{member.pk}:{index}")
            if left - part:
                spends.append((tender_id, left - part))
        elif step == "adjust":
            try:
                wallet.adjust_wallet(
                    actor=owner, member=member, principal_fen=0, bonus_fen=-amount, reason="x"
                )
            except DomainError:
                assert amount > bonus
        principal, bonus = balances(member)
        assert principal >= 0 and bonus >= 0
    assert not find_differences(["wallet"])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tills_spending_one_wallet_at_once_never_overdraw_it():
    merchant, owner = testing.make_merchant()
    store = testing.make_store(owner)
    sku = make_sku(merchant.pk, price_fen=8000)
    receive(store.warehouses.get(), sku, 50)
    member = make_member(merchant)
    plan = RechargePlan.objects.create(merchant=merchant, pay_fen=10000, bonus_fen=0)
    recharge_at_till(owner, store, member, plan)  # ¥100.00: enough for one ¥80.00 sale
    orders = [goods_order(merchant, store, member, sku) for _ in range(4)]

    def till(index: int):
        return pay_order(order_id=orders[index].pk, kind="wallet", actor=owner)

    paid, errors = run_threads(4, till)
    assert len(paid) == 1, (paid, errors)
    assert len(errors) == 3 and all(e.code == "members.wallet_not_enough" for e in errors)
    assert balances(member) == (2000, 0)
    assert Order.objects.filter(merchant=merchant, kind="goods", status="completed").count() == 1
    assert not find_differences(["wallet"])


@pytest.mark.django_db
def test_the_liability_report_adds_up_by_store_to_the_wallets(merchant, owner, store, shopper, plan, milk):
    from newretail.members.queries import wallet_liability

    other = testing.make_store(owner)
    receive(other.warehouses.get(), milk, 10)
    recharge_at_till(owner, store, shopper, plan)  # +10000 +2000 at the first store
    order = goods_order(merchant, other, shopper, milk, quantity=3)  # spent at the other: −3000 −600
    pay_order(order_id=order.pk, kind="wallet", actor=owner)
    rows, total = wallet_liability(merchant.pk)
    by_store = {row.store_id: (row.principal_fen, row.bonus_fen) for row in rows}
    assert by_store == {store.pk: (10000, 2000), other.pk: (-3000, -600)}
    assert (total.principal_fen, total.bonus_fen) == (7000, 1400)
    assert sum(r.total_fen for r in rows) == total.total_fen
