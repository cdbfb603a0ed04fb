"""Member identity: one member per merchant and mobile number, whatever the channel."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from newretail.core.errors import not_found
from newretail.core.events import record_event
from newretail.core.tenancy import merchant_id_of
from newretail.members.models import Member
from newretail.members.phones import normalise_mobile
from newretail.tenancy.models import Merchant, Store

NAME_MAX_LENGTH = Member._meta.get_field("name").max_length


@transaction.atomic
def find_or_create_member(
    *,
    merchant: Merchant | int,
    phone: str,
    source: str,
    store: Store | int | None = None,
    name: str = "",
) -> tuple[Member, bool]:
    """The merchant's member with this mobile number, created when there is none; returns
    ``(member, created)``.

    Guarantees: the phone is normalised first (``members.invalid_phone`` otherwise), so
    "+86 138-1234-5678" at the till and "13812345678" in the mall are one member; concurrent calls
    for the same phone create exactly one row (the unique constraint picks the winner, the others
    read it); an existing member is returned unchanged (source, store and name are only set on
    creation); a new member records ``member.registered`` in the outbox. ``store`` must be the
    merchant's (404 otherwise).
    """
    merchant_id = merchant_id_of(merchant)
    phone = normalise_mobile(phone)
    if source not in Member.Source.values:
        raise ValueError(f"unknown member source {source!r}")
    store_id = None
    if store is not None:
        store_id = store if isinstance(store, int) else store.pk
        if not Store.objects.filter(pk=store_id, merchant_id=merchant_id).exists():
            raise not_found()
    existing = Member.objects.filter(merchant_id=merchant_id, phone=phone).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            member = Member.objects.create(
                merchant_id=merchant_id,
                phone=phone,
                name=(name or "").strip()[:NAME_MAX_LENGTH],
                source=source,
                registered_store_id=store_id,
            )
    except IntegrityError:
        return Member.objects.get(merchant_id=merchant_id, phone=phone), False
    record_event(
        merchant_id=merchant_id,
        name="member.registered",
        payload={"member_id": member.pk, "source": source, "store_id": store_id},
        aggregate=member,
    )
    return member, True
