"""The console's after-sales pages: list and filters, the request page with its photos (a
checked view over private storage), approve / reject / receive the return."""

from __future__ import annotations

import pytest
from django.urls import reverse

from newretail.core.testing import make_staff, make_store
from newretail.members.testing import make_member
from newretail.orders.actions import aftersales, lifecycle
from newretail.orders.models import AfterSale
from newretail.payments.models import Refund
from newretail.tenancy.roles import Role
from tests.inventory.conftest import level_of, make_sku, receive
from tests.orders.isolation import paid_order, png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(merchant):
    return make_member(merchant, "13812345678", name="张三")


@pytest.fixture
def manager(owner, store):
    return make_staff(owner, Role.STORE_MANAGER, stores=[store])


@pytest.fixture
def order(owner, store, warehouse, water, member):
    """A paid express order of 3 waters (¥3.50 each) for the member."""
    return paid_order(owner, store, warehouse, water, quantity=3, member=member)


def shipped(order, owner):
    lifecycle.ship_order(actor=owner, order_id=order.pk, carrier="顺丰速运", tracking_number="SF1")
    order.refresh_from_db()
    return order


def ask(order, member, kind="refund_only", quantity=1, photos=()):
    line = order.lines.get()
    return aftersales.request_after_sale(
        order_id=order.pk,
        kind=kind,
        reason="quality",
        description="瓶盖破了",
        lines=[{"order_line_id": line.pk, "quantity": quantity}],
        member=member,
        photos=list(photos),
    )


def test_list_filters_and_roles(client, owner, manager, store, order, member):
    refund_only = ask(order, member)
    shipped(order, owner)
    returning = ask(order, member, kind="return_refund")
    aftersales.reject_after_sale(actor=owner, after_sale_id=refund_only.pk, note="请联系客服")
    client.force_login(manager)
    url = reverse("console:after_sale_list")

    def numbers(query: str) -> set[str]:
        response = client.get(f"{url}?{query}")
        assert response.status_code == 200
        body = response.content.decode()
        return {a.number for a in (refund_only, returning) if f'data-number="{a.number}"' in body}

    assert numbers("") == {refund_only.number, returning.number}
    assert numbers("status=requested") == {returning.number}
    assert numbers("status=open") == {returning.number}
    assert numbers("status=rejected") == {refund_only.number}
    assert numbers("kind=return_refund") == {returning.number}
    assert numbers(f"number={order.number}") == {refund_only.number, returning.number}
    assert numbers(f"number={returning.number}") == {returning.number}
    assert numbers("status=nonsense&kind=x") == {refund_only.number, returning.number}
    body = client.get(url).content.decode()
    assert "仅退款" in body and "退货退款" in body and "已拒绝" in body and "待审核" in body
    # Staff of another store see none of them.
    elsewhere = make_staff(owner, Role.STORE_MANAGER, stores=[make_store(owner)])
    client.force_login(elsewhere)
    assert numbers("") == set()
    assert client.get(reverse("console:after_sale_detail", args=[returning.pk])).status_code == 404


