import pytest

from newretail.core import testing
from newretail.inventory.actions.purchasing import create_purchase_order, create_supplier
from newretail.inventory.actions.stocktakes import start_stocktake
from newretail.inventory.actions.transfers import create_transfer
from newretail.inventory.models import Reservation, StockMovement
from newretail.tenancy.roles import Role
from tests.inventory.conftest import level_of, make_sku, receive

pytestmark = [pytest.mark.django_db, pytest.mark.integration]
API = "/api/v1/inventory"


def _post(client, url, body, headers):
    return client.post(f"{API}{url}", body, content_type="application/json", **headers)


def test_stock_list_filters_and_low_stock(client, owner, owner_headers, warehouse, central, sku, sku2):
    receive(warehouse, sku, 3)
    receive(central, sku2, 40)
    response = client.put(
        f"{API}/stock/threshold",
        {"warehouse_id": warehouse.pk, "sku_id": sku.pk, "threshold": 5},
        content_type="application/json",
        **owner_headers,
    )
    assert response.status_code == 200 and response.json()["is_low"] is True
    body = client.get(f"{API}/stock", **owner_headers).json()
    assert body["count"] == 2
    assert (
        client.get(f"{API}/stock?warehouse_id={central.pk}", **owner_headers).json()["items"][0]["on_hand"]
        == 40
    )
    low = client.get(f"{API}/stock?low_stock=true", **owner_headers).json()
    assert [(i["sku_code"], i["available"]) for i in low["items"]] == [("NF550", 3)]
    found = client.get(f"{API}/stock?q=6901939621271", **owner_headers).json()["items"]
    assert [i["sku_id"] for i in found] == [sku2.pk]
    total = client.get(f"{API}/stock/skus/{sku2.pk}", **owner_headers).json()
    assert (total["on_hand"], len(total["warehouses"])) == (40, 1)


def test_adjust_and_movements(client, owner_headers, warehouse, sku):
    receive(warehouse, sku, 10)
    response = _post(
        client,
        "/adjustments",
        {"warehouse_id": warehouse.pk, "sku_id": sku.pk, "quantity": -4, "reason": "过期"},
        owner_headers,
    )
    assert response.status_code == 201
    assert response.json()["on_hand_after"] == 6 and response.json()["kind"] == "adjustment"
    moves = client.get(f"{API}/movements?kind=adjustment&sku_id={sku.pk}", **owner_headers).json()
    assert moves["count"] == 1 and moves["items"][0]["quantity"] == -4
    response = _post(
        client,
        "/adjustments",
        {"warehouse_id": warehouse.pk, "sku_id": sku.pk, "quantity": -7, "reason": "x"},
        owner_headers,
    )
    assert response.status_code == 409 and response.json()["code"] == "inventory.insufficient_stock"


@pytest.mark.parametrize(
    "body",
    [
        {"quantity": 0, "reason": "x"},
        {"quantity": 10_000_001, "reason": "x"},
        {"quantity": 1.5, "reason": "x"},
        {"quantity": "lots", "reason": "x"},
        {"quantity": 1, "reason": ""},
        {"quantity": 1},
        {"quantity": 1, "reason": "x", "sku_id": 2**64},
    ],
)
def test_bad_adjustment_input_is_422(client, owner_headers, warehouse, sku, body):
    payload = {"warehouse_id": warehouse.pk, "sku_id": sku.pk, **body}
    response = _post(client, "/adjustments", payload, owner_headers)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert not StockMovement.objects.exists()


def test_reservations_for_integrations(client, owner_headers, warehouse, sku):
    receive(warehouse, sku, 5)
    body = {
        "warehouse_id": warehouse.pk,
        "sku_id": sku.pk,
        "quantity": 2,
        "reference": "erp:A1",
        "ttl_seconds": 600,
    }
    first = _post(client, "/reservations", body, owner_headers)
    assert first.status_code == 201 and first.json()["status"] == "active"
    replay = _post(client, "/reservations", body, owner_headers)
    assert replay.status_code == 200 and replay.json()["id"] == first.json()["id"]
    too_many = _post(client, "/reservations", {**body, "reference": "erp:A2", "quantity": 4}, owner_headers)
    assert too_many.status_code == 409
    assert too_many.json() == {
        "code": "inventory.insufficient_stock",
        "message": f"{warehouse.name}的农夫山泉 550ml库存不足：可用 3，需要 4。",
    }
    rid = first.json()["id"]
    assert _post(client, f"/reservations/{rid}/release", {}, owner_headers).json()["status"] == "released"
    assert level_of(warehouse, sku).reserved == 0
    held = _post(client, "/reservations", {**body, "reference": "erp:A3"}, owner_headers).json()
    sale = _post(client, f"/reservations/{held['id']}/consume", {}, owner_headers)
    assert sale.status_code == 200 and sale.json()["quantity"] == -2
    assert level_of(warehouse, sku).on_hand == 3
    bad = _post(client, "/reservations", {**body, "ttl_seconds": 5}, owner_headers)
    assert bad.status_code == 422


