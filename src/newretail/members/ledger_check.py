"""The members' ledger checkers: each PointsAccount (balance and owed) against the sum of the
member's entries and each batch's remainder against its own entries ("points"); each
WalletAccount's principal and bonus against the sum of its entries ("wallet"). Registered with
core.ledgers when the members app is ready."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from newretail.core.ledgers import LedgerDifference, register_checker
from newretail.members.models import PointsAccount, PointsBatch, PointsEntry, WalletAccount, WalletEntry


def _sum(field: str, model=PointsEntry, **match):
    rows = model.objects.filter(**match).values(*match.keys()).annotate(total=Sum(field)).values("total")[:1]
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def _points_differences() -> Iterable[LedgerDifference]:
    accounts = PointsAccount.objects.annotate(
        ledger_balance=_sum("points", member_id=OuterRef("member_id")),
        ledger_owed=_sum("owed", member_id=OuterRef("member_id")),
    ).filter(~Q(balance=F("ledger_balance")) | ~Q(owed=F("ledger_owed")))
    for account in accounts.order_by("merchant_id", "member_id"):
        key = {"member": account.member_id}
        fix = {"account_id": account.pk}
        if account.balance != account.ledger_balance:
            yield LedgerDifference(
                "points", account.merchant_id, key, "balance", account.balance, account.ledger_balance, fix
            )
        if account.owed != account.ledger_owed:
            yield LedgerDifference(
                "points", account.merchant_id, key, "owed", account.owed, account.ledger_owed, fix
            )
    batches = PointsBatch.objects.annotate(ledger_remaining=_sum("points", batch_id=OuterRef("pk"))).exclude(
        remaining=F("ledger_remaining")
    )
    for batch in batches.order_by("merchant_id", "pk"):
        yield LedgerDifference(
            "points",
            batch.merchant_id,
            {"batch": batch.pk},
            "remaining",
            batch.remaining,
            batch.ledger_remaining,
            {"batch_id": batch.pk},
        )


def _fix(differences: list[LedgerDifference]) -> int:
    fixed = 0
    for difference in differences:
        if "account_id" in difference.fix_data:
            PointsAccount.objects.filter(pk=difference.fix_data["account_id"]).update(
                **{difference.field: difference.ledger_value}
            )
        else:
            PointsBatch.objects.filter(pk=difference.fix_data["batch_id"]).update(
                remaining=difference.ledger_value
            )
        fixed += 1
    return fixed


register_checker("points", fix=_fix)(_points_differences)


def _wallet_differences() -> Iterable[LedgerDifference]:
    accounts = WalletAccount.objects.annotate(
        ledger_principal=_sum("principal_fen", WalletEntry, member_id=OuterRef("member_id")),
        ledger_bonus=_sum("bonus_fen", WalletEntry, member_id=OuterRef("member_id")),
    ).filter(~Q(principal_fen=F("ledger_principal")) | ~Q(bonus_fen=F("ledger_bonus")))
    for account in accounts.order_by("merchant_id", "member_id"):
        for field, ledger in (
            ("principal_fen", account.ledger_principal),
            ("bonus_fen", account.ledger_bonus),
        ):
            if getattr(account, field) != ledger:
                yield LedgerDifference(
                    "wallet",
                    account.merchant_id,
                    {"member": account.member_id},
                    field,
                    getattr(account, field),
                    ledger,
                    {"account_id": account.pk},
                )


def _fix_wallet(differences: list[LedgerDifference]) -> int:
    for difference in differences:
        WalletAccount.objects.filter(pk=difference.fix_data["account_id"]).update(
            **{difference.field: difference.ledger_value}
        )
    return len(differences)


register_checker("wallet", fix=_fix_wallet)(_wallet_differences)
