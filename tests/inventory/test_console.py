import pytest
from django.urls import reverse

from newretail.core import testing
from newretail.inventory.actions.ledger import set_low_stock_threshold
from newretail.inventory.actions.purchasing import create_purchase_order, create_supplier
from newretail.inventory.actions.stocktakes import start_stocktake
from newretail.inventory.actions.transfers import create_transfer
from newretail.inventory.models import PurchaseOrder, StockLevel, Stocktake, Transfer
from newretail.tenancy.roles import Role
from tests.inventory.conftest import level_of, make_sku, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def _formset(prefix: str, rows: list[dict], total: int = 5) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "500",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = value
    return data


def test_every_inventory_page_renders(owner_client, owner, warehouse, central, sku):
    receive(warehouse, sku, 5)
    supplier = create_supplier(actor=owner, name="供应商")
    po = create_purchase_order(
        actor=owner,
        supplier_id=supplier.pk,
        warehouse_id=warehouse.pk,
        lines=[{"sku_id": sku.pk, "quantity": 3}],
    )
    transfer = create_transfer(
        actor=owner,
        from_warehouse_id=warehouse.pk,
        to_warehouse_id=central.pk,
        lines=[{"sku_id": sku.pk, "quantity": 1}],
    )
    stocktake = start_stocktake(actor=owner, warehouse_id=warehouse.pk)
    level = level_of(warehouse, sku)
    urls = [
        reverse("console:stock_list"),
        reverse("console:stock_list") + f"?warehouse={warehouse.pk}&q=农夫",
        reverse("console:stock_list") + "?warehouse=99999999999999999999999&page=x",
        reverse("console:low_stock"),
        reverse("console:stock_adjust") + f"?warehouse={warehouse.pk}&sku=NF550",
        reverse("console:stock_detail", args=[level.pk]),
        reverse("console:movement_list") + "?kind=receipt&reference=x",
        reverse("console:supplier_list"),
        reverse("console:supplier_create"),
        reverse("console:supplier_edit", args=[supplier.pk]),
        reverse("console:purchase_order_list") + "?status=open",
        reverse("console:purchase_order_create"),
        reverse("console:purchase_order_detail", args=[po.pk]),
        reverse("console:transfer_list"),
        reverse("console:transfer_create"),
        reverse("console:transfer_detail", args=[transfer.pk]),
        reverse("console:stocktake_list"),
        reverse("console:stocktake_create"),
        reverse("console:stocktake_detail", args=[stocktake.pk]),
        reverse("console:home"),
    ]
    for url in urls:
        response = owner_client.get(url)
        assert response.status_code == 200, url
    # POST-only endpoints refuse GET.
    assert owner_client.get(reverse("console:purchase_order_place", args=[po.pk])).status_code == 405


