"""Scan-to-buy: scanning shelf codes (barcodes, scale labels) at a store, the basket priced by the
engine at that store, the order (channel scan_to_buy, in store, the store's warehouse), the
exit code: issued once paid, good once, only at that store, wrong guesses rate-limited; the staff
and door-scanner routes; the mall pages."""

from __future__ import annotations

import uuid

import pytest

from newretail.core.errors import DomainError
from newretail.core.testing import bearer, make_staff, make_store
from newretail.inventory.queries import available_quantity
from newretail.members.actions.members import find_or_create_member
from newretail.orders.models import Order
from newretail.payments.actions.charges import pay_order
from newretail.pos.actions import devices
from newretail.pos.actions import scan_to_buy as stb
from newretail.pos.errors import PosError
from newretail.pos.models import ExitPass, StoreDevice
from newretail.tenancy.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(merchant, store):
    return find_or_create_member(merchant=merchant, phone="13800001111", source="mall", store=store.pk)[0]


def _paid_order(owner, member, store, *lines):
    basket = []
    for sku, qty in lines:
        basket.append(stb.BasketLine(sku.pk, qty))
    order = stb.place_scan_order(
        member=member, store_id=store.pk, lines=basket, idempotency_key=uuid.uuid4().hex
    )
    pay_order(order_id=order.pk, kind="cash", actor=owner)
    order.refresh_from_db()
    return order


def test_scanning_reads_barcodes_and_scale_labels_and_refuses_a_bare_weighed_plu(
    merchant, store, water, apples
):
    assert stb.scan_item(merchant_id=merchant.pk, store_id=store.pk, code="6901234567892").quantity == 1
    label = stb.scan_item(merchant_id=merchant.pk, store_id=store.pk, code="2700101007509")
    assert (label.sku.pk, label.quantity) == (apples.pk, 750)
    with pytest.raises(DomainError) as refused:
        stb.scan_item(merchant_id=merchant.pk, store_id=store.pk, code="101")  # no scale, no weight
    assert refused.value.error is PosError.UNKNOWN_CODE
    with pytest.raises(DomainError):
        stb.scan_item(merchant_id=merchant.pk, store_id=store.pk, code="2700101007508")  # bad check digit


def test_the_basket_adds_up_scans_and_is_priced_at_the_store(merchant, store, member, water, cola):
    lines = []
    for code in ("6902538004045", "6902538004045", "6901234567892"):
        lines = stb.add_to_basket(lines, stb.scan_item(merchant_id=merchant.pk, store_id=store.pk, code=code))
    assert sorted((line.sku_id, line.quantity) for line in lines) == sorted([(cola.pk, 2), (water.pk, 1)])
    quote = stb.quote_basket(merchant_id=merchant.pk, store_id=store.pk, lines=lines, member=member)
    assert quote.priced.payable_fen == 2 * 450 + 350  # the store's cola price, not the list price
    with pytest.raises(DomainError) as empty:
        stb.quote_basket(merchant_id=merchant.pk, store_id=store.pk, lines=[], member=member)
    assert empty.value.error is PosError.SCAN_BASKET_EMPTY


def test_the_order_is_scan_to_buy_at_the_store_and_sells_from_its_warehouse(
    owner, member, store, warehouse, water
):
    key = uuid.uuid4().hex
    order = stb.place_scan_order(
        member=member, store_id=store.pk, lines=[stb.BasketLine(water.pk, 3)], idempotency_key=key
    )
    again = stb.place_scan_order(
        member=member, store_id=store.pk, lines=[stb.BasketLine(water.pk, 3)], idempotency_key=key
    )
    assert again.pk == order.pk and Order.objects.filter(member=member).count() == 1
    assert (order.channel, order.fulfilment, order.store_id) == ("scan_to_buy", "in_store", store.pk)
    with pytest.raises(DomainError):  # not paid: no exit code yet
        stb.exit_pass_for(order)
    pay_order(order_id=order.pk, kind="cash", actor=owner)
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED  # the goods leave with the shopper
    assert available_quantity(owner.merchant_id, warehouse, water.pk) == 100 - 3
    first = stb.exit_pass_for(order)
    assert stb.exit_pass_for(order).pk == first.pk and len(first.code) == 8 and first.code.isdigit()


def test_an_exit_code_is_good_once_and_only_at_its_store(owner, member, store, water):
    other_store = make_store(owner)
    order = _paid_order(owner, member, store, (water, 1))
    exit_pass = stb.exit_pass_for(order)
    with pytest.raises(DomainError) as elsewhere:
        stb.verify_exit_code(actor=owner, store_id=other_store.pk, code=exit_pass.code)
    assert elsewhere.value.error is PosError.EXIT_CODE_OTHER_STORE
    assert ExitPass.objects.get(pk=exit_pass.pk).used_at is None  # refusing it elsewhere does not use it
    verified = stb.verify_exit_code(
        actor=owner, store_id=store.pk, code=f"{exit_pass.code[:4]} {exit_pass.code[4:]}"
    )
    assert verified.used_at is not None and verified.used_by_id == owner.pk
    with pytest.raises(DomainError) as twice:
        stb.verify_exit_code(actor=owner, store_id=store.pk, code=exit_pass.code)
    assert twice.value.error is PosError.EXIT_CODE_USED