def test_english_error_messages_follow_accept_language(client, owner_headers, warehouse, sku):
    body = {"warehouse_id": warehouse.pk, "sku_id": sku.pk, "quantity": 1, "reference": "erp:1"}
    response = _post(client, "/reservations", body, {**owner_headers, "HTTP_ACCEPT_LANGUAGE": "en"})
    assert (
        response.json()["message"]
        == f"Not enough stock of 农夫山泉 550ml in {warehouse.name}: 0 available, 1 requested."
    )


def test_purchase_order_flow(client, owner_headers, warehouse, sku, sku2):
    supplier = _post(client, "/suppliers", {"name": "粮油批发部", "phone": "13800000000"}, owner_headers)
    assert supplier.status_code == 201
    sid = supplier.json()["id"]
    created = _post(
        client,
        "/purchase-orders",
        {
            "supplier_id": sid,
            "warehouse_id": warehouse.pk,
            "expected_on": "2026-12-01",
            "lines": [
                {"sku_id": sku.pk, "quantity": 10, "unit_cost_fen": 150},
                {"sku_id": sku2.pk, "quantity": 5},
            ],
        },
        owner_headers,
    )
    assert created.status_code == 201, created.json()
    po = created.json()
    assert po["status"] == "draft" and po["total_fen"] == 10 * 150 + 5 * 200
    lines = {line["sku_id"]: line["id"] for line in po["lines"]}
    assert (
        _post(client, f"/purchase-orders/{po['id']}/order", {}, owner_headers).json()["status"] == "ordered"
    )
    partial = _post(
        client,
        f"/purchase-orders/{po['id']}/receive",
        {"lines": [{"line_id": lines[sku.pk], "quantity": 4}]},
        owner_headers,
    )
    assert partial.status_code == 200 and partial.json()["status"] == "partially_received"
    assert len(partial.json()["receipts"]) == 1
    over = _post(
        client,
        f"/purchase-orders/{po['id']}/receive",
        {"lines": [{"line_id": lines[sku.pk], "quantity": 7}]},
        owner_headers,
    )
    assert over.status_code == 400 and over.json()["code"] == "inventory.over_receipt"
    done = _post(
        client,
        f"/purchase-orders/{po['id']}/receive",
        {"lines": [{"line_id": lines[sku.pk], "quantity": 6}, {"line_id": lines[sku2.pk], "quantity": 5}]},
        owner_headers,
    )
    assert done.json()["status"] == "received"
    assert level_of(warehouse, sku).on_hand == 10
    listed = client.get(f"{API}/purchase-orders?status=received", **owner_headers).json()
    assert listed["count"] == 1 and listed["items"][0]["number"] == po["number"]
    assert client.delete(f"{API}/suppliers/{sid}", **owner_headers).status_code == 409
    cancel = _post(client, f"/purchase-orders/{po['id']}/cancel", {}, owner_headers)
    assert cancel.status_code == 409 and cancel.json()["code"] == "inventory.invalid_status"


@pytest.mark.parametrize(
    "lines",
    [
        [],
        [{"sku_id": 1, "quantity": 0}],
        [{"sku_id": 1, "quantity": 1}, {"sku_id": 1, "quantity": 2}],
        [{"sku_id": 1, "quantity": 1, "unit_cost_fen": -5}],
        [{"sku_id": 0, "quantity": 1}],
    ],
)
def test_bad_purchase_order_input_is_422(client, owner, owner_headers, warehouse, lines):
    supplier = create_supplier(actor=owner, name="S")
    body = {"supplier_id": supplier.pk, "warehouse_id": warehouse.pk, "lines": lines}
    response = _post(client, "/purchase-orders", body, owner_headers)
    assert response.status_code == 422


