import pytest
from django.urls import reverse

from newretail.tenancy.models import User

pytestmark = pytest.mark.django_db


def test_admin_pages_render_for_platform_operators(client, coke):
    operator = User.objects.create_superuser("operator", "op@example.com", "op-pass-12345")
    client.force_login(operator)
    sku = coke.skus.first()
    for name, args in (
        ("admin:catalog_product_changelist", []),
        ("admin:catalog_product_change", [coke.pk]),
        ("admin:catalog_sku_changelist", []),
        ("admin:catalog_sku_change", [sku.pk]),
        ("admin:catalog_category_changelist", []),
        ("admin:catalog_brand_changelist", []),
        ("admin:catalog_storeprice_changelist", []),
        ("admin:catalog_searchtoken_changelist", []),
    ):
        assert client.get(reverse(name, args=args)).status_code == 200, name