def test_guessing_exit_codes_is_rate_limited_per_store(owner, store):
    for _ in range(stb.FAILED_GUESSES_PER_MINUTE):
        with pytest.raises(DomainError) as wrong:
            stb.verify_exit_code(actor=owner, store_id=store.pk, code="12345678")
        assert wrong.value.error is PosError.EXIT_CODE_UNKNOWN
    with pytest.raises(DomainError) as limited:
        stb.verify_exit_code(actor=owner, store_id=store.pk, code="12345678")
    assert limited.value.code == "rate_limited"


def test_staff_of_another_store_and_staff_without_fulfil_cannot_verify(owner, member, store, water):
    order = _paid_order(owner, member, store, (water, 1))
    code = stb.exit_pass_for(order).code
    elsewhere = make_staff(owner, Role.CASHIER, stores=[make_store(owner)])
    with pytest.raises(DomainError) as out_of_scope:
        stb.verify_exit_code(actor=elsewhere, store_id=store.pk, code=code)
    assert out_of_scope.value.status == 403
    guide = make_staff(owner, Role.GUIDE, stores=[store])
    with pytest.raises(DomainError):
        stb.verify_exit_code(actor=guide, store_id=store.pk, code=code)
    assert ExitPass.objects.get(code=code).used_at is None


def test_the_staff_api_and_the_door_scanner_verify(client, owner, member, store, water):
    first = stb.exit_pass_for(_paid_order(owner, member, store, (water, 1)))
    second = stb.exit_pass_for(_paid_order(owner, member, store, (water, 2)))
    url = f"/api/v1/pos/stores/{store.pk}/exit-passes/verify"
    ok = client.post(url, {"code": first.code}, content_type="application/json", **bearer(owner))
    assert ok.status_code == 200 and ok.json()["lines"][0]["quantity"] == 1
    again = client.post(url, {"code": first.code}, content_type="application/json", **bearer(owner))
    assert again.status_code == 409 and again.json()["code"] == "pos.exit_code_used"

    scanner, key = devices.register_device(actor=owner, store_id=store.pk, kind=StoreDevice.Kind.DOOR_SCANNER)
    counter, counter_key = devices.register_device(actor=owner, store_id=store.pk, kind="door_counter")
    door = "/api/v1/pos/device/exit-passes/verify"
    assert client.post(door, {"code": second.code}, content_type="application/json").status_code == 401
    wrong_kind = client.post(
        door,
        {"code": second.code},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {counter_key}",
    )
    assert wrong_kind.status_code == 403
    passed = client.post(
        door, {"code": second.code}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert passed.status_code == 200
    assert ExitPass.objects.get(pk=second.pk).used_device_id == scanner.pk
    devices.revoke_device(actor=owner, device_id=scanner.pk)
    revoked = client.post(
        door, {"code": second.code}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert revoked.status_code == 401


def test_the_mall_pages_scan_price_pay_and_show_the_exit_code(
    client, merchant, owner, member, store, water, cola
):
    _log_in(client, merchant, member)
    base = f"/m/{merchant.slug}/scan/"
    assert store.name in client.get(base).content.decode()
    page = client.get(f"{base}{store.pk}/")
    assert page.status_code == 200
    client.post(f"{base}{store.pk}/add/", {"code": "6902538004045"})
    client.post(f"{base}{store.pk}/add/", {"code": "6902538004045"})
    refused = client.post(f"{base}{store.pk}/add/", {"code": "999"}, follow=True)
    assert "999" in refused.content.decode()
    page = client.get(f"{base}{store.pk}/").content.decode()
    assert "¥9.00" in page  # two colas at the store price
    placed = client.post(f"{base}{store.pk}/checkout/", {"key": "k-1", "payable_fen": "900"})
    order = Order.objects.get(member=member)
    assert placed.status_code == 302 and placed["Location"].endswith(f"/scan/orders/{order.pk}/pay/")
    assert order.channel == "scan_to_buy" and order.payable_fen == 900
    unpaid = client.get(f"{base}orders/{order.pk}/").content.decode()
    assert "data-exit-code" not in unpaid
    pay_order(order_id=order.pk, kind="cash", actor=owner)
    paid = client.get(f"{base}orders/{order.pk}/").content.decode()
    code = ExitPass.objects.get(order=order).code
    assert f'data-exit-code="{code}"' in paid and "<svg" in paid
    assert client.get(f"{base}{store.pk}/").content.decode().count("data-sku=") == 0  # basket emptied


def _log_in(client, merchant, member):
    from newretail.members.actions.tokens import issue_member_token
    from newretail.storefront.site import _token_key

    _token, raw = issue_member_token(member=member)
    session = client.session
    session[_token_key(merchant)] = raw
    session.save()
