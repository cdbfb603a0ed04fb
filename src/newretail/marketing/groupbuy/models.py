"""Group buy (拼团) tables: a campaign of SKUs at a group price, its groups and their seats.

A group (``GroupBuyGroup``) is opened by its leader's paid order and succeeds when ``size`` seats
are paid; each seat (``GroupBuySeat``) is one member's order. ``seats_taken`` counts the live
seats (paid, or held for the short payment window), ``seats_paid`` the paid ones; both move only
by the actions in ``groupbuy.seats`` under the group's row lock, and the check constraints keep
``0 ≤ seats_paid ≤ seats_taken ≤ size``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from newretail.core.tenancy import MerchantOwned


class GroupBuyCampaign(MerchantOwned):
    """A group-buy campaign: SKUs at a group price in ``[starts_at, ends_at)``; a group of
    ``group_size`` members must be paid within ``fill_minutes`` of the leader's payment; a member
    holds at most ``per_member_limit`` pieces in the campaign's live seats; the leader pays
    ``leader_discount_fen`` less per piece; ``new_members_only``: only members without a paid
    order may join (the leader may be anyone). An unpaid seat is held for ``unpaid_minutes``."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")

    name = models.CharField(_("name"), max_length=50)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    group_size = models.IntegerField(_("group size"), default=2)
    fill_minutes = models.IntegerField(_("minutes to fill a group"), default=1440)
    per_member_limit = models.IntegerField(_("pieces per member"), default=1)
    leader_discount_fen = models.BigIntegerField(_("leader discount per piece"), default=0)
    new_members_only = models.BooleanField(_("new members only may join"), default=False)
    unpaid_minutes = models.IntegerField(_("minutes to pay"), default=10)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("group buy")
        verbose_name_plural = _("group buys")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["merchant", "status", "ends_at"], name="groupbuy_running_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="groupbuy_window_valid"),
            models.CheckConstraint(
                condition=Q(group_size__gte=2)
                & Q(fill_minutes__gte=5)
                & Q(per_member_limit__gte=1)
                & Q(leader_discount_fen__gte=0)
                & Q(unpaid_minutes__gte=1)
                & Q(unpaid_minutes__lte=60),
                name="groupbuy_rules_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class GroupBuyItem(MerchantOwned):
    """One SKU of a campaign at its group price (the leader pays it less the leader discount)."""

    campaign = models.ForeignKey(GroupBuyCampaign, on_delete=models.CASCADE, related_name="items")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    group_price_fen = models.BigIntegerField(_("group price"))

    class Meta:
        verbose_name = _("group-buy item")
        verbose_name_plural = _("group-buy items")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "sku"], name="groupbuy_item_unique"),
            models.CheckConstraint(condition=Q(group_price_fen__gte=0), name="groupbuy_price_valid"),
        ]

    @property
    def leader_price_fen(self) -> int:
        return max(0, self.group_price_fen - self.campaign.leader_discount_fen)


class GroupBuyGroup(MerchantOwned):
    """One group (团). ``opening`` until the leader pays (nobody can join yet), ``open`` until
    ``expires_at``, then ``succeeded`` (every seat paid: the orders go to fulfilment) or
    ``failed`` (time ran out: every paid member refunded); ``cancelled``: the leader never paid."""

    class Status(models.TextChoices):
        OPENING = "opening", _("Awaiting the leader's payment")
        OPEN = "open", pgettext_lazy("group buy", "Open")
        SUCCEEDED = "succeeded", pgettext_lazy("group buy", "Succeeded")
        FAILED = "failed", pgettext_lazy("group buy", "Failed")
        CANCELLED = "cancelled", pgettext_lazy("group buy", "Cancelled")

    campaign = models.ForeignKey(GroupBuyCampaign, on_delete=models.PROTECT, related_name="groups")
    item = models.ForeignKey(GroupBuyItem, on_delete=models.PROTECT, related_name="groups")
    leader = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPENING)
    size = models.IntegerField(_("group size"))
    seats_taken = models.IntegerField(_("seats taken"), default=0)
    seats_paid = models.IntegerField(_("seats paid"), default=0)
    share_token = models.CharField(_("share token"), max_length=32, unique=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("fill by"), null=True, blank=True)
    succeeded_at = models.DateTimeField(_("succeeded at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="groupbuy_group_due_idx"),
            models.Index(fields=["merchant", "campaign", "status"], name="groupbuy_group_campaign_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(seats_paid__gte=0)
                & Q(seats_paid__lte=F("seats_taken"))
                & Q(seats_taken__lte=F("size")),
                name="groupbuy_group_seats_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign.name} #{self.pk}"

    @property
    def seats_left(self) -> int:
        return max(0, self.size - self.seats_taken)


class GroupBuySeat(MerchantOwned):
    """One member's place in a group, with its order. ``pending`` holds the seat while the order
    awaits payment; ``paid``; ``released``: the order closed or was cancelled unpaid; ``left``: the
    member was refunded (after-sales or a cancelled order) and is no longer counted; ``refunded``:
    the group failed and the order was refunded."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting payment")
        PAID = "paid", _("Paid")
        RELEASED = "released", _("Released (unpaid)")
        LEFT = "left", _("Left (refunded)")
        REFUNDED = "refunded", _("Refunded (group failed)")

    group = models.ForeignKey(GroupBuyGroup, on_delete=models.PROTECT, related_name="seats")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="+")
    is_leader = models.BooleanField(_("leader"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    quantity = models.IntegerField(_("quantity"))
    unit_price_fen = models.BigIntegerField(_("unit price"))
    list_price_fen = models.BigIntegerField(_("list unit price"))
    created_at = models.DateTimeField(_("joined at"), auto_now_add=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("left at"), null=True, blank=True)

    class Meta:
        verbose_name = _("group seat")
        verbose_name_plural = _("group seats")
        ordering = ["id"]
        constraints = [
            # One live seat per member per group (also under concurrency).
            models.UniqueConstraint(
                fields=["group", "member"],
                condition=Q(status__in=["pending", "paid"]),
                name="groupbuy_one_live_seat",
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="groupbuy_seat_quantity_valid"),
        ]

    @property
    def live(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.PAID)
