import datetime as dt

import pytest

from newretail.catalog.actions.products import (
    create_product,
    delete_product,
    set_channels,
    set_on_sale,
    update_product,
)
from newretail.catalog.actions.skus import add_sku, remove_sku, update_sku
from newretail.catalog.models import Product, SearchToken, Sku
from newretail.core.errors import DomainError
from newretail.core.testing import make_staff
from newretail.tenancy.roles import Role

from .conftest import new_barcode, product

pytestmark = pytest.mark.django_db


def test_create_product_with_skus_in_one_go(owner, coke):
    skus = list(coke.skus.order_by("pk"))
    assert [s.code for s in skus] == ["COKE-330", "COKE-500"]
    assert [s.spec_values for s in skus] == [{"规格": "330ml"}, {"规格": "500ml"}]
    assert all(s.merchant_id == owner.merchant_id for s in skus)
    assert SearchToken.objects.filter(sku__in=skus, token="kekoukele").count() == 2


def test_codes_are_generated_when_blank(owner, drinks):
    item = product(owner, drinks, skus=[{"price_fen": 100}])
    assert item.skus.get().code == f"P{item.pk}-1"


@pytest.mark.parametrize(
    ("skus", "code"),
    [
        ([], "catalog.sku_required"),
        ([{"price_fen": 1}, {"price_fen": 2}], "catalog.spec_required"),
        ([{"price_fen": -1}], "catalog.amount_out_of_range"),
        ([{"price_fen": 10**15}], "catalog.amount_out_of_range"),
        ([{"price_fen": 1, "cost_fen": -5}], "catalog.amount_out_of_range"),
        ([{"price_fen": 1, "barcode": "6901939621258"}], "catalog.barcode_invalid"),
        ([{"price_fen": 1, "barcode": "123"}], "catalog.barcode_malformed"),
        ([{"price_fen": 1, "plu": "4101"}], "catalog.plu_not_weighed"),
        ([{"price_fen": 1, "code": "有 空格"}], "catalog.code_invalid"),
        ([{"price_fen": 1, "spec_values": {"规格": "1L"}}], "catalog.spec_values_mismatch"),
    ],
)
def test_bad_skus_are_refused_and_nothing_is_saved(owner, drinks, skus, code):
    with pytest.raises(DomainError) as exc:
        create_product(actor=owner, name="坏商品", category_id=drinks.pk, skus=skus)
    assert exc.value.code == code
    assert not Product.objects.filter(name="坏商品").exists()
    assert not Sku.objects.filter(merchant_id=owner.merchant_id).exists()


def test_spec_values_must_match_names_and_be_distinct(owner, drinks):
    with pytest.raises(DomainError) as exc:
        product(
            owner,
            drinks,
            spec_names=["规格", "口味"],
            skus=[{"spec_values": {"规格": "500ml"}, "price_fen": 1}],
        )
    assert exc.value.code == "catalog.spec_values_mismatch"
    with pytest.raises(DomainError) as exc:
        product(
            owner,
            drinks,
            spec_names=["规格"],
            skus=[
                {"spec_values": {"规格": "500ml"}, "price_fen": 1},
                {"spec_values": {"规格": "500ml"}, "price_fen": 2},
            ],
        )
    assert exc.value.code == "catalog.spec_duplicate" and exc.value.params["sku_index"] == 1


def test_duplicates_in_the_same_request(owner, drinks):
    barcode = new_barcode()
    with pytest.raises(DomainError) as exc:
        product(
            owner,
            drinks,
            spec_names=["规格"],
            skus=[
                {"spec_values": {"规格": "a"}, "barcode": barcode, "price_fen": 1},
                {"spec_values": {"规格": "b"}, "barcode": barcode, "price_fen": 1},
            ],
        )
    assert exc.value.code == "catalog.duplicate_in_request" and exc.value.params["sku_index"] == 1


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [("barcode", "6901939621257", "catalog.barcode_taken"), ("code", "COKE-500", "catalog.code_taken")],
)
def test_duplicate_barcode_or_code_in_the_merchant_is_a_domain_error(owner, drinks, coke, field, value, code):
    with pytest.raises(DomainError) as exc:
        product(owner, drinks, name="仿冒", skus=[{field: value, "price_fen": 1}])
    assert exc.value.code == code and exc.value.status == 409 and value in exc.value.message


def test_another_merchant_may_use_the_same_barcode(other_owner, coke):
    from newretail.catalog.actions.categories import create_category

    category = create_category(actor=other_owner, name="饮料")
    product(other_owner, category, skus=[{"barcode": "6901939621257", "price_fen": 300}])


def test_plu_on_weighed_goods_and_duplicate_plu(owner, fresh):
    apple = product(owner, fresh, name="苹果", unit="kg", skus=[{"plu": "04101", "price_fen": 1280}])
    assert apple.skus.get().plu == "4101"
    with pytest.raises(DomainError) as exc:
        product(owner, fresh, name="梨", unit="kg", skus=[{"plu": "4101", "price_fen": 900}])
    assert exc.value.code == "catalog.plu_taken"
    with pytest.raises(DomainError) as exc:  # a weighed SKU keeps its PLU only while sold by weight
        update_product(actor=owner, product_id=apple.pk, unit="piece")
    assert exc.value.code == "catalog.plu_not_weighed"