def test_transfer_and_stocktake_flow(client, owner_headers, warehouse, central, sku):
    receive(central, sku, 20)
    created = _post(
        client,
        "/transfers",
        {
            "from_warehouse_id": central.pk,
            "to_warehouse_id": warehouse.pk,
            "lines": [{"sku_id": sku.pk, "quantity": 8}],
        },
        owner_headers,
    ).json()
    shipped = _post(client, f"/transfers/{created['id']}/ship", {}, owner_headers).json()
    assert shipped["status"] == "in_transit"
    stock = client.get(f"{API}/stock?warehouse_id={warehouse.pk}", **owner_headers).json()["items"][0]
    assert (stock["on_hand"], stock["in_transit"]) == (0, 8)
    received = _post(
        client,
        f"/transfers/{created['id']}/receive",
        {"lines": [{"line_id": created["lines"][0]["id"], "quantity_received": 7}], "note": "少一瓶"},
        owner_headers,
    ).json()
    assert received["status"] == "received" and received["lines"][0]["shortfall"] == 1
    assert level_of(warehouse, sku).on_hand == 7

    started = _post(client, "/stocktakes", {"warehouse_id": warehouse.pk}, owner_headers)
    assert started.status_code == 201
    st = started.json()
    assert [(line["sku_id"], line["expected_on_hand"]) for line in st["lines"]] == [(sku.pk, 7)]
    again = _post(client, "/stocktakes", {"warehouse_id": warehouse.pk}, owner_headers)
    assert again.status_code == 409 and again.json()["code"] == "inventory.stocktake_in_progress"
    counted = _post(
        client,
        f"/stocktakes/{st['id']}/counts",
        {"counts": [{"sku_id": sku.pk, "counted": 6}]},
        owner_headers,
    )
    assert counted.json()["lines"][0]["counted_quantity"] == 6
    posted = _post(client, f"/stocktakes/{st['id']}/post", {}, owner_headers).json()
    assert posted["status"] == "posted" and posted["lines"][0]["difference"] == -1
    assert level_of(warehouse, sku).on_hand == 6
    bad = _post(
        client,
        f"/stocktakes/{st['id']}/counts",
        {"counts": [{"sku_id": sku.pk, "counted": -1}]},
        owner_headers,
    )
    assert bad.status_code == 422


