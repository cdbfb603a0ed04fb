"""After-sales rules (orders.actions.aftersales): what may be asked and by whom, the quantities
open requests hold, the status steps, counter refunds with returned goods, the window after
completion, photos. Paid with cash, so every refund settles inside its transaction."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from newretail.core import testing
from newretail.core.errors import DomainError
from newretail.core.models import Event
from newretail.members.testing import make_member
from newretail.orders.actions import aftersales, lifecycle
from newretail.orders.actions.settings import update_order_settings
from newretail.orders.actions.stock import damaged_warehouse_for
from newretail.orders.models import AfterSale, AfterSaleLine, AfterSalePhoto, Order
from newretail.payments.actions.charges import pay_order
from newretail.payments.models import Refund
from newretail.tenancy.roles import Role
from tests.inventory.conftest import level_of
from tests.orders.conftest import Api, member_headers, shop_path

pytestmark = pytest.mark.django_db

AS = AfterSale.Status
S = Order.Status


@pytest.fixture
def member(merchant):
    return make_member(merchant, name="张三")


@pytest.fixture
def bought(place, owner, member, water, cola):
    """bought(status="paid") -> a paid express order of the member: 3 water, 2 cola, ¥8 shipping."""

    def _bought(status: str = S.PAID) -> Order:
        order = place({water: 3, cola: 2}, member=member)
        pay_order(order_id=order.pk, kind="cash", actor=owner)
        if status in (S.SHIPPED, S.COMPLETED):
            lifecycle.ship_order(actor=owner, order_id=order.pk, carrier="顺丰", tracking_number="SF1")
        if status == S.COMPLETED:
            lifecycle.confirm_receipt(member=member, order_id=order.pk)
        order.refresh_from_db()
        return order

    return _bought


def line_of(order: Order, sku):
    return order.lines.get(sku=sku)


def ask(order: Order, items: dict, *, member=None, actor=None, kind="refund_only", **extra) -> AfterSale:
    lines = [{"order_line_id": line.pk, "quantity": q} for line, q in items.items()]
    if actor is None and member is None:
        member = order.member
    return aftersales.request_after_sale(
        order_id=order.pk, kind=kind, reason="quality", lines=lines, member=member, actor=actor, **extra
    )


def refused(call, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as error:
        call(**kwargs)
    return error.value


# --- asking ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"kind": "exchange"}, "orders.after_sale_not_allowed"),
        ({"reason": "bored"}, "orders.after_sale_reason"),
        ({"description": "太" * 501}, "orders.note_too_long"),
        ({"lines": []}, "orders.after_sale_lines_required"),
        ({"lines": [{"order_line_id": "1", "quantity": 1}]}, "orders.after_sale_lines_required"),
        ({"lines": "LINE"}, "orders.after_sale_lines_required"),
        ({"quantity": 0}, "orders.after_sale_lines_required"),
        ({"quantity": True}, "orders.after_sale_lines_required"),
        ({"quantity": 4}, "orders.after_sale_quantity"),
        ({"line": 10**9}, "not_found"),
    ],
)
def test_bad_requests_are_refused_and_write_nothing(bought, member, water, change, code):
    order = bought()
    line = {
        "order_line_id": change.pop("line", line_of(order, water).pk),
        "quantity": change.pop("quantity", 1),
    }
    arguments = {
        "order_id": order.pk,
        "kind": "refund_only",
        "reason": "quality",
        "lines": [line],
        "member": member,
    }
    arguments.update(change)
    assert refused(aftersales.request_after_sale, **arguments).code == code
    assert not AfterSale.objects.exists() and not AfterSaleLine.objects.exists()
    assert not Event.objects.filter(name__startswith="after_sale.").exists()


def test_only_paid_orders_of_the_member_or_the_staffs_stores(place, owner, member, merchant, water, bought):
    unpaid = place({water: 1}, member=member)
    error = refused(ask, order=unpaid, items={line_of(unpaid, water): 1})
    assert error.code == "orders.after_sale_not_allowed" and "待支付" in error.message
    lifecycle.cancel_order(order_id=unpaid.pk, merchant=merchant, member=member)
    assert (
        refused(ask, order=unpaid, items={line_of(unpaid, water): 1}).code == "orders.after_sale_not_allowed"
    )

    order = bought()
    stranger = make_member(merchant)
    assert refused(ask, order=order, items={line_of(order, water): 1}, member=stranger).code == "not_found"
    elsewhere = testing.make_staff(owner, Role.STORE_MANAGER, stores=[testing.make_store(owner)])
    assert refused(ask, order=order, items={line_of(order, water): 1}, actor=elsewhere).code == "not_found"
    cashier = testing.make_staff(owner, Role.CASHIER, stores=[order.store])
    # staff requests need orders.refund
    assert refused(ask, order=order, items={line_of(order, water): 1}, actor=cashier).code in (
        "permission_denied",
        "not_found",
    )
    with pytest.raises(ValueError):
        aftersales.request_after_sale(order_id=order.pk, kind="refund_only", reason="quality", lines=[])
    assert not AfterSale.objects.exists()


def test_a_replayed_key_returns_the_first_request(bought, water, cola):
    order = bought()
    first = ask(order, {line_of(order, water): 1}, idempotency_key="as-1")
    again = ask(order, {line_of(order, cola): 2}, idempotency_key="as-1")
    assert again.pk == first.pk and AfterSale.objects.count() == 1
    assert list(first.lines.values_list("quantity", flat=True)) == [1]


def test_open_requests_hold_their_units_until_withdrawn_or_rejected(bought, owner, member, water):
    order = bought()
    water_line = line_of(order, water)
    first = ask(order, {water_line: 2})
    error = refused(ask, order=order, items={water_line: 2})
    assert error.code == "orders.after_sale_quantity" and error.params["available"] == 1
    aftersales.withdraw_after_sale(member=member, after_sale_id=first.pk)
    second = ask(order, {water_line: 3})
    aftersales.reject_after_sale(actor=owner, after_sale_id=second.pk, note="已使用")
    third = ask(order, {water_line: 3})
    assert third.status == AS.REQUESTED and third.amount_fen == 1050


def test_a_return_needs_the_goods_with_the_shopper(bought, water):
    order = bought(S.PAID)
    error = refused(ask, order=order, items={line_of(order, water): 1}, kind="return_refund")
    assert error.code == "orders.after_sale_not_allowed" and "仅退款" in error.message
    shipped = bought(S.SHIPPED)
    assert ask(shipped, {line_of(shipped, water): 1}, kind="return_refund").amount_fen == 350


def test_after_sales_close_the_day_the_window_ends(bought, owner, water):
    update_order_settings(actor=owner, after_sale_days=0)
    order = bought(S.COMPLETED)
    assert refused(ask, order=order, items={line_of(order, water): 1}).code == "orders.after_sale_not_allowed"
    update_order_settings(actor=owner, after_sale_days=7)
    with time_machine.travel(order.completed_at + dt.timedelta(days=6, hours=23), tick=False):
        assert ask(order, {line_of(order, water): 1}).status == AS.REQUESTED
    with time_machine.travel(order.completed_at + dt.timedelta(days=7), tick=False):
        assert (
            refused(ask, order=order, items={line_of(order, water): 1}).code
            == "orders.after_sale_not_allowed"
        )
    # a shipped order that has not completed has no window yet
    shipped = bought(S.SHIPPED)
    with time_machine.travel(shipped.paid_at + dt.timedelta(days=30), tick=False):
        assert ask(shipped, {line_of(shipped, water): 1}).status == AS.REQUESTED


# --- deciding --------------------------------------------------------------------------------


def test_the_requested_amount_is_what_the_refund_pays(bought, owner, water, cola):
    order = bought(S.COMPLETED)
    request = ask(order, {line_of(order, water): 2, line_of(order, cola): 1})
    assert request.amount_fen == 700 + 450 and request.include_shipping is False
    done = aftersales.approve_after_sale(actor=owner, after_sale_id=request.pk, note="ok")
    assert done.status == AS.REFUNDED
    refund = Refund.objects.get()
    assert (refund.amount_fen, refund.after_sale_id, refund.kind) == (1150, request.pk, "after_sale")
    assert sorted(refund.lines.values_list("quantity", "amount_fen")) == [(1, 450), (2, 700)]
    for step in (
        lambda: aftersales.approve_after_sale(actor=owner, after_sale_id=request.pk),
        lambda: aftersales.reject_after_sale(actor=owner, after_sale_id=request.pk, note="不"),
        lambda: aftersales.withdraw_after_sale(member=order.member, after_sale_id=request.pk),
    ):
        with pytest.raises(DomainError) as error:
            step()
        assert error.value.code == "orders.after_sale_status"
    aftersales.mark_after_sale_refunded(refund=refund)  # a second report changes nothing
    assert Event.objects.filter(name="after_sale.refunded").count() == 1


def test_return_steps_in_order(bought, owner, member, water):
    order = bought(S.SHIPPED)
    request = ask(order, {line_of(order, water): 2}, kind="return_refund")
    (line,) = request.lines.all()
    assert refused(
        aftersales.receive_returned_goods, actor=owner, after_sale_id=request.pk, counts={line.pk: (2, 0)}
    ).code == ("orders.after_sale_status")
    error = refused(
        aftersales.record_return_shipment,
        member=member,
        after_sale_id=request.pk,
        carrier="顺丰",
        tracking_number="SF9",
    )
    assert error.code == "orders.after_sale_status"
    aftersales.approve_after_sale(actor=owner, after_sale_id=request.pk)
    assert refused(
        aftersales.record_return_shipment,
        member=member,
        after_sale_id=request.pk,
        carrier=" ",
        tracking_number="SF9",
    ).code == ("orders.tracking_required")
    for counts in ({line.pk: (1, 0)}, {line.pk: (2, 1)}, {line.pk: (-1, 3)}, {}):
        error = refused(
            aftersales.receive_returned_goods, actor=owner, after_sale_id=request.pk, counts=counts
        )
        assert error.code == "orders.return_count_mismatch"
    assert not Refund.objects.exists()
    # the merchant may still refuse a return that never came
    rejected = aftersales.reject_after_sale(actor=owner, after_sale_id=request.pk, note="超时未寄回")
    assert rejected.status == AS.REJECTED and not Refund.objects.exists()


def test_a_counter_return_books_fit_and_damaged_units_apart(bought, owner, warehouse, water):
    order = bought(S.COMPLETED)
    before = level_of(warehouse, water).on_hand
    line = line_of(order, water)
    mismatch = refused(
        aftersales.refund_at_counter,
        actor=owner,
        order_id=order.pk,
        kind="return_refund",
        reason="damaged",
        lines=[{"order_line_id": line.pk, "quantity": 2, "restock": 2, "damaged": 1}],
    )
    assert mismatch.code == "orders.return_count_mismatch"
    assert (
        not AfterSale.objects.exists() and not Refund.objects.exists()
    )  # the whole counter refund rolled back

    done = aftersales.refund_at_counter(
        actor=owner,
        order_id=order.pk,
        kind="return_refund",
        reason="damaged",
        lines=[{"order_line_id": line.pk, "quantity": 3, "damaged": 2}],
    )
    assert done.status == AS.REFUNDED and done.requested_by_staff == owner and done.decided_by == owner
    assert list(done.lines.values_list("restocked_quantity", "damaged_quantity")) == [(1, 2)]
    assert level_of(warehouse, water).on_hand == before + 1
    assert level_of(damaged_warehouse_for(order.merchant_id), water).on_hand == 2
    line.refresh_from_db()
    assert (line.refunded_quantity, line.returned_quantity, line.refunded_fen) == (3, 3, 1050)


# --- photos ----------------------------------------------------------------------------------


def png(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_photos_are_checked_counted_and_only_added_before_the_decision(
    client, merchant, bought, owner, water
):
    order = bought()
    member = order.member
    request = ask(order, {line_of(order, water): 1}, photos=[png("a.png")])
    assert request.photos.count() == 1
    fake = SimpleUploadedFile("b.jpg", b"not a picture", content_type="image/jpeg")
    assert refused(
        aftersales.add_after_sale_photo, member=member, after_sale_id=request.pk, upload=fake
    ).code == ("orders.photo_invalid")
    headers = member_headers(_raw_token(member))
    url = shop_path(merchant, f"after-sales/{request.pk}/photos")
    answer = client.post(url, {"photo": png("c.png")}, **headers)
    assert answer.status_code == 201 and answer.json()["photos"] == 2
    for n in range(aftersales.MAX_PHOTOS - 2):
        aftersales.add_after_sale_photo(member=member, after_sale_id=request.pk, upload=png(f"{n}.png"))
    too_many = client.post(url, {"photo": png("x.png")}, **headers)
    assert too_many.status_code == 400 and too_many.json()["code"] == "orders.too_many_photos"
    assert AfterSalePhoto.objects.count() == aftersales.MAX_PHOTOS
    too_many_at_once = [png(f"{n}.png") for n in range(aftersales.MAX_PHOTOS + 1)]
    error = refused(ask, order=order, items={line_of(order, water): 1}, photos=too_many_at_once)
    assert error.code == "orders.too_many_photos"

    aftersales.approve_after_sale(actor=owner, after_sale_id=request.pk)
    Api(client, headers).get(shop_path(merchant, f"after-sales/{request.pk}"))
    late = refused(aftersales.add_after_sale_photo, member=member, after_sale_id=request.pk, upload=png())
    assert late.code == "orders.after_sale_status"


def _raw_token(member) -> str:
    from newretail.members.actions.tokens import issue_member_token

    return issue_member_token(member=member)[1]