def test_soft_delete_frees_barcode_code_and_plu(owner, drinks, fresh, coke):
    apple = product(
        owner, fresh, name="苹果", unit="kg", skus=[{"plu": "4101", "price_fen": 1280, "code": "APL"}]
    )
    delete_product(actor=owner, product_id=coke.pk)
    delete_product(actor=owner, product_id=apple.pk)
    coke.refresh_from_db()
    assert coke.is_deleted and coke.deleted_at is not None
    assert all(s.is_deleted and s.deleted_at for s in coke.skus.all())
    assert not SearchToken.objects.filter(sku__product=coke).exists()
    again = product(
        owner,
        drinks,
        name="可口可乐 新",
        skus=[{"barcode": "6901939621257", "code": "COKE-500", "price_fen": 1}],
    )
    assert again.skus.get().barcode == "6901939621257"
    product(owner, fresh, name="苹果 新", unit="kg", skus=[{"plu": "4101", "price_fen": 1, "code": "APL"}])
    with pytest.raises(DomainError) as exc:
        delete_product(actor=owner, product_id=coke.pk)
    assert exc.value.status == 404


def test_sale_window_must_end_after_it_starts(owner, drinks):
    start = dt.datetime(2025, 6, 1, 10, tzinfo=dt.UTC)
    with pytest.raises(DomainError) as exc:
        product(owner, drinks, on_sale_from=start, on_sale_until=start)
    assert exc.value.code == "catalog.sale_window_invalid"
    item = product(owner, drinks, on_sale_from=start, on_sale_until=start + dt.timedelta(days=1))
    with pytest.raises(DomainError):
        update_product(actor=owner, product_id=item.pk, on_sale_until=start - dt.timedelta(hours=1))
    naive = update_product(actor=owner, product_id=item.pk, on_sale_from=dt.datetime(2025, 6, 1, 8))
    assert naive.on_sale_from.utcoffset() is not None  # naive input read in the merchant zone


def test_update_product_syncs_skus(owner, coke):
    small, large = coke.skus.order_by("pk")
    update_product(
        actor=owner,
        product_id=coke.pk,
        name="可口可乐 经典",
        skus=[
            {"id": large.pk, "barcode": ""},
            {"spec_values": {"规格": "2L"}, "code": "COKE-2000", "price_fen": 800},
        ],
        remove_sku_ids=[small.pk],
    )
    live = {s.code: s for s in coke.skus.filter(is_deleted=False)}
    assert set(live) == {"COKE-500", "COKE-2000"} and live["COKE-500"].barcode == ""
    assert Sku.objects.get(pk=small.pk).is_deleted
    with pytest.raises(DomainError) as exc:  # removing every SKU leaves none
        update_product(actor=owner, product_id=coke.pk, remove_sku_ids=[s.pk for s in live.values()])
    assert exc.value.code == "catalog.sku_required"


def test_sku_actions(owner, coke):
    sku = add_sku(
        actor=owner, product_id=coke.pk, spec_values={"规格": "2L"}, price_fen=800, barcode=new_barcode()
    )
    update_sku(actor=owner, sku_id=sku.pk, code="COKE-2L", weight_g=2100)
    sku.refresh_from_db()
    assert sku.code == "COKE-2L" and sku.weight_g == 2100
    remove_sku(actor=owner, sku_id=sku.pk)
    small = coke.skus.get(code="COKE-330")
    remove_sku(actor=owner, sku_id=small.pk)
    with pytest.raises(DomainError) as exc:
        remove_sku(actor=owner, sku_id=coke.skus.get(code="COKE-500").pk)
    assert exc.value.code == "catalog.last_sku"


def test_on_off_sale_and_channels_ignore_other_merchants(owner, other_owner, coke):
    assert set_on_sale(actor=other_owner, product_ids=[coke.pk], on_sale=False) == 0
    assert set_on_sale(actor=owner, product_ids=[coke.pk], on_sale=False) == 1
    assert Product.objects.get(pk=coke.pk).status == Product.Status.OFF_SALE
    assert set_channels(actor=owner, product_ids=[coke.pk], available_in_mall=False) == 1
    assert not Product.objects.get(pk=coke.pk).available_in_mall


def test_cashier_and_store_manager_cannot_edit_products(owner, store, coke):
    for role in (Role.CASHIER, Role.STORE_MANAGER, Role.GUIDE):
        staff = make_staff(owner, role, stores=[store])
        with pytest.raises(DomainError) as exc:
            update_product(actor=staff, product_id=coke.pk, name="改名")
        assert exc.value.code == "permission_denied"
        with pytest.raises(DomainError):
            set_on_sale(actor=staff, product_ids=[coke.pk], on_sale=False)


def test_other_merchants_products_are_not_found(other_owner, coke):
    with pytest.raises(DomainError) as exc:
        update_product(actor=other_owner, product_id=coke.pk, name="x")
    assert exc.value.status == 404
    with pytest.raises(DomainError) as exc:
        add_sku(actor=other_owner, product_id=coke.pk, price_fen=1, spec_values={"规格": "x"})
    assert exc.value.status == 404


def test_foreign_category_brand_or_tag_is_not_found(owner, other_owner, drinks):
    from newretail.catalog.actions.brands import create_brand, create_tag

    brand = create_brand(actor=other_owner, name="外")
    tag = create_tag(actor=other_owner, name="外")
    for fields in ({"brand_id": brand.pk}, {"tag_ids": [tag.pk]}):
        with pytest.raises(DomainError) as exc:
            product(owner, drinks, **fields)
        assert exc.value.status == 404
