import pytest

from newretail.catalog.barcodes import is_valid_barcode
from newretail.catalog.models import Product, SearchToken, Sku
from newretail.catalog.scale import generate_scale_catalog
from newretail.catalog.search import SearchFilters, search_products, search_skus

pytestmark = pytest.mark.django_db


def test_generates_valid_unique_catalog_that_search_finds(merchant, other_owner):
    result = generate_scale_catalog(merchant, 400, batch_skus=150)
    skus = Sku.objects.filter(merchant=merchant)
    assert result.skus == skus.count() == 400
    barcodes = [b for b in skus.values_list("barcode", flat=True) if b]
    assert barcodes and all(b.startswith("69") and len(b) == 13 and is_valid_barcode(b) for b in barcodes)
    assert len(set(barcodes)) == len(barcodes)
    codes = list(skus.values_list("code", flat=True))
    assert len(set(codes)) == len(codes)
    weighed = skus.filter(product__unit="kg")
    assert all(s.plu and not s.barcode for s in weighed)
    assert SearchToken.objects.filter(merchant=merchant).count() == result.tokens > 400 * 20
    some = skus.exclude(barcode="").first()
    assert search_skus(merchant.pk, some.barcode).ids == [some.pk]
    any_product = Product.objects.filter(merchant=merchant).first()
    assert any_product.pk in search_products(merchant.pk, any_product.name, SearchFilters(), limit=200).ids
    # Run again on the same merchant: no clash with what is there.
    generate_scale_catalog(merchant, 100, seed=1)
    assert Sku.objects.filter(merchant=merchant).count() == 500
    assert not Sku.objects.filter(merchant=other_owner.merchant).exists()
