from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from newretail.core.ledgers import find_differences
from newretail.inventory.actions.reservations import reserve_stock
from newretail.inventory.models import StockLevel
from tests.inventory.conftest import level_of, receive

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = StringIO()
    call_command("check_ledgers", *args, stdout=out)
    return out.getvalue()


def test_clean_ledgers_pass(merchant, warehouse, sku):
    receive(warehouse, sku, 10)
    reserve_stock(merchant=merchant, warehouse=warehouse, sku=sku, quantity=3, reference="order:1")
    assert "ledgers match" in _run()
    assert find_differences() == []


def test_tampered_cache_is_reported_with_non_zero_exit_and_fixed(merchant, warehouse, central, sku, sku2):
    receive(warehouse, sku, 10)
    receive(central, sku2, 4)
    reserve_stock(merchant=merchant, warehouse=warehouse, sku=sku, quantity=3, reference="order:1")
    StockLevel.objects.filter(warehouse=warehouse, sku=sku).update(on_hand=12, reserved=1)
    StockLevel.objects.filter(warehouse=central, sku=sku2).delete()  # a lost cache row

    out = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("check_ledgers", stdout=out)
    assert exc.value.returncode == 1
    text = out.getvalue()
    assert (
        f"stock.on_hand merchant={merchant.pk} warehouse={warehouse.code} sku={sku.code}: cached 12, ledger 10"
        in text
    )
    assert (
        f"stock.reserved merchant={merchant.pk} warehouse={warehouse.code} sku={sku.code}: cached 1, ledger 3"
        in text
    )
    assert (
        f"stock.on_hand merchant={merchant.pk} warehouse={central.code} sku={sku2.code}: cached 0, ledger 4"
        in text
    )

    text = _run("--fix")
    assert "fixed 3 of 3" in text and "ledgers match" in text
    level = level_of(warehouse, sku)
    assert (level.on_hand, level.reserved) == (10, 3)
    assert level_of(central, sku2).on_hand == 4
    assert find_differences() == []
