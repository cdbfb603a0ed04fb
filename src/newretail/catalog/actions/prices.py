"""Store price overrides (门店价): a store's own price for a SKU, replacing the list price in
that store. Needs ``catalog.store_price``; store-bound staff (store managers) may set prices
only for their own stores. Setting and clearing are audited on the SKU."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from newretail.catalog.actions.validation import check_amount, clean_text
from newretail.catalog.models import Sku, StorePrice
from newretail.core.audit import record_audit
from newretail.core.tenancy import get_owned
from newretail.tenancy.access import require_perm, require_store_access
from newretail.tenancy.models import Store, User
from newretail.tenancy.roles import Perm


def _target(actor: User, store_id: int, sku_id: int) -> tuple[Store, Sku]:
    require_perm(actor, Perm.STORE_PRICE)
    store = get_owned(Store, actor.merchant_id, pk=store_id)
    require_store_access(actor, store.pk)
    sku = get_owned(Sku.objects.select_for_update(), actor.merchant_id, pk=sku_id, is_deleted=False)
    return store, sku


@transaction.atomic
def set_store_price(
    *, actor: User, store_id: int, sku_id: int, price_fen: int, reason: str = ""
) -> StorePrice:
    """Set (or change) a store's price for a SKU. Audited as ``catalog.store_price_set``."""
    store, sku = _target(actor, store_id, sku_id)
    price_fen = check_amount(price_fen, field_label=_("Store price"))
    current = StorePrice.objects.select_for_update().filter(store=store, sku=sku).first()
    before = {"store_id": store.pk, "price_fen": current.price_fen if current else None}
    if current is None:
        current = StorePrice.objects.create(
            merchant_id=actor.merchant_id, store=store, sku=sku, price_fen=price_fen
        )
    elif current.price_fen != price_fen:
        current.price_fen = price_fen
        current.save(update_fields=["price_fen", "updated_at"])
    else:
        return current
    sku.save(update_fields=["updated_at"])  # POS terminals sync on the SKU's updated_at
    record_audit(
        actor=actor,
        merchant_id=actor.merchant_id,
        action="catalog.store_price_set",
        obj=sku,
        before=before,
        after={"store_id": store.pk, "price_fen": price_fen},
        reason=clean_text(reason, 255),
    )
    return current


@transaction.atomic
def clear_store_price(*, actor: User, store_id: int, sku_id: int, reason: str = "") -> bool:
    """Remove a store's price so the list price applies again. Returns False if none was set."""
    store, sku = _target(actor, store_id, sku_id)
    current = StorePrice.objects.select_for_update().filter(store=store, sku=sku).first()
    if current is None:
        return False
    before = {"store_id": store.pk, "price_fen": current.price_fen}
    current.delete()
    sku.save(update_fields=["updated_at"])
    record_audit(
        actor=actor,
        merchant_id=actor.merchant_id,
        action="catalog.store_price_cleared",
        obj=sku,
        before=before,
        after={"store_id": store.pk, "price_fen": None},
        reason=clean_text(reason, 255),
    )
    return True
