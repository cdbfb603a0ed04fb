from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from newretail.core.audit import record_audit
from newretail.core.errors import DomainError
from newretail.core.tenancy import get_owned
from newretail.tenancy.access import require_perm
from newretail.tenancy.errors import TenancyError
from newretail.tenancy.models import Merchant, Store, User
from newretail.tenancy.roles import STORE_BOUND_ROLES, Perm, Role


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(TenancyError.WEAK_PASSWORD, detail=" ".join(exc.messages)) from None


def _stores_of(merchant_id: int, store_ids: Iterable[int]) -> list[Store]:
    ids = set(store_ids)
    stores = list(Store.objects.for_merchant(merchant_id).filter(pk__in=ids))
    if len(stores) != len(ids):
        raise DomainError(TenancyError.STORE_OUT_OF_SCOPE)
    return stores


def _check_role_change(actor: User, role: str, stores: list[Store]) -> None:
    if role not in Role.values:
        raise DomainError(TenancyError.STORE_REQUIRED, role=role)
    if role == Role.OWNER and actor.role != Role.OWNER:
        raise DomainError(TenancyError.OWNER_ONLY)
    if role in STORE_BOUND_ROLES and not stores:
        raise DomainError(TenancyError.STORE_REQUIRED, role=Role(role).label)


def _snapshot(user: User) -> dict:
    return {
        "role": user.role,
        "stores": sorted(user.stores.values_list("pk", flat=True)),
        "is_active": user.is_active,
    }


@transaction.atomic
def create_merchant(
    *, name: str, slug: str, owner_username: str, owner_password: str, **fields
) -> tuple[Merchant, User]:
    """Platform operator: create a merchant with its first owner account."""
    if User.objects.filter(username=owner_username).exists():
        raise DomainError(TenancyError.USERNAME_TAKEN, username=owner_username)
    merchant = Merchant.objects.create(name=name, slug=slug, **fields)
    owner = User(
        username=owner_username,
        merchant=merchant,
        role=Role.OWNER,
        display_name=fields.get("contact_name", ""),
    )
    _check_password(owner_password, owner)
    owner.set_password(owner_password)
    owner.save()
    return merchant, owner


@transaction.atomic
def create_staff(
    *,
    actor: User,
    username: str,
    password: str,
    role: str,
    store_ids: Iterable[int] = (),
    display_name: str = "",
    phone: str = "",
) -> User:
    """Create a staff account of the actor's merchant. Audited as a permission change."""
    require_perm(actor, Perm.STAFF_MANAGE)
    stores = _stores_of(actor.merchant_id, store_ids)
    _check_role_change(actor, role, stores)
    if User.objects.filter(username=username).exists():
        raise DomainError(TenancyError.USERNAME_TAKEN, username=username)
    user = User(
        username=username, merchant_id=actor.merchant_id, role=role, display_name=display_name, phone=phone
    )
    _check_password(password, user)
    user.set_password(password)
    user.save()
    user.stores.set(stores)
    record_audit(
        actor=actor,
        merchant_id=actor.merchant_id,
        action="staff.created",
        obj=user,
        before=None,
        after=_snapshot(user),
    )
    return user


@transaction.atomic
def change_staff_access(
    *, actor: User, staff_id: int, role: str, store_ids: Iterable[int], is_active: bool = True
) -> User:
    """Change a staff member's role, stores or active flag. The merchant always keeps an active
    owner; only an owner grants or removes the owner role. Audited with before and after."""
    require_perm(actor, Perm.STAFF_MANAGE)
    user = get_owned(User.objects.select_for_update(), actor.merchant_id, pk=staff_id)
    stores = _stores_of(actor.merchant_id, store_ids)
    _check_role_change(actor, role, stores)
    if user.role == Role.OWNER and actor.role != Role.OWNER:
        raise DomainError(TenancyError.OWNER_ONLY)
    before = _snapshot(user)
    if user.role == Role.OWNER and (role != Role.OWNER or not is_active):
        other_owners = (
            User.objects.filter(merchant_id=actor.merchant_id, role=Role.OWNER, is_active=True)
            .exclude(pk=user.pk)
            .select_for_update()
        )
        if not other_owners.exists():
            raise DomainError(TenancyError.LAST_OWNER)
    user.role = role
    user.is_active = is_active
    user.save(update_fields=["role", "is_active"])
    user.stores.set(stores)
    record_audit(
        actor=actor,
        merchant_id=actor.merchant_id,
        action="staff.access_changed",
        obj=user,
        before=before,
        after=_snapshot(user),
    )
    return user


@transaction.atomic
def reset_staff_password(*, actor: User, staff_id: int, password: str) -> User:
    require_perm(actor, Perm.STAFF_MANAGE)
    user = get_owned(User.objects.select_for_update(), actor.merchant_id, pk=staff_id)
    if user.role == Role.OWNER and actor.role != Role.OWNER:
        raise DomainError(TenancyError.OWNER_ONLY)
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    record_audit(actor=actor, merchant_id=actor.merchant_id, action="staff.password_reset", obj=user)
    return user
