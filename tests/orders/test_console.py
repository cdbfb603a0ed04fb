"""The console's order pages: list (filters, scoping, masking, bounded queries), export job,
order page and its actions, pickup verification. Data is built through the real actions."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from newretail.core.models import Job
from newretail.core.testing import make_staff, make_store
from newretail.members.testing import make_member
from newretail.orders.actions import lifecycle
from newretail.orders.models import AfterSale, Order
from newretail.payments.actions.charges import pay_order
from newretail.payments.models import Refund, TenderRefund
from newretail.tenancy.roles import Role
from tests.inventory.conftest import level_of, make_sku, receive

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
PHONE = "13812345678"


def pay(order: Order, actor) -> Order:
    pay_order(order_id=order.pk, kind="cash", actor=actor)
    order.refresh_from_db()
    return order


@pytest.fixture
def member(merchant):
    return make_member(merchant, PHONE, name="张三")


@pytest.fixture
def manager(owner, store):
    return make_staff(owner, Role.STORE_MANAGER, stores=[store])


@pytest.fixture
def cashier(owner, store):
    return make_staff(owner, Role.CASHIER, stores=[store])


@pytest.fixture
def clerk(owner):
    """Sees every order (not store-bound) but has no members.view: phones are masked."""
    return make_staff(owner, Role.WAREHOUSE_CLERK)


@pytest.fixture
def other_store(owner, merchant):
    store = make_store(owner, name="二号店")
    return store


@pytest.fixture
def other_order(owner, other_store, water):
    """A paid order of another store of the same merchant."""
    from newretail.orders.actions.checkout import create_order
    from tests.orders.conftest import ADDRESS

    warehouse = other_store.warehouses.get()
    sku = make_sku(owner.merchant_id, name="二号店矿泉水", price_fen=300)
    receive(warehouse, sku, 10)
    order = create_order(
        merchant=owner.merchant_id,
        channel="mall",
        fulfilment="express",
        store_id=other_store.pk,
        warehouse_id=warehouse.pk,
        lines=[{"sku_id": sku.pk, "quantity": 1}],
        address=ADDRESS,
    )
    return pay(order, owner)


def login(client, user):
    client.force_login(user)
    return client


def page(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


# --- access ----------------------------------------------------------------------------------


def test_pages_render_for_each_role_and_refuse_the_others(
    client, owner, manager, cashier, clerk, place, water
):
    order = pay(place({water: 2}), owner)
    guide = make_staff(owner, Role.GUIDE, stores=[order.store])
    urls = {
        "list": reverse("console:order_list"),
        "detail": reverse("console:order_detail", args=[order.pk]),
        "pickup": reverse("console:pickup_verify"),
        "refund": reverse("console:order_refund", args=[order.pk]),
    }
    expected = {
        owner: {"list": 200, "detail": 200, "pickup": 200, "refund": 200},
        manager: {"list": 200, "detail": 200, "pickup": 200, "refund": 200},
        cashier: {"list": 200, "detail": 200, "pickup": 200, "refund": 403},
        clerk: {"list": 200, "detail": 200, "pickup": 200, "refund": 403},
        guide: {"list": 200, "detail": 200, "pickup": 403, "refund": 403},
    }
    for user, codes in expected.items():
        login(client, user)
        for name, code in codes.items():
            assert client.get(urls[name]).status_code == code, (user.role, name)
    # The guide may look but is offered no action.
    login(client, guide)
    detail = page(client, urls["detail"])
    assert 'id="no-actions"' in detail and 'id="ship-form"' not in detail
    # A cashier ships but is not offered to cancel a paid order or refund it.
    login(client, cashier)
    detail = page(client, urls["detail"])
    assert (
        'id="ship-form"' in detail and 'id="cancel-box"' not in detail and 'id="refund-items"' not in detail
    )
    assert client.post(reverse("console:order_cancel", args=[order.pk])).status_code == 403
    order.refresh_from_db()
    assert order.status == "paid"
    client.logout()
    assert client.get(urls["list"]).status_code == 302  # to the login page


def test_store_staff_see_only_their_stores_orders(client, owner, manager, cashier, place, water, other_order):
    mine = pay(place({water: 1}), owner)
    for user in (cashier, manager):
        login(client, user)
        listing = page(client, reverse("console:order_list"))
        assert f'data-number="{mine.number}"' in listing and other_order.number not in listing
        assert client.get(reverse("console:order_detail", args=[other_order.pk])).status_code == 404
        assert client.post(reverse("console:order_ship", args=[other_order.pk]), {}).status_code == 404
        # Filtering by the other store does not reach it either (the choice is not offered).
        listing = page(client, reverse("console:order_list") + f"?store={other_order.store_id}")
        assert other_order.number not in listing
    login(client, owner)
    listing = page(client, reverse("console:order_list"))
    assert mine.number in listing and other_order.number in listing


# --- list ------------------------------------------------------------------------------------


def test_filters(client, owner, store, place, water, cola, member):
    express = pay(place({water: 1}, member=member), owner)
    pickup = pay(place({cola: 1}, fulfilment="pickup", address=None, warehouse_id=None), owner)
    unpaid = place({water: 2}, channel="pos", fulfilment="in_store", address=None)
    # Created at 00:30 on 1 March in Shanghai (16:30 UTC on 28 February).
    Order.objects.filter(pk=express.pk).update(created_at=dt.datetime(2026, 3, 1, 0, 30, tzinfo=SHANGHAI))
    Order.objects.filter(pk=pickup.pk).update(created_at=dt.datetime(2026, 2, 28, 23, 59, tzinfo=SHANGHAI))
    Order.objects.filter(pk=unpaid.pk).update(created_at=dt.datetime(2026, 3, 2, 12, 0, tzinfo=SHANGHAI))
    login(client, owner)

    def numbers(query: str) -> set[str]:
        listing = page(client, reverse("console:order_list") + "?" + query)
        return {o.number for o in (express, pickup, unpaid) if f'data-number="{o.number}"' in listing}

    assert numbers("") == {express.number, pickup.number, unpaid.number}
    assert numbers("channel=pos") == {unpaid.number}
    assert numbers("status=paid") == {express.number, pickup.number}
    assert numbers("status=pending_payment") == {unpaid.number}
    assert numbers("fulfilment=pickup") == {pickup.number}
    assert numbers("fulfilment=pickup&status=awaiting_pickup") == {pickup.number}
    assert numbers(f"store={store.pk}") == {express.number, pickup.number, unpaid.number}
    assert numbers("date_from=2026-03-01&date_to=2026-03-01") == {express.number}
    assert numbers("date_to=2026-02-28") == {pickup.number}
    assert numbers("date_from=2026-03-02") == {unpaid.number}
    assert numbers(f"member_phone={PHONE}") == {express.number}
    assert numbers("member_phone=5678") == {express.number}
    assert numbers("member_phone=1111") == {express.number}  # the recipient's phone, last 4
    assert numbers(f"number={pickup.number.lower()}") == {pickup.number}
    # Bad values are shown on their field and ignored, never a 500.
    bad = page(
        client, reverse("console:order_list") + "?member_phone=12&date_from=nope&status=x&store=abc&page=9"
    )
    assert "11" in bad and 'class="error"' in bad
    # An end before the start is an error on the end date; the start still applies.
    assert numbers("date_from=2026-03-02&date_to=2026-03-01") == {unpaid.number}


def test_list_masks_phones_without_members_view(client, owner, clerk, place, water, member):
    order = pay(place({water: 1}, member=member), owner)
    login(client, owner)
    assert PHONE in page(client, reverse("console:order_list"))
    login(client, clerk)
    listing = page(client, reverse("console:order_list"))
    assert PHONE not in listing and "138****5678" in listing
    detail = page(client, reverse("console:order_detail", args=[order.pk]))
    assert PHONE not in detail and "13900001111" not in detail  # member and recipient phones
    assert "138****5678" in detail and "139****1111" in detail and "李*" in detail and "张*" in detail


def test_list_queries_do_not_grow_with_rows(
    client, owner, manager, place, water, django_assert_max_num_queries
):
    member = make_member(owner.merchant_id, PHONE)
    for _ in range(2):
        place({water: 1}, member=member)
    login(client, manager)
    url = reverse("console:order_list")
    client.get(url)  # warm up (session, content types)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(28):
        place({water: 1}, member=make_member(owner.merchant_id))
    with django_assert_max_num_queries(len(few.captured_queries)):
        listing = page(client, url)
    assert listing.count("data-number=") == 30
    with django_assert_max_num_queries(12):
        page(client, url)


def test_dashboard_counts_link_to_the_lists(client, owner, place, water, cola):
    pay(place({water: 1}), owner)
    pay(place({cola: 1}, fulfilment="pickup", address=None, warehouse_id=None), owner)
    login(client, owner)
    home = page(client, reverse("console:home"))
    assert "待发货订单" in home and "待自提" in home and "待审核售后" in home
    assert "?fulfilment=express&amp;status=to_fulfil" in home
    assert "?fulfilment=pickup&amp;status=awaiting_pickup" in home


# --- export ----------------------------------------------------------------------------------


def _export(client, data, django_capture_on_commit_callbacks) -> Job:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("console:order_export"), data)
    assert response.status_code == 302
    job = Job.objects.latest("pk")
    assert response.url == reverse("console:job_detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    return job


def test_export_csv_and_xlsx_of_the_filtered_list(
    client, owner, clerk, place, water, cola, member, django_capture_on_commit_callbacks
):
    order = pay(place({water: 2, cola: 1}, member=member), owner)
    place({water: 1}, channel="pos", fulfilment="in_store", address=None)  # filtered out below
    login(client, owner)
    job = _export(client, {"format": "csv", "status": "paid"}, django_capture_on_commit_callbacks)
    assert job.kind == "orders.export" and job.params["filters"] == {"status": "paid"}
    assert job.result["lines"] == 2
    text = job.result_file.open("rb").read().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["订单号", "下单时间", "渠道", "门店"]
    assert len(rows) == 3 and {row[0] for row in rows[1:]} == {order.number}
    by_sku = {row[8]: row for row in rows[1:]}
    water_row = by_sku[water.code]
    assert water_row[4] == "已支付" and water_row[5] == "快递" and water_row[6] == PHONE
    assert water_row[10] == "2" and water_row[11] == "3.50" and water_row[12] == "7.00"
    assert water_row[14] == f"{order.payable_fen / 100:.2f}" and water_row[7].startswith("李四")
    # The job page offers the file; it is private storage, served by the job view only.
    detail = page(client, reverse("console:job_detail", args=[job.pk]))
    assert reverse("console:job_result_file", args=[job.pk]) in detail and "订单导出" in detail

    # Excel, for a user without members.view: phones and names masked.
    login(client, clerk)
    job = _export(client, {"format": "xlsx", "number": order.number}, django_capture_on_commit_callbacks)
    from openpyxl import load_workbook

    sheet = load_workbook(job.result_file.open("rb"), read_only=True).active
    values = list(sheet.values)
    assert len(values) == 3
    header, first = values[0], values[1]
    assert header[6] == "会员手机号" and first[6] == "138****5678" and first[7] == "李* 139****1111"
    assert isinstance(first[12], (int, float))  # money is a number Excel can add up


def test_export_respects_store_scope(
    client, owner, cashier, place, water, other_order, django_capture_on_commit_callbacks
):
    mine = pay(place({water: 1}), owner)
    login(client, cashier)
    job = _export(client, {"format": "csv"}, django_capture_on_commit_callbacks)
    text = job.result_file.open("rb").read().decode("utf-8-sig")
    assert mine.number in text and other_order.number not in text


# --- the order page and its actions ----------------------------------------------------------


def test_order_page_shows_everything(client, owner, place, water, cola, member):
    order = pay(place({water: 2, cola: 1}, member=member, buyer_note="放门口"), owner)
    login(client, owner)
    detail = page(client, reverse("console:order_detail", args=[order.pk]))
    for text in (
        order.number,
        "已支付",
        "快递",
        "放门口",
        "南京西路1000号",
        "13900001111",
        PHONE,
        "现金",
        "¥7.00",
        "¥4.50",
        "下单",
        "订单动态",
    ):
        assert text in detail, text
    # The pricing engine's explanations (store price, shipping), as they were at checkout.
    explanations = [a.explanation for a in order.adjustments.all()]
    assert len(explanations) >= 2 and all(text and text in detail for text in explanations)
    assert 'id="ship-form"' in detail and 'id="start-fulfilment"' in detail and 'id="cancel-box"' in detail
    assert "原支付方式" in detail  # the cancel dialog says where the money goes


def test_order_page_queries_are_bounded(client, owner, place, water, cola, django_assert_max_num_queries):
    order = pay(place({water: 2, cola: 1}), owner)
    login(client, owner)
    with django_assert_max_num_queries(25):
        page(client, reverse("console:order_detail", args=[order.pk]))


def test_ship_through_the_page(client, owner, manager, place, water):
    order = pay(place({water: 1}), owner)
    login(client, manager)
    url = reverse("console:order_detail", args=[order.pk])
    assert client.post(reverse("console:order_start_fulfilment", args=[order.pk])).status_code == 302
    order.refresh_from_db()
    assert order.status == "fulfilling"
    missing = client.post(
        reverse("console:order_ship", args=[order.pk]), {"carrier": "顺丰速运", "tracking_number": ""}
    )
    assert missing.status_code == 400 and "这个字段是必填项" in missing.content.decode()
    order.refresh_from_db()
    assert order.status == "fulfilling"
    response = client.post(
        reverse("console:order_ship", args=[order.pk]),
        {"carrier": "顺丰速运", "tracking_number": "SF 1234 5678"},
    )
    assert response.status_code == 302 and response.url == url
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == ("shipped", "顺丰速运", "SF12345678")
    detail = page(client, url)
    assert 'data-kind="shipped"' in detail and "已发货" in detail and "SF12345678" in detail
    assert 'id="ship-form"' not in detail
    # Shipping again is refused with the domain's Chinese message and changes nothing.
    follow = client.post(
        reverse("console:order_ship", args=[order.pk]),
        {"carrier": "EMS", "tracking_number": "E1"},
        follow=True,
    )
    assert "不能变为" in follow.content.decode()
    order.refresh_from_db()
    assert order.carrier == "顺丰速运"


def test_refused_action_on_an_unpaid_order_changes_nothing(client, owner, place, water):
    order = place({water: 1})
    login(client, owner)
    follow = client.post(reverse("console:order_ready_for_pickup", args=[order.pk]), follow=True)
    assert "不能进行此操作" in follow.content.decode()  # WRONG_FULFILMENT: an express order
    follow = client.post(
        reverse("console:order_ship", args=[order.pk]),
        {"carrier": "顺丰", "tracking_number": "1"},
        follow=True,
    )
    assert "待支付" in follow.content.decode() and "alert-error" in follow.content.decode()
    order.refresh_from_db()
    assert order.status == "pending_payment" and not order.carrier


def test_delivery_out_and_delivered(client, owner, merchant, water):
    from newretail.orders.actions.checkout import create_order
    from tests.orders.conftest import ADDRESS

    store = make_store(owner, latitude="31.229000", longitude="121.451000")
    warehouse = store.warehouses.get()
    receive(warehouse, water, 10)
    order = create_order(
        merchant=merchant,
        channel="mall",
        fulfilment="delivery",
        store_id=store.pk,
        lines=[{"sku_id": water.pk, "quantity": 6}],  # above the ¥20 delivery minimum
        address=ADDRESS,
    )
    pay(order, owner)
    login(client, owner)
    detail = page(client, reverse("console:order_detail", args=[order.pk]))
    assert 'id="out-for-delivery"' in detail and 'id="mark-delivered"' not in detail
    client.post(reverse("console:order_out_for_delivery", args=[order.pk]), {"note": "骑手小王"})
    order.refresh_from_db()
    assert order.status == "out_for_delivery"
    detail = page(client, reverse("console:order_detail", args=[order.pk]))
    assert "骑手小王" in detail and 'id="mark-delivered"' in detail
    client.post(reverse("console:order_delivered", args=[order.pk]))
    order.refresh_from_db()
    assert order.status == "completed"


def test_cancel_unpaid_and_paid(client, owner, cashier, manager, place, water, warehouse):
    unpaid = place({water: 2})
    login(client, cashier)
    detail = page(client, reverse("console:order_detail", args=[unpaid.pk]))
    assert 'id="cancel-box"' in detail and "释放" in detail
    client.post(reverse("console:order_cancel", args=[unpaid.pk]), {"reason": "顾客不要了"})
    unpaid.refresh_from_db()
    assert unpaid.status == "cancelled"

    paid = pay(place({water: 3}), owner)
    before = level_of(warehouse, water).on_hand
    login(client, manager)
    response = client.post(reverse("console:order_cancel", args=[paid.pk]), {"reason": "缺货"}, follow=True)
    paid.refresh_from_db()
    assert paid.status == "cancelled" and paid.refunded_fen == paid.payable_fen
    refund = Refund.objects.get(order=paid)
    assert refund.status == "succeeded" and refund.kind == "order_cancelled"
    assert level_of(warehouse, water).on_hand == before + 3
    body = response.content.decode()
    assert refund.number in body and "已退款" in body


def test_refund_items_enters_and_approves_an_after_sale(client, owner, manager, place, water, cola):
    order = pay(place({water: 2, cola: 1}), owner)
    line = order.lines.get(sku=water)
    login(client, manager)
    url = reverse("console:order_refund", args=[order.pk])
    form = page(client, url)
    token = form.split('name="token" value="')[1].split('"')[0]
    too_many = client.post(
        url, {f"line_{line.pk}": "3", "kind": "refund_only", "reason": "quality", "token": token}
    )
    assert too_many.status_code == 400 and not AfterSale.objects.exists()
    nothing = client.post(url, {"kind": "refund_only", "reason": "quality", "token": token})
    assert (
        nothing.status_code == 400 and "至少" in nothing.content.decode() and not AfterSale.objects.exists()
    )
    data = {
        f"line_{line.pk}": "1",
        "kind": "refund_only",
        "reason": "quality",
        "description": "瓶子漏了",
        "token": token,
    }
    response = client.post(url, data)
    after_sale = AfterSale.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "console:after_sale_detail", args=[after_sale.pk]
    )
    assert after_sale.status == "refunded" and after_sale.requested_by_staff == manager
    line.refresh_from_db()
    assert (line.refunded_quantity, line.refunded_fen) == (1, 350)
    # A double submit of the same form changes nothing more.
    assert client.post(url, data).status_code == 302
    assert AfterSale.objects.count() == 1
    detail = page(client, reverse("console:order_detail", args=[order.pk]))
    assert after_sale.number in detail and 'data-col="refunded">¥3.50' in detail


def test_retry_a_failed_refund(client, owner, manager, place, water):
    order = pay(place({water: 1}), owner)
    lifecycle.cancel_order(order_id=order.pk, merchant=owner.merchant_id, actor=owner)
    refund = Refund.objects.get(order=order)
    # A provider refund that gave up (forced: the cash till cannot fail).
    Refund.objects.filter(pk=refund.pk).update(status="failed")
    TenderRefund.objects.filter(refund=refund).update(status="failed", failure_reason="余额不足")
    login(client, manager)
    detail = page(client, reverse("console:order_detail", args=[order.pk]))
    assert f'id="retry-{refund.pk}"' in detail and "余额不足" in detail
    client.post(reverse("console:refund_retry", args=[refund.pk]))
    refund.refresh_from_db()
    assert refund.status == "succeeded"  # a cash part is paid back at once on retry
    follow = client.post(reverse("console:refund_retry", args=[refund.pk]), follow=True)
    assert "没有失败" in follow.content.decode()  # REFUND_NOT_FAILED


# --- pickup counter --------------------------------------------------------------------------


def test_pickup_verification(client, owner, cashier, place, cola, member):
    order = pay(place({cola: 2}, fulfilment="pickup", address=None, warehouse_id=None, member=member), owner)
    assert len(order.pickup_code) == 6
    login(client, cashier)
    url = reverse("console:pickup_verify")
    form = page(client, url)
    assert "autofocus" in form and 'name="code"' in form
    wrong = "000000" if order.pickup_code != "000000" else "111111"
    response = client.post(url, {"code": wrong})
    assert response.status_code == 200 and "没有" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "paid"
    # htmx gets the panel only; the scanner sends the code (with spaces it may add).
    response = client.post(url, {"code": f" {order.pickup_code} "}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and 'id="pickup-ok"' in body and order.number in body
    assert "138****5678" not in body or PHONE not in body  # cashiers have members.view: the number is shown
    assert "可口可乐 330ml" in body and "×2" in body
    order.refresh_from_db()
    assert order.status == "completed"
    again = client.post(url, {"code": order.pickup_code}).content.decode()
    assert 'id="pickup-error"' in again
    bad_format = client.post(url, {"code": "12ab"}).content.decode()
    assert "6 位" in bad_format or "6位" in bad_format


def test_pickup_verification_is_rate_limited(client, owner, cashier):
    login(client, cashier)
    url = reverse("console:pickup_verify")
    for _ in range(lifecycle.PICKUP_VERIFY_LIMIT):
        client.post(url, {"code": "123456"})
    body = client.post(url, {"code": "123456"}).content.decode()
    assert "尝试次数过多" in body or "太多" in body or "频繁" in body
