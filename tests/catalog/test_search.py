import pytest

from newretail.catalog.actions.products import delete_product, set_channels, set_on_sale, update_product
from newretail.catalog.models import SearchToken, Sku
from newretail.catalog.queries import sku_by_barcode
from newretail.catalog.search import (
    SearchFilters,
    query_terms,
    reindex_merchant,
    search_products,
    search_skus,
)

from .conftest import product

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(owner, coke, drinks, dairy, yili, fresh):
    """A small shelf: 可口可乐 (2 SKUs), 百事可乐, 伊利纯牛奶, 蒙牛纯牛奶, 伊利酸奶, 苹果 (weighed, PLU 4101)."""
    return {
        "coke": coke,
        "pepsi": product(owner, drinks, name="百事可乐 汽水"),
        "yili_milk": product(owner, dairy, name="伊利 纯牛奶 250ml*24盒", brand=yili),
        "mengniu_milk": product(owner, dairy, name="蒙牛 纯牛奶 250ml"),
        "yili_yogurt": product(owner, dairy, name="伊利 安慕希 酸奶", brand=yili),
        "apple": product(
            owner,
            fresh,
            name="红富士苹果",
            unit="kg",
            skus=[{"plu": "04101", "price_fen": 1280, "code": "APPLE"}],
        ),
    }


def products_for(owner, q, **filters):
    return search_products(owner.merchant_id, q, SearchFilters(**filters), limit=50).ids


@pytest.mark.parametrize(
    "q", ["kkl", "kkkl", "kekoukele", "kele", "kl", "可乐", "可口", "口可乐", "KeKouKeLe", "ｋｋｌ"]
)
def test_coca_cola_is_found_by_chinese_pinyin_and_initials(owner, shelf, q):
    assert shelf["coke"].pk in products_for(owner, q)


def test_kele_finds_both_colas_but_not_milk(owner, shelf):
    found = products_for(owner, "可乐")
    assert set(found) == {shelf["coke"].pk, shelf["pepsi"].pk}


def test_exact_barcode_first(owner, shelf):
    result = search_skus(owner.merchant_id, "6901939621257")
    assert result.exact_barcode
    assert [Sku.objects.get(pk=pk).code for pk in result.ids] == ["COKE-500"]


def test_plu(owner, shelf):
    result = search_skus(owner.merchant_id, "4101")
    assert [Sku.objects.get(pk=pk).code for pk in result.ids] == ["APPLE"]


def test_multi_term_and(owner, shelf):
    assert set(products_for(owner, "牛奶 伊利")) == {shelf["yili_milk"].pk}
    assert set(products_for(owner, "伊利牛奶")) == {shelf["yili_milk"].pk}
    assert set(products_for(owner, "纯牛奶")) == {shelf["yili_milk"].pk, shelf["mengniu_milk"].pk}
    assert set(products_for(owner, "yl")) >= {shelf["yili_milk"].pk, shelf["yili_yogurt"].pk}
    assert set(products_for(owner, "安慕希")) == {shelf["yili_yogurt"].pk}
    assert products_for(owner, "牛奶 可乐") == []


def test_nonsense_and_empty(owner, shelf):
    assert products_for(owner, "zzqxj") == []
    assert products_for(owner, "龘靐") == []
    assert products_for(owner, "   ") == []


def test_channel_and_sellable_filters(owner, shelf):
    coke = shelf["coke"]
    set_channels(actor=owner, product_ids=[coke.pk], available_in_mall=False)
    assert coke.pk not in products_for(owner, "可乐", channel="mall")
    assert coke.pk in products_for(owner, "可乐", channel="pos")
    set_on_sale(actor=owner, product_ids=[coke.pk], on_sale=False)
    assert coke.pk not in products_for(owner, "可乐", channel="pos", sellable=True)
    assert coke.pk in products_for(owner, "可乐")  # the console still finds it
    # an exact barcode obeys the same filters
    assert (
        search_skus(owner.merchant_id, "6901939621257", SearchFilters(channel="pos", sellable=True)).ids == []
    )


def test_sale_window_filter(owner, shelf):
    import datetime as dt

    from newretail.core import clock

    now = clock.now()
    update_product(actor=owner, product_id=shelf["pepsi"].pk, on_sale_from=now + dt.timedelta(days=1))
    assert shelf["pepsi"].pk not in products_for(owner, "百事", sellable=True)
    update_product(
        actor=owner,
        product_id=shelf["pepsi"].pk,
        on_sale_from=now - dt.timedelta(days=2),
        on_sale_until=now - dt.timedelta(days=1),
    )
    assert shelf["pepsi"].pk not in products_for(owner, "百事", sellable=True)
    update_product(actor=owner, product_id=shelf["pepsi"].pk, on_sale_until=None)
    assert shelf["pepsi"].pk in products_for(owner, "百事", sellable=True)


def test_category_and_brand_filters(owner, shelf, dairy, yili):
    assert set(products_for(owner, "纯牛奶", brand_id=yili.pk)) == {shelf["yili_milk"].pk}
    assert set(products_for(owner, "伊利", category_id=dairy.parent_id)) == {
        shelf["yili_milk"].pk,
        shelf["yili_yogurt"].pk,
    }


def test_other_merchants_skus_are_never_returned(owner, other_owner, shelf):
    from newretail.catalog.actions.categories import create_category

    category = create_category(actor=other_owner, name="饮料")
    foreign = product(
        other_owner, category, name="可口可乐", skus=[{"barcode": "6901939621257", "price_fen": 1}]
    )
    for q in ("可乐", "kkl", "6901939621257", "kekoukele"):
        assert foreign.pk not in products_for(owner, q)
        assert shelf["coke"].pk not in products_for(other_owner, q)
    assert search_skus(other_owner.merchant_id, "6901939621257").ids == [foreign.skus.get().pk]