def test_purchase_order_create_order_receive_then_stock_shows_it(owner_client, owner, warehouse, sku, sku2):
    supplier = create_supplier(actor=owner, name="华东饮料批发")
    data = {
        "supplier": supplier.pk,
        "warehouse": warehouse.pk,
        "expected_on": "2026-12-01",
        "note": "周一送货",
        **_formset(
            "lines",
            [
                {"sku": "NF550", "quantity": "24", "unit_cost": "1.50"},
                {"sku": "6901939621271", "quantity": "12", "unit_cost": ""},
            ],
        ),
    }
    response = owner_client.post(reverse("console:purchase_order_create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    po = PurchaseOrder.objects.get()
    assert response.url == reverse("console:purchase_order_detail", args=[po.pk])
    lines = {line.sku_id: line for line in po.lines.all()}
    assert (lines[sku.pk].quantity_ordered, lines[sku.pk].unit_cost_fen) == (24, 150)
    assert lines[sku2.pk].unit_cost_fen == sku2.cost_fen

    assert owner_client.post(reverse("console:purchase_order_place", args=[po.pk])).status_code == 302
    po.refresh_from_db()
    assert po.status == "ordered"

    receive_url = reverse("console:purchase_order_receive", args=[po.pk])
    page = owner_client.get(receive_url).content.decode()
    assert f'name="line_{lines[sku.pk].pk}"' in page and 'value="24"' in page  # prefilled with outstanding
    over = owner_client.post(
        receive_url, {f"line_{lines[sku.pk].pk}": "30", f"line_{lines[sku2.pk].pk}": "0"}
    )
    assert over.status_code == 200 and "24" in over.content.decode()  # the over-receipt error, nothing posted
    assert not StockLevel.objects.filter(on_hand__gt=0).exists()
    response = owner_client.post(
        receive_url, {f"line_{lines[sku.pk].pk}": "20", f"line_{lines[sku2.pk].pk}": ""}
    )
    assert response.status_code == 302
    po.refresh_from_db()
    assert po.status == "partially_received"

    stock = owner_client.get(reverse("console:stock_list") + f"?warehouse={warehouse.pk}").content.decode()
    assert 'data-sku="NF550"' in stock and 'data-col="on_hand">20<' in stock


def test_purchase_order_form_errors_are_shown(owner_client, owner, warehouse):
    supplier = create_supplier(actor=owner, name="S")
    data = {
        "supplier": supplier.pk,
        "warehouse": warehouse.pk,
        **_formset("lines", [{"sku": "NOPE", "quantity": "1", "unit_cost": "1.234"}]),
    }
    response = owner_client.post(reverse("console:purchase_order_create"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "NOPE" in page and "1.234" in page
    assert not PurchaseOrder.objects.exists()
    empty = owner_client.post(
        reverse("console:purchase_order_create"),
        {"supplier": supplier.pk, "warehouse": warehouse.pk, **_formset("lines", [])},
    )
    assert empty.status_code == 200 and not PurchaseOrder.objects.exists()


def test_adjust_and_threshold_pages(owner_client, owner, warehouse, sku):
    receive(warehouse, sku, 10)
    response = owner_client.post(
        reverse("console:stock_adjust"),
        {"warehouse": warehouse.pk, "sku": "6921168509256", "quantity": "-3", "reason": "破损"},
    )
    assert response.status_code == 302
    assert level_of(warehouse, sku).on_hand == 7
    refused = owner_client.post(
        reverse("console:stock_adjust"),
        {"warehouse": warehouse.pk, "sku": "NF550", "quantity": "-8", "reason": "x"},
    )
    assert refused.status_code == 200 and level_of(warehouse, sku).on_hand == 7
    level = level_of(warehouse, sku)
    assert (
        owner_client.post(reverse("console:stock_detail", args=[level.pk]), {"threshold": "8"}).status_code
        == 302
    )
    low = owner_client.get(reverse("console:low_stock")).content.decode()
    assert 'data-sku="NF550"' in low
    home = owner_client.get(reverse("console:home")).content.decode()
    assert reverse("console:low_stock") in home


def test_transfer_pages_ship_and_receive_with_shortfall(owner_client, owner, warehouse, central, sku):
    receive(central, sku, 10)
    response = owner_client.post(
        reverse("console:transfer_create"),
        {
            "from_warehouse": central.pk,
            "to_warehouse": warehouse.pk,
            **_formset("lines", [{"sku": "NF550", "quantity": "6"}]),
        },
    )
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    owner_client.post(reverse("console:transfer_ship", args=[transfer.pk]))
    stock = owner_client.get(reverse("console:stock_list") + f"?warehouse={warehouse.pk}").content.decode()
    assert 'data-col="in_transit">6<' in stock
    line = transfer.lines.get()
    response = owner_client.post(
        reverse("console:transfer_receive", args=[transfer.pk]), {f"line_{line.pk}": "5"}
    )
    assert response.status_code == 302
    assert level_of(warehouse, sku).on_hand == 5
    detail = owner_client.get(reverse("console:transfer_detail", args=[transfer.pk])).content.decode()
    assert 'class="num neg">1<' in detail


def test_stocktake_pages_count_and_post(owner_client, owner, warehouse, sku, sku2):
    receive(warehouse, sku, 10)
    response = owner_client.post(
        reverse("console:stocktake_create"), {"warehouse": warehouse.pk, "skus": "NF550"}
    )
    assert response.status_code == 302
    stocktake = Stocktake.objects.get()
    line = stocktake.lines.get()
    url = reverse("console:stocktake_detail", args=[stocktake.pk])
    response = owner_client.post(url, {f"count_{line.pk}": "9", "extra_sku": "KO330", "extra_count": "2"})
    assert response.status_code == 302
    page = owner_client.get(url).content.decode()
    assert "盘亏" in page and "盘盈" in page  # differences preview before posting
    assert owner_client.post(reverse("console:stocktake_post", args=[stocktake.pk])).status_code == 302
    assert level_of(warehouse, sku).on_hand == 9 and level_of(warehouse, sku2).on_hand == 2
    stocktake.refresh_from_db()
    assert stocktake.status == "posted"


def test_other_merchants_ids_are_404_on_console_pages(owner_client, other_owner):
    other_store = testing.make_store(other_owner)
    other_wh = other_store.warehouses.get()
    other_sku = make_sku(other_owner.merchant_id)
    receive(other_wh, other_sku, 3)
    supplier = create_supplier(actor=other_owner, name="X")
    po = create_purchase_order(
        actor=other_owner,
        supplier_id=supplier.pk,
        warehouse_id=other_wh.pk,
        lines=[{"sku_id": other_sku.pk, "quantity": 1}],
    )
    transfer = create_transfer(
        actor=other_owner,
        from_warehouse_id=other_wh.pk,
        to_warehouse_id=testing.make_central_warehouse(other_owner).pk,
        lines=[{"sku_id": other_sku.pk, "quantity": 1}],
    )
    stocktake = start_stocktake(actor=other_owner, warehouse_id=other_wh.pk)
    level = level_of(other_wh, other_sku)
    for name, pk in [
        ("stock_detail", level.pk),
        ("supplier_edit", supplier.pk),
        ("purchase_order_detail", po.pk),
        ("purchase_order_receive", po.pk),
        ("transfer_detail", transfer.pk),
        ("transfer_receive", transfer.pk),
        ("stocktake_detail", stocktake.pk),
        ("purchase_order_detail", 2**70),
    ]:
        assert owner_client.get(reverse(f"console:{name}", args=[pk])).status_code == 404, name
    for name, pk in [
        ("purchase_order_place", po.pk),
        ("purchase_order_cancel", po.pk),
        ("transfer_ship", transfer.pk),
        ("transfer_cancel", transfer.pk),
        ("stocktake_post", stocktake.pk),
        ("stocktake_cancel", stocktake.pk),
    ]:
        assert owner_client.post(reverse(f"console:{name}", args=[pk])).status_code == 404, name
    assert "他家" not in owner_client.get(reverse("console:stock_list")).content.decode()


def test_store_bound_staff_in_the_console(client, owner, store, warehouse, sku):
    other_wh = testing.make_store(owner).warehouses.get()
    receive(other_wh, sku, 4)
    receive(warehouse, sku, 2)
    set_low_stock_threshold(actor=owner, warehouse_id=other_wh.pk, sku_id=sku.pk, threshold=10)
    cashier = testing.make_staff(owner, Role.CASHIER, stores=[store])
    client.force_login(cashier)
    page = client.get(reverse("console:stock_list")).content.decode()
    assert f'data-warehouse="{warehouse.code}"' in page and f'data-warehouse="{other_wh.code}"' not in page
    assert client.get(reverse("console:stock_adjust")).status_code == 403
    assert client.get(reverse("console:stock_detail", args=[level_of(other_wh, sku).pk])).status_code == 403

    manager = testing.make_staff(owner, Role.STORE_MANAGER, stores=[store])
    client.force_login(manager)
    supplier = create_supplier(actor=owner, name="S")
    po = create_purchase_order(
        actor=owner,
        supplier_id=supplier.pk,
        warehouse_id=other_wh.pk,
        lines=[{"sku_id": sku.pk, "quantity": 1}],
    )
    assert client.get(reverse("console:purchase_order_detail", args=[po.pk])).status_code == 403
    response = client.post(
        reverse("console:stock_adjust"),
        {"warehouse": other_wh.pk, "sku": "NF550", "quantity": "1", "reason": "x"},
    )
    assert response.status_code == 200 and level_of(other_wh, sku).on_hand == 4  # not a choice for them
