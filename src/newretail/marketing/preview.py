"""The console's preview: what a sample cart costs under a promotion being edited (not saved),
alone, at a moment inside its window, for a member of a chosen level (or a guest)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

from newretail.catalog.queries import live_skus
from newretail.core import clock
from newretail.marketing.actions.promotions import clean_promotion, invalid
from newretail.marketing.loading import promotion_offer
from newretail.marketing.models import Promotion
from newretail.marketing.pricing import Offers, PricedCart, PricingContext, price_cart
from newretail.marketing.queries import cart_lines_for, pricing_rules_for
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

PREVIEW_ID = 0  # the unsaved promotion's id in the result
MAX_SAMPLE_LINES = 50


def preview_promotion(
    *,
    actor: User,
    data: Mapping[str, Any],
    lines: Sequence[tuple[int, int]],
    store_id: int | None = None,
    member_level_id: int | None = None,
    as_member: bool = True,
) -> PricedCart:
    merchant_id = require_perm(actor, Perm.MARKETING_VIEW).merchant_id
    fields = clean_promotion(merchant_id, data)
    if not lines or len(lines) > MAX_SAMPLE_LINES:
        raise invalid("lines", _("add from 1 to %(max)s sample items") % {"max": MAX_SAMPLE_LINES})
    quantities: dict[int, int] = {}
    for sku_id, quantity in lines:
        if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= 9999:
            raise invalid("lines", _("each quantity is from 1 to 9999"))
        quantities[sku_id] = quantities.get(sku_id, 0) + quantity
    skus = {sku.pk: sku for sku in live_skus(merchant_id).select_related("product").filter(pk__in=quantities)}
    if len(skus) != len(quantities):
        raise invalid("lines", _("contains an id that is not one of yours"))
    row = Promotion(merchant_id=merchant_id, **fields)
    row.pk = PREVIEW_ID
    offer = promotion_offer(row)
    now = clock.now()
    if store_id is None and offer.stores:
        store_id = min(offer.stores)
    if member_level_id is None and offer.level_ids:
        member_level_id = min(offer.level_ids)
    moment = min(max(now, offer.starts_at), offer.ends_at - dt.timedelta(seconds=1))
    context = PricingContext(
        merchant_id=merchant_id,
        store_id=store_id,
        channel=sorted(offer.channels)[0] if offer.channels else "mall",
        member_id=1 if as_member else None,  # a stand-in member: nothing is read for them
        member_level_id=member_level_id,
        now=moment,
        fulfilment="pickup",
    )
    cart = cart_lines_for(merchant_id, store_id, skus, sorted(quantities.items()))
    return price_cart(cart, context, pricing_rules_for(merchant_id), offers=Offers([offer]))