def test_deleted_products_and_removed_skus_leave_the_index(owner, shelf):
    delete_product(actor=owner, product_id=shelf["pepsi"].pk)
    assert shelf["pepsi"].pk not in products_for(owner, "百事")
    assert not SearchToken.objects.filter(sku__product=shelf["pepsi"]).exists()


def test_renaming_a_product_reindexes_it(owner, shelf):
    update_product(actor=owner, product_id=shelf["pepsi"].pk, name="七喜 柠檬味汽水")
    assert shelf["pepsi"].pk in products_for(owner, "qx")
    assert shelf["pepsi"].pk not in products_for(owner, "百事")


def test_ranking_prefers_name_over_brand_and_exact_over_prefix(owner, shelf, drinks, coke_brand):
    brand_only = product(owner, drinks, name="零度 汽水", brand=coke_brand)  # 可乐 only in the brand
    ids = products_for(owner, "可乐")
    assert ids.index(shelf["pepsi"].pk) < ids.index(brand_only.pk)
    result = search_products(owner.merchant_id, "可乐")
    assert result.scores[shelf["pepsi"].pk] > result.scores[brand_only.pk]
    prefix_only = product(owner, drinks, name="可乐果 零食")  # 可乐果 is one word: 可乐 only as a prefix
    ids = products_for(owner, "可乐")
    assert ids.index(shelf["pepsi"].pk) < ids.index(prefix_only.pk)


def test_sku_level_results_and_spec_values(owner, shelf):
    result = search_skus(owner.merchant_id, "可乐 500ml")
    assert [Sku.objects.get(pk=pk).code for pk in result.ids] == ["COKE-500"]
    assert search_skus(owner.merchant_id, "coke-330").ids == [Sku.objects.get(code="COKE-330").pk]


def test_pagination_and_totals(owner, drinks):
    for i in range(25):
        product(owner, drinks, name=f"测试饮料{i:02d}号")
    first = search_products(owner.merchant_id, "测试饮料", limit=10)
    second = search_products(owner.merchant_id, "测试饮料", limit=10, offset=10)
    beyond = search_products(owner.merchant_id, "测试饮料", limit=10, offset=100)
    assert first.total == second.total == beyond.total == 25
    assert len(first.ids) == len(second.ids) == 10 and not set(first.ids) & set(second.ids)
    assert beyond.ids == []


def test_query_terms():
    assert query_terms("  牛奶   伊利 ") == (["牛奶", "伊利"], [])
    assert query_terms("伊利牛奶") == (["伊利牛奶"], ["伊利", "牛奶"])
    assert query_terms("Coca-Cola") == (["coca", "cola"], [])
    assert query_terms("") == ([], [])


def test_reindex_merchant_rebuilds_the_same_tokens(owner, shelf):
    before = set(
        SearchToken.objects.filter(merchant_id=owner.merchant_id).values_list("sku_id", "token", "weight")
    )
    SearchToken.objects.filter(merchant_id=owner.merchant_id).delete()
    assert products_for(owner, "可乐") == []
    reindex_merchant(owner.merchant_id)
    after = set(
        SearchToken.objects.filter(merchant_id=owner.merchant_id).values_list("sku_id", "token", "weight")
    )
    assert before == after


def test_reindex_command(owner, shelf):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("reindex_search", "--merchant", owner.merchant.slug, stdout=out)
    assert owner.merchant.slug in out.getvalue()


def test_sku_by_barcode_query(owner, shelf):
    assert sku_by_barcode(owner.merchant_id, " 6901939621257 ").code == "COKE-500"
    assert sku_by_barcode(owner.merchant_id, "0000000000000") is None


def test_a_very_broad_term_is_cut_and_says_so(owner, shelf, monkeypatch):
    from newretail.catalog import search as search_module

    monkeypatch.setattr(search_module, "DRIVER_ROW_CAP", 3)
    result = search_products(owner.merchant_id, "可乐")
    assert result.capped and result.total >= 1
    monkeypatch.setattr(search_module, "DRIVER_ROW_CAP", 10_000)
    assert not search_products(owner.merchant_id, "可乐").capped


def test_a_filtered_search_joins_only_its_best_candidates(owner, shelf, monkeypatch):
    from newretail.catalog import search as search_module

    pos = SearchFilters(channel="pos", sellable=True)
    full = search_products(owner.merchant_id, "可乐", pos)
    monkeypatch.setattr(search_module, "JOIN_CAP", 1)
    cut = search_products(owner.merchant_id, "可乐", pos)
    assert cut.capped and not full.capped
    assert cut.ids == full.ids[:1]
    assert not search_products(owner.merchant_id, "可乐").capped  # the default filter joins nothing


@pytest.mark.parametrize(
    "q",
    ["'; DROP TABLE catalog_sku; --", "可乐' OR '1'='1", "%", "_", "\\", "kele%' --", "\x00kkl", "a" * 500],
)
def test_hostile_search_input_is_only_text(owner, shelf, q, client, owner_headers):
    """SQL injection regression: every search value is a bound parameter, so hostile input finds
    nothing (or only real matches), never errors, and leaves the tables alone."""
    before = Sku.objects.count()
    products_for(owner, q)
    response = client.get("/api/v1/catalog/search", {"q": q}, **owner_headers)
    assert response.status_code in (200, 422)
    assert Sku.objects.count() == before
