"""The cut sequence and a friend's help.

The sequence (``next_cut``): with ``remaining`` fen between the current price and the floor and
``helpers_left`` friends still to come, the next cut is drawn uniformly from
``[1, min(remaining - (helpers_left - 1), 2 * remaining // helpers_left)]``: at least 1 fen, never
so much that a later friend would be left less than 1 fen each (so ``remaining`` stays at least
``helpers_left`` after every cut), and at most twice the fair share (the cuts stay even-ish, so
the last friends still matter). The last friend cuts exactly what remains. Hence, for any start,
floor and K with ``start - floor >= K``: every cut is at least 1 fen, the price never goes below
the floor, and it reaches the floor on exactly the K-th cut (property-tested). Draws come from
``secrets.SystemRandom`` (the shopper cannot predict or replay them).

A help (``help_bargain``) is refused before anything is written when the helper is the starter,
has helped this bargain already, or comes from a device that already helped it (under another
account), or when the device or the member has used up today's helps (``HELPS_PER_DAY``, counted
in the shared cache by ``core.ratelimit``). The cut itself runs under the bargain's row lock
(``SELECT … FOR UPDATE`` on PostgreSQL) and moves the bargain with a conditional UPDATE on the
helper count it read; the cut's number is unique per bargain. So concurrent helps take their
places one after the other and none can pass the floor.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import re
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from newretail.core import clock, ratelimit
from newretail.core.errors import DomainError
from newretail.core.events import record_event
from newretail.core.tenancy import get_owned
from newretail.marketing.bargain.errors import BargainError
from newretail.marketing.bargain.models import Bargain, BargainCampaign, BargainCut
from newretail.members.models import Member

_system_random = secrets.SystemRandom()
DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# Helps a device, and a member, may give in one day (a fixed window), across all bargains.
HELPS_PER_DAY = 10
DAY_SECONDS = 24 * 3600


def next_cut(remaining_fen: int, helpers_left: int, rng: random.Random | None = None) -> int:
    """The next friend's cut in fen (see the module's docstring)."""
    if helpers_left < 1 or remaining_fen < helpers_left:
        raise ValueError("a bargain needs at least 1 fen per helper left")
    if helpers_left == 1:
        return remaining_fen
    most = remaining_fen - (helpers_left - 1)
    cap = min(most, 2 * remaining_fen // helpers_left)
    return (rng or _system_random).randint(1, cap)


def cut_sequence(total_fen: int, helpers: int, rng: random.Random | None = None) -> list[int]:
    """A whole sequence of ``helpers`` cuts adding up to ``total_fen`` (what the helps produce)."""
    cuts = []
    for left in range(helpers, 0, -1):
        cuts.append(next_cut(total_fen - sum(cuts), left, rng))
    return cuts


def device_hash(merchant_id: int, device_id: str | None) -> str:
    """A keyed hash of the shopper's device id (the raw id is never stored)."""
    if not isinstance(device_id, str) or not DEVICE_ID.match(device_id):
        raise DomainError(BargainError.DEVICE_REQUIRED)
    key = f"{settings.SECRET_KEY}:bargain-device:{merchant_id}".encode()
    return hmac.new(key, device_id.encode(), hashlib.sha256).hexdigest()


def _limit_keys(helper: Member, device: str) -> list[str]:
    return [f"bargain-help:device:{helper.merchant_id}:{device}", f"bargain-help:member:{helper.pk}"]


def help_bargain(
    *, helper: Member, share_code: str, device_id: str | None, rng: random.Random | None = None
) -> BargainCut:
    """``helper`` cuts the bargain shared as ``share_code`` (404 for another merchant's or an
    unknown code). Returns the cut (its amount and the price after it), or a domain error that
    wrote nothing: the starter helping, a second help by the member or the device, today's
    helps used up, the bargain expired, ordered or already at the floor, the campaign paused."""
    found = get_owned(
        Bargain.objects.only("pk", "member_id"), helper.merchant_id, share_code=str(share_code)[:24]
    )
    device = device_hash(helper.merchant_id, device_id)
    if found.member_id == helper.pk:
        raise DomainError(BargainError.SELF_HELP)
    keys = _limit_keys(helper, device)
    for key in keys:
        ratelimit.check(key, limit=HELPS_PER_DAY, window_seconds=DAY_SECONDS)
    try:
        with transaction.atomic():
            cut = _cut(found.pk, helper, device, rng)
    except IntegrityError:
        # A second tap of the same helper or device raced this one past the checks (SQLite has
        # no row lock): the constraints refused it; say which.
        if BargainCut.objects.filter(bargain_id=found.pk, helper=helper).exists():
            raise DomainError(BargainError.ALREADY_HELPED) from None
        if BargainCut.objects.filter(bargain_id=found.pk, device_hash=device).exists():
            raise DomainError(BargainError.DEVICE_USED) from None
        if Bargain.objects.filter(pk=found.pk, helpers_count=F("helpers_needed")).exists():
            raise DomainError(BargainError.FLOOR_REACHED) from None
        raise DomainError(BargainError.BUSY) from None
    for key in keys:  # counted once the cut is written (``check`` above refuses the next one)
        ratelimit.hit(key, limit=2**31, window_seconds=DAY_SECONDS)
    return cut


def _cut(bargain_id: int, helper: Member, device: str, rng: random.Random | None) -> BargainCut:
    bargain = Bargain.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=bargain_id)
    now = clock.now()
    if bargain.campaign.status != BargainCampaign.Status.ACTIVE:
        raise DomainError(BargainError.PAUSED)
    if bargain.status == Bargain.Status.ORDERED:
        raise DomainError(BargainError.ALREADY_ORDERED)
    if bargain.status == Bargain.Status.EXPIRED or now >= bargain.expires_at:
        raise DomainError(BargainError.EXPIRED)
    if bargain.helpers_count >= bargain.helpers_needed:
        raise DomainError(BargainError.FLOOR_REACHED)
    earlier = BargainCut.objects.filter(bargain=bargain)
    if earlier.filter(helper=helper).exists():
        raise DomainError(BargainError.ALREADY_HELPED)
    if earlier.filter(device_hash=device).exists():
        raise DomainError(BargainError.DEVICE_USED)
    amount = next_cut(bargain.current_price_fen - bargain.floor_price_fen, bargain.helpers_left, rng)
    sequence = bargain.helpers_count + 1
    price_after = bargain.current_price_fen - amount
    reached = sequence == bargain.helpers_needed
    moved = Bargain.objects.filter(
        pk=bargain.pk, helpers_count=bargain.helpers_count, current_price_fen=bargain.current_price_fen
    ).update(
        helpers_count=F("helpers_count") + 1,
        current_price_fen=F("current_price_fen") - amount,
        **({"reached_floor_at": now} if reached else {}),
    )
    if not moved:  # another help moved it first (only possible without a row lock): refuse cleanly
        raise IntegrityError("bargain moved")
    cut = BargainCut.objects.create(
        merchant_id=bargain.merchant_id,
        bargain=bargain,
        helper=helper,
        device_hash=device,
        sequence=sequence,
        amount_fen=amount,
        price_after_fen=price_after,
    )
    if reached:
        record_event(
            merchant_id=bargain.merchant_id,
            name="bargain.floor_reached",
            aggregate=bargain,
            payload={
                "bargain_id": bargain.pk,
                "campaign_id": bargain.campaign_id,
                "member_id": bargain.member_id,
                "floor_price_fen": bargain.floor_price_fen,
            },
        )
    return cut