def test_other_merchants_ids_are_404(client, owner, owner_headers, other_owner, warehouse, sku):
    other_store = testing.make_store(other_owner)
    other_wh = other_store.warehouses.get()
    other_sku = make_sku(other_owner.merchant_id)
    receive(other_wh, other_sku, 5)
    other_supplier = create_supplier(actor=other_owner, name="他家供应商")
    other_po = create_purchase_order(
        actor=other_owner,
        supplier_id=other_supplier.pk,
        warehouse_id=other_wh.pk,
        lines=[{"sku_id": other_sku.pk, "quantity": 1}],
    )
    other_central = testing.make_central_warehouse(other_owner)
    other_transfer = create_transfer(
        actor=other_owner,
        from_warehouse_id=other_wh.pk,
        to_warehouse_id=other_central.pk,
        lines=[{"sku_id": other_sku.pk, "quantity": 1}],
    )
    other_stocktake = start_stocktake(actor=other_owner, warehouse_id=other_wh.pk)
    other_hold = Reservation.objects.create(
        merchant_id=other_owner.merchant_id, warehouse=other_wh, sku=other_sku, quantity=1, reference="x"
    )
    checks = [
        ("get", f"/stock/skus/{other_sku.pk}", None),
        ("get", f"/reservations/{other_hold.pk}", None),
        ("post", f"/reservations/{other_hold.pk}/release", {}),
        ("post", f"/reservations/{other_hold.pk}/consume", {}),
        ("get", f"/suppliers/{other_supplier.pk}", None),
        ("patch", f"/suppliers/{other_supplier.pk}", {"name": "hijack"}),
        ("delete", f"/suppliers/{other_supplier.pk}", None),
        ("get", f"/purchase-orders/{other_po.pk}", None),
        ("post", f"/purchase-orders/{other_po.pk}/order", {}),
        ("post", f"/purchase-orders/{other_po.pk}/receive", {"lines": [{"line_id": 1, "quantity": 1}]}),
        ("post", f"/purchase-orders/{other_po.pk}/cancel", {}),
        ("get", f"/transfers/{other_transfer.pk}", None),
        ("post", f"/transfers/{other_transfer.pk}/ship", {}),
        ("post", f"/transfers/{other_transfer.pk}/receive", {}),
        ("post", f"/transfers/{other_transfer.pk}/cancel", {}),
        ("get", f"/stocktakes/{other_stocktake.pk}", None),
        (
            "post",
            f"/stocktakes/{other_stocktake.pk}/counts",
            {"counts": [{"sku_id": other_sku.pk, "counted": 1}]},
        ),
        ("post", f"/stocktakes/{other_stocktake.pk}/post", {}),
        ("post", f"/stocktakes/{other_stocktake.pk}/cancel", {}),
        (
            "post",
            "/adjustments",
            {"warehouse_id": other_wh.pk, "sku_id": other_sku.pk, "quantity": 1, "reason": "x"},
        ),
        (
            "post",
            "/adjustments",
            {"warehouse_id": warehouse.pk, "sku_id": other_sku.pk, "quantity": 1, "reason": "x"},
        ),
        ("put", "/stock/threshold", {"warehouse_id": other_wh.pk, "sku_id": other_sku.pk, "threshold": 1}),
        (
            "post",
            "/reservations",
            {"warehouse_id": other_wh.pk, "sku_id": other_sku.pk, "quantity": 1, "reference": "r"},
        ),
        (
            "post",
            "/purchase-orders",
            {
                "supplier_id": other_supplier.pk,
                "warehouse_id": warehouse.pk,
                "lines": [{"sku_id": sku.pk, "quantity": 1}],
            },
        ),
        (
            "post",
            "/transfers",
            {
                "from_warehouse_id": warehouse.pk,
                "to_warehouse_id": other_wh.pk,
                "lines": [{"sku_id": sku.pk, "quantity": 1}],
            },
        ),
        ("post", "/stocktakes", {"warehouse_id": other_wh.pk}),
        ("get", f"/purchase-orders/{2**63 - 1}", None),
    ]
    for method, url, body in checks:
        kwargs = {"content_type": "application/json"} if body is not None else {}
        response = (
            getattr(client, method)(f"{API}{url}", body, **kwargs, **owner_headers)
            if body is not None
            else getattr(client, method)(f"{API}{url}", **owner_headers)
        )
        assert response.status_code == 404, (method, url, response.status_code, response.content)
        assert response.json()["code"] == "not_found"
    # Lists never show another merchant's rows.
    assert client.get(f"{API}/stock", **owner_headers).json()["count"] == 0
    assert client.get(f"{API}/suppliers", **owner_headers).json() == []
    assert client.get(f"{API}/purchase-orders", **owner_headers).json()["count"] == 0
    assert client.get(f"{API}/movements", **owner_headers).json()["count"] == 0
    assert level_of(other_wh, other_sku).on_hand == 5


def test_path_ids_out_of_range_are_422(client, owner_headers):
    for url in (f"/purchase-orders/{2**64}", "/transfers/0", "/stocktakes/-1"):
        assert client.get(f"{API}{url}", **owner_headers).status_code == 422


def test_store_manager_is_kept_to_own_store(client, owner, store, warehouse, sku):
    other_wh = testing.make_store(owner).warehouses.get()
    receive(other_wh, sku, 5)
    receive(warehouse, sku, 5)
    manager = testing.make_staff(owner, Role.STORE_MANAGER, stores=[store])
    headers = testing.bearer(manager)
    response = _post(
        client,
        "/adjustments",
        {"warehouse_id": other_wh.pk, "sku_id": sku.pk, "quantity": -1, "reason": "x"},
        headers,
    )
    assert response.status_code == 403 and response.json()["code"] == "tenancy.store_out_of_scope"
    items = client.get(f"{API}/stock", **headers).json()["items"]
    assert {i["warehouse_id"] for i in items} == {warehouse.pk}
    stocktake = start_stocktake(actor=owner, warehouse_id=other_wh.pk)
    assert client.get(f"{API}/stocktakes/{stocktake.pk}", **headers).status_code == 403


def test_cashier_cannot_adjust_through_the_api(client, owner, store, warehouse, sku):
    cashier = testing.make_staff(owner, Role.CASHIER, stores=[store])
    headers = testing.bearer(cashier)
    response = _post(
        client,
        "/adjustments",
        {"warehouse_id": warehouse.pk, "sku_id": sku.pk, "quantity": 1, "reason": "x"},
        headers,
    )
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert client.get(f"{API}/stock", **headers).status_code == 200
    assert client.get(f"{API}/suppliers", **headers).status_code == 403


def test_unauthenticated_is_401(client):
    assert client.get(f"{API}/stock").status_code == 401