def test_detail_shows_the_request_and_its_photos(client, owner, manager, order, member):
    after_sale = ask(order, member, photos=[png_upload("a.png"), png_upload("b.png", (10, 200, 10))])
    photo = after_sale.photos.order_by("pk").first()
    client.force_login(manager)
    body = client.get(reverse("console:after_sale_detail", args=[after_sale.pk])).content.decode()
    for text in (after_sale.number, order.number, "质量问题", "瓶盖破了", "¥3.50", "待审核", "仅退款"):
        assert text in body, text
    photo_url = reverse("console:after_sale_photo", args=[photo.pk])
    assert f'src="{photo_url}"' in body and 'id="approve-form"' in body and 'id="reject-form"' in body
    assert "/media/" not in body  # photos have no public URL
    response = client.get(photo_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    # A guide may look; staff of another store, another merchant or nobody may not.
    client.force_login(make_staff(owner, Role.GUIDE, stores=[order.store]))
    assert client.get(photo_url).status_code == 200
    assert (
        'id="approve-form"'
        not in client.get(reverse("console:after_sale_detail", args=[after_sale.pk])).content.decode()
    )
    assert client.post(reverse("console:after_sale_approve", args=[after_sale.pk])).status_code == 403
    client.force_login(make_staff(owner, Role.CASHIER, stores=[make_store(owner)]))
    assert client.get(photo_url).status_code == 404
    client.logout()
    assert client.get(photo_url).status_code == 302


def test_approve_refund_only_refunds(client, owner, manager, order, member, warehouse, water):
    after_sale = ask(order, member, quantity=2)
    before = level_of(warehouse, water).on_hand
    client.force_login(manager)
    response = client.post(
        reverse("console:after_sale_approve", args=[after_sale.pk]), {"note": "已核实"}, follow=True
    )
    after_sale.refresh_from_db()
    assert after_sale.status == "refunded" and after_sale.decision_note == "已核实"
    refund = Refund.objects.get(after_sale=after_sale)
    assert refund.status == "succeeded" and refund.amount_fen == 700
    # Paid but not shipped: the units went back on the shelf.
    assert level_of(warehouse, water).on_hand == before + 2
    body = response.content.decode()
    assert "已退款" in body and refund.number in body and "原支付方式" in body
    # Approving again is refused with the domain's message; nothing changes.
    again = client.post(
        reverse("console:after_sale_approve", args=[after_sale.pk]), follow=True
    ).content.decode()
    assert "不能进行此操作" in again
    assert Refund.objects.count() == 1


def test_reject_needs_a_note(client, owner, manager, order, member):
    after_sale = ask(order, member)
    client.force_login(manager)
    url = reverse("console:after_sale_reject", args=[after_sale.pk])
    response = client.post(url, {"note": "  "})
    assert response.status_code == 400 and "这个字段是必填项" in response.content.decode()
    after_sale.refresh_from_db()
    assert after_sale.status == "requested"
    response = client.post(url, {"note": "商品已拆封，不支持退款"})
    assert response.status_code == 302
    after_sale.refresh_from_db()
    assert after_sale.status == "rejected" and after_sale.decision_note == "商品已拆封，不支持退款"
    body = client.get(reverse("console:after_sale_detail", args=[after_sale.pk])).content.decode()
    assert "商品已拆封" in body and 'id="reject-form"' not in body


def test_return_approve_then_receive(client, owner, manager, order, member, warehouse, water):
    shipped(order, owner)
    after_sale = ask(order, member, kind="return_refund", quantity=2)
    client.force_login(manager)
    client.post(reverse("console:after_sale_approve", args=[after_sale.pk]))
    after_sale.refresh_from_db()
    assert after_sale.status == "awaiting_return"
    aftersales.record_return_shipment(
        member=member, after_sale_id=after_sale.pk, carrier="中通", tracking_number="ZT9"
    )
    detail = client.get(reverse("console:after_sale_detail", args=[after_sale.pk])).content.decode()
    assert "中通" in detail and "ZT9" in detail and 'id="receive-form"' in detail
    line = after_sale.lines.get()
    assert f'name="restock_{line.pk}"' in detail and 'value="2"' in detail  # prefilled: all fit to sell
    before = level_of(warehouse, water).on_hand
    url = reverse("console:after_sale_receive", args=[after_sale.pk])
    mismatch = client.post(url, {f"restock_{line.pk}": "1", f"damaged_{line.pk}": "0"})
    assert mismatch.status_code == 400 and "应退回2件，实收1件" in mismatch.content.decode()
    after_sale.refresh_from_db()
    assert after_sale.status == "awaiting_return" and level_of(warehouse, water).on_hand == before
    negative = client.post(url, {f"restock_{line.pk}": "-1", f"damaged_{line.pk}": "3"})
    assert negative.status_code == 400
    response = client.post(url, {f"restock_{line.pk}": "1", f"damaged_{line.pk}": "1"})
    assert response.status_code == 302
    after_sale.refresh_from_db()
    assert after_sale.status == "refunded"
    assert level_of(warehouse, water).on_hand == before + 1  # the damaged one went elsewhere
    line.refresh_from_db()
    assert (line.restocked_quantity, line.damaged_quantity) == (1, 1)
    detail = client.get(reverse("console:after_sale_detail", args=[after_sale.pk])).content.decode()
    assert "已退款" in detail and 'id="receive-form"' not in detail


def test_after_sale_pages_from_another_store_or_merchant_are_404(client, owner, other_owner, order, member):
    after_sale = ask(order, member)
    other_store = make_store(other_owner)
    other_warehouse = other_store.warehouses.get()
    sku = make_sku(other_owner.merchant_id, price_fen=500)
    receive(other_warehouse, sku, 5)
    theirs = paid_order(other_owner, other_store, other_warehouse, sku, quantity=1)
    their_request = aftersales.request_after_sale(
        order_id=theirs.pk,
        kind="refund_only",
        reason="quality",
        lines=[{"order_line_id": theirs.lines.get().pk, "quantity": 1}],
        actor=other_owner,
        photos=[png_upload()],
    )
    client.force_login(owner)
    for name in ("after_sale_detail", "after_sale_approve", "after_sale_reject", "after_sale_receive"):
        assert (
            client.post(reverse(f"console:{name}", args=[their_request.pk]), {"note": "x"}).status_code == 404
        )
    assert (
        client.get(reverse("console:after_sale_photo", args=[their_request.photos.get().pk])).status_code
        == 404
    )
    their_request.refresh_from_db()
    assert their_request.status == "requested"
    assert client.get(reverse("console:after_sale_detail", args=[after_sale.pk])).status_code == 200
    assert AfterSale.objects.filter(status="requested").count() == 2
