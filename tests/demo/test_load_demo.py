"""The demo chain loads through the real actions, is believable, and loading it twice changes nothing."""

import pytest
from django.apps import apps
from django.core.management import call_command

from newretail.catalog.barcodes import is_valid_barcode
from newretail.catalog.models import Sku
from newretail.demo.build import DEMO_SLUG, load_demo
from newretail.inventory.models import StockLevel
from newretail.marketing.models import Coupon, Promotion, PromotionUsage
from newretail.members.models import Member, MemberCard, WalletEntry
from newretail.orders.models import OrderAdjustment
from newretail.tenancy.models import Merchant, Store, User, Warehouse
from newretail.tenancy.roles import Role

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models() if model._meta.app_label != "sessions"}


def test_demo_is_a_believable_chain_and_loads_once(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    assert load_demo(log=lambda _: None) is True
    merchant = Merchant.objects.get(slug=DEMO_SLUG)
    stores = Store.objects.for_merchant(merchant)
    assert stores.count() == 3
    assert all(s.latitude and s.longitude and s.opens_at and "上海" in s.city for s in stores)
    assert Warehouse.objects.for_merchant(merchant).filter(kind="central").count() == 1
    assert set(User.objects.filter(merchant=merchant).values_list("role", flat=True)) == set(Role.values)

    skus = Sku.objects.for_merchant(merchant)
    assert 700 <= skus.count() <= 900
    assert all(is_valid_barcode(code) for code in skus.exclude(barcode="").values_list("barcode", flat=True))
    assert skus.exclude(plu="").filter(product__unit="kg").count() >= 20  # weighed fresh produce
    assert StockLevel.objects.for_merchant(merchant).filter(on_hand__gt=0).count() > 2000
    call_command("check_ledgers")  # raises SystemExit on a difference
    # Running campaigns show in the demo orders: promotions applied, coupons used.
    running = Promotion.objects.for_merchant(merchant).filter(status="active")
    assert running.count() >= 8 and len(set(running.values_list("kind", flat=True))) >= 7
    assert PromotionUsage.objects.filter(merchant=merchant).exists()
    assert Coupon.objects.filter(merchant=merchant).exclude(order=None).exists()
    assert OrderAdjustment.objects.filter(merchant=merchant, source__in=["promotion", "coupon"]).exists()
    assert "boss / " in (tmp_path / "demo_logins.txt").read_text(encoding="utf-8")
    # The loyalty side: ~2,000 members with a quarter of history, levels reached, recharges spent.
    members = Member.objects.for_merchant(merchant)
    assert members.count() >= 2000 and members.filter(level__name="金卡会员").exists()
    assert WalletEntry.objects.filter(merchant=merchant, kind="spend").exists()
    assert MemberCard.objects.filter(merchant=merchant, plan__name="PLUS年卡").exists()

    before = row_counts()
    assert load_demo(log=lambda _: None) is False
    assert row_counts() == before
