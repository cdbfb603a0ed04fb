"""Shipping settings: the cached rules the pricing engine reads, and who may change them."""

from __future__ import annotations

import pytest
from django.utils import translation

from newretail.core.errors import CoreError, DomainError
from newretail.core.models import AuditEntry
from newretail.core.testing import make_staff
from newretail.marketing.actions import update_shipping_settings
from newretail.marketing.models import ShippingSettings
from newretail.marketing.pricing import ShippingRules
from newretail.marketing.queries import pricing_rules_for
from newretail.tenancy.roles import Role

pytestmark = pytest.mark.django_db


def test_defaults_without_a_row_match_the_model_and_the_rules():
    rules = pricing_rules_for(12345)
    assert rules == ShippingRules()
    assert (rules.express_base_fee_fen, rules.express_per_kg_fee_fen, rules.express_free_threshold_fen) == (
        800,
        200,
        5900,
    )
    assert (rules.delivery_radius_m, rules.delivery_base_fee_fen, rules.delivery_base_distance_m) == (
        3000,
        500,
        2000,
    )
    assert (
        rules.delivery_per_km_fee_fen,
        rules.delivery_min_order_fen,
        rules.delivery_free_threshold_fen,
    ) == (100, 2000, 4900)


def test_rules_are_cached_and_the_save_action_invalidates_them(
    owner, django_assert_num_queries, django_capture_on_commit_callbacks
):
    merchant_id = owner.merchant_id
    assert pricing_rules_for(merchant_id).delivery_radius_m == 3000
    with django_assert_num_queries(0):
        assert pricing_rules_for(merchant_id).delivery_radius_m == 3000
    with django_capture_on_commit_callbacks(execute=True):
        update_shipping_settings(actor=owner, delivery_radius_m=5000, express_free_threshold_fen=None)
    rules = pricing_rules_for(merchant_id)
    assert (rules.delivery_radius_m, rules.express_free_threshold_fen) == (5000, None)
    # A change behind the action's back is not seen until the next invalidation: the cache is used.
    ShippingSettings.objects.filter(merchant_id=merchant_id).update(delivery_radius_m=100)
    assert pricing_rules_for(merchant_id).delivery_radius_m == 5000
    with django_capture_on_commit_callbacks(execute=True):
        update_shipping_settings(actor=owner, express_base_fee_fen=1000)
    rules = pricing_rules_for(merchant_id)
    assert (rules.delivery_radius_m, rules.express_base_fee_fen) == (100, 1000)


def test_invalidation_waits_for_the_commit(owner, django_capture_on_commit_callbacks):
    pricing_rules_for(owner.merchant_id)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        update_shipping_settings(actor=owner, delivery_min_order_fen=0)
    assert pricing_rules_for(owner.merchant_id).delivery_min_order_fen == 2000
    for callback in callbacks:
        callback()
    assert pricing_rules_for(owner.merchant_id).delivery_min_order_fen == 0


def test_merchants_do_not_share_rules(owner, other_owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        update_shipping_settings(actor=owner, express_region_surcharges_fen={"650000": 1500})
    assert pricing_rules_for(owner.merchant_id).express_region_surcharges_fen == {"650000": 1500}
    assert pricing_rules_for(other_owner.merchant_id).express_region_surcharges_fen == {}
    assert ShippingSettings.objects.for_merchant(other_owner.merchant_id).count() == 0


def test_update_is_audited_and_keeps_one_row(owner, django_capture_on_commit_callbacks):
    update_shipping_settings(actor=owner, delivery_base_fee_fen=600)
    update_shipping_settings(actor=owner, delivery_base_fee_fen=700)
    assert ShippingSettings.objects.for_merchant(owner.merchant_id).get().delivery_base_fee_fen == 700
    entries = AuditEntry.objects.filter(action="marketing.shipping_settings_updated").order_by("id")
    assert [(e.before, e.after) for e in entries] == [
        ({"delivery_base_fee_fen": 500}, {"delivery_base_fee_fen": 600}),
        ({"delivery_base_fee_fen": 600}, {"delivery_base_fee_fen": 700}),
    ]


@pytest.mark.parametrize("role", [Role.HQ_ADMIN, Role.STORE_MANAGER, Role.CASHIER, Role.GUIDE])
def test_only_merchant_managers_change_shipping(owner, store, role):
    staff = make_staff(owner, role, stores=[store] if role != Role.HQ_ADMIN else None)
    with pytest.raises(DomainError) as caught:
        update_shipping_settings(actor=staff, delivery_radius_m=1000)
    assert caught.value.error is CoreError.PERMISSION_DENIED
    assert not ShippingSettings.objects.exists()


def test_anonymous_cannot_change_shipping():
    with pytest.raises(DomainError) as caught:
        update_shipping_settings(actor=None, delivery_radius_m=1000)
    assert caught.value.error is CoreError.PERMISSION_DENIED


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"express_base_fee_fen": -1}, "marketing.invalid_setting"),
        ({"delivery_per_km_fee_fen": -100}, "marketing.invalid_setting"),
        ({"delivery_radius_m": 50_001}, "marketing.invalid_setting"),
        ({"delivery_radius_m": -1}, "marketing.invalid_setting"),
        ({"express_first_weight_g": 0}, "marketing.invalid_setting"),
        ({"delivery_min_order_fen": None}, "marketing.invalid_setting"),
        ({"express_base_fee_fen": True}, "marketing.invalid_setting"),
        ({"express_base_fee_fen": "800"}, "marketing.invalid_setting"),
        ({"express_base_fee_fen": 8.0}, "marketing.invalid_setting"),
        ({"express_region_surcharges_fen": {"650000": -1}}, "marketing.invalid_region_surcharge"),
        ({"express_region_surcharges_fen": ["650000"]}, "marketing.invalid_region_surcharge"),
        ({"express_region_surcharges_fen": {"": 100}}, "marketing.invalid_region_surcharge"),
        ({"merchant_id": 2}, "marketing.unknown_setting"),
    ],
)
def test_invalid_settings_change_nothing(owner, fields, code):
    with pytest.raises(DomainError) as caught:
        update_shipping_settings(actor=owner, delivery_base_fee_fen=900, **fields)
    assert caught.value.code == code
    assert not ShippingSettings.objects.exists()
    assert not AuditEntry.objects.filter(action="marketing.shipping_settings_updated").exists()


def test_limits_are_inclusive_and_messages_chinese(owner):
    settings = update_shipping_settings(actor=owner, delivery_radius_m=50_000, express_base_fee_fen=0)
    assert (settings.delivery_radius_m, settings.express_base_fee_fen) == (50_000, 0)
    with translation.override("zh-hans"), pytest.raises(DomainError) as caught:
        update_shipping_settings(actor=owner, delivery_radius_m=60_000)
    assert caught.value.message == "同城配送半径（米）必须是 0 到 50000 之间的整数。"


def test_rules_survive_the_cache_being_flushed_mid_read(merchant, monkeypatch):
    """Regression (seen on Redis with parallel workers): the version key vanished between
    cache.add and cache.get and the read crashed on int(None)."""
    from django.core.cache import cache

    from newretail.marketing import queries

    monkeypatch.setattr(cache, "add", lambda *args, **kwargs: True)  # written, then flushed at once
    rules = queries.pricing_rules_for(merchant.pk)
    assert rules.express_free_threshold_fen == 5900
