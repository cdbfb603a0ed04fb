"""Console pages for members (会员): the list with search and filters, the member page (profile,
orders, points, stored value, notes) with manual adjustments, counter recharges in cash and
withdrawals, and the stored-value setup (recharge plans, settings, the liability report)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from newretail.console.decorators import console_view
from newretail.console.forms.members import (
    CardPlanForm,
    CounterRechargeForm,
    LevelForm,
    LevelSettingsForm,
    MemberFilterForm,
    MergeForm,
    NoteForm,
    PointsAdjustForm,
    PointsMallItemForm,
    PointsSettingsForm,
    RechargePlanForm,
    WalletAdjustForm,
    WalletSettingsForm,
    WithdrawForm,
)
from newretail.console.helpers import done, failed, owned
from newretail.console.paging import paginate
from newretail.core.errors import DomainError
from newretail.core.money import format_fen
from newretail.members.actions import cards as card_actions
from newretail.members.actions import levels as level_actions
from newretail.members.actions import points as points_actions
from newretail.members.actions import points_mall as points_mall_actions
from newretail.members.actions import wallet as wallet_actions
from newretail.members.actions.members import add_member_note
from newretail.members.actions.merge import merge_members
from newretail.members.errors import MemberError
from newretail.members.models import CardPlan, Member, MemberLevel, MemberNote, PointsMallItem, RechargePlan
from newretail.members.queries import (
    member_by_phone,
    name_for,
    phone_for,
    points_summary,
    wallet_liability,
    wallet_summary,
)
from newretail.orders import queries as order_queries
from newretail.orders.actions.recharge import start_recharge, withdraw_stored_value
from newretail.orders.models import Order
from newretail.payments.actions.charges import pay_order
from newretail.tenancy.roles import Perm


@console_view(Perm.MEMBERS_VIEW)
def member_list(request):
    actor = request.user
    form = MemberFilterForm(request.GET or None, actor=actor)
    if form.is_bound:
        form.is_valid()
    members = order_queries.members_with_spend(actor.merchant_id, **form.filters())
    page = paginate(request, members)
    return render(request, "console/members/member_list.html", {"form": form, **page})


def _member(request, pk: int) -> Member:
    return owned(Member.objects.select_related("level", "registered_store"), request.user, pk)


def _detail_url(member: Member) -> str:
    return reverse("console:member_detail", args=[member.pk])


@console_view(Perm.MEMBERS_VIEW)
def member_detail(request, pk: int):
    actor = request.user
    member = _member(request, pk)
    orders = (
        order_queries.scoped_orders(actor).filter(member=member).select_related("store").order_by("-id")[:10]
    )
    context = {
        "member": member,
        "phone": phone_for(actor, member.phone),
        "name": name_for(actor, member.name),
        "points": points_summary(member, last=10),
        "wallet": wallet_summary(member, last=10),
        "withdrawable_fen": wallet_actions.withdrawable_fen(member),
        "next_level": level_actions.next_level(member),
        "cards": card_actions.active_cards(member),
        "orders": orders,
        "notes": MemberNote.objects.filter(member=member).select_related("created_by")[:20],
        "note_form": NoteForm(),
        "points_form": PointsAdjustForm(),
        "wallet_form": WalletAdjustForm(),
        "recharge_form": CounterRechargeForm(actor=actor),
        "withdraw_form": WithdrawForm(),
        "merge_form": MergeForm(),
        "can_manage": actor.has_perm_code(Perm.MEMBERS_MANAGE),
        "can_recharge": actor.has_perm_code(Perm.WALLET_RECHARGE) and actor.has_perm_code(Perm.ORDERS_FULFIL),
        "can_withdraw": actor.has_perm_code(Perm.ORDERS_REFUND),
    }
    return render(request, "console/members/member_detail.html", context)


def _invalid(request, member: Member, form):
    """A form on the member page that did not parse: say which field and why, back to the page."""
    name, errors = next(iter(form.errors.items()))
    label = form.fields[name].label if name in form.fields else ""
    messages.error(request, f"{label}: {errors[0]}" if label else errors[0])
    return redirect(_detail_url(member))


def _member_action(request, pk: int, form_class, act, **form_kwargs):
    """A form on the member page: parse it, run ``act(member, cleaned_data) -> message``, and go
    back to the page saying what happened (or which field or rule refused it)."""
    member = _member(request, pk)
    form = form_class(request.POST, **form_kwargs)
    if not form.is_valid():
        return _invalid(request, member, form)
    try:
        message = act(member, form.cleaned_data)
    except DomainError as error:
        return failed(request, error, _detail_url(member))
    return done(request, message, _detail_url(member))


@console_view(Perm.MEMBERS_VIEW)
@require_POST
def member_note(request, pk: int):
    def act(member, data):
        add_member_note(actor=request.user, member=member, text=data["text"])
        return _("Note added.")

    return _member_action(request, pk, NoteForm, act)


@console_view(Perm.MEMBERS_MANAGE)
@require_POST
def member_points_adjust(request, pk: int):
    def act(member, data):
        points_actions.adjust_points(
            actor=request.user, member=member, points=data["points"], reason=data["reason"]
        )
        return _("Points adjusted.")

    return _member_action(request, pk, PointsAdjustForm, act)


@console_view(Perm.MEMBERS_MANAGE)
@require_POST
def member_wallet_adjust(request, pk: int):
    def act(member, data):
        wallet_actions.adjust_wallet(
            actor=request.user,
            member=member,
            principal_fen=data["principal"] or 0,
            bonus_fen=data["bonus"] or 0,
            reason=data["reason"],
        )
        return _("Stored value adjusted.")

    return _member_action(request, pk, WalletAdjustForm, act)


@console_view(Perm.WALLET_RECHARGE)
@require_POST
def member_recharge(request, pk: int):
    """A recharge paid in cash at the counter: the recharge order and its cash tender together."""

    def act(member, data):
        with transaction.atomic():
            order = start_recharge(
                member=member,
                plan_id=data["plan"],
                amount_fen=None if data["plan"] else data["amount"],
                actor=request.user,
                store_id=data["store"],
            )
            pay_order(order_id=order.pk, kind="cash", actor=request.user)
        return _("Recharged: %(number)s paid in cash.") % {"number": order.number}

    return _member_action(request, pk, CounterRechargeForm, act, actor=request.user)


@console_view(Perm.ORDERS_REFUND)
@require_POST
def member_withdraw(request, pk: int):
    def act(member, data):
        refunds = withdraw_stored_value(
            actor=request.user, member=member, amount_fen=data["amount"], reason=data["reason"]
        )
        paid_back = sum(refund.amount_fen for refund in refunds)
        return _("Withdrawn: %(amount)s goes back through the recharges' payments.") % {
            "amount": format_fen(paid_back)
        }

    return _member_action(request, pk, WithdrawForm, act)


@console_view(Perm.MEMBERS_MANAGE)
@require_POST
def member_merge(request, pk: int):
    """合并会员: the other record (found by its phone) is merged into this member."""

    def act(member, data):
        duplicate = member_by_phone(merchant=request.user.merchant_id, phone=data["phone"])
        if duplicate is None:
            raise DomainError(MemberError.MERGE_INVALID)
        merge_members(actor=request.user, keep=member, duplicate=duplicate, reason=data["reason"])
        return _("Merged: everything of %(phone)s is now on this member.") % {"phone": duplicate.phone}

    return _member_action(request, pk, MergeForm, act)


# --- stored-value setup ----------------------------------------------------------------------


def _stored_value_url() -> str:
    return reverse("console:stored_value")


@console_view(Perm.MEMBERS_MANAGE)
def stored_value(request):
    actor = request.user
    settings = wallet_actions.wallet_settings_for(actor.merchant_id)
    if request.method == "POST":
        form = WalletSettingsForm(request.POST)
        if form.is_valid():
            wallet_actions.update_wallet_settings(
                actor=actor,
                custom_recharge_min_fen=form.cleaned_data["custom_recharge_min"] or 0,
                withdrawal_allowed=form.cleaned_data["withdrawal_allowed"],
            )
            return done(request, _("Stored value settings saved."), _stored_value_url())
    else:
        form = WalletSettingsForm(
            initial={
                "custom_recharge_min": settings.custom_recharge_min_fen / 100,
                "withdrawal_allowed": settings.withdrawal_allowed,
            }
        )
    rows, total = wallet_liability(actor.merchant_id, store_ids=actor.store_ids())
    context = {
        "form": form,
        "plans": RechargePlan.objects.for_merchant(actor.merchant_id),
        "rows": rows,
        "total": total,
        "recharges": Order.objects.for_merchant(actor.merchant_id)
        .filter(kind=Order.Kind.RECHARGE)
        .select_related("member", "store")
        .order_by("-id")[:20],
    }
    return render(request, "console/members/stored_value.html", context)


@console_view(Perm.MEMBERS_MANAGE)
def recharge_plan_form(request, pk: int | None = None):
    actor = request.user
    plan = owned(RechargePlan.objects.all(), actor, pk) if pk else None
    if request.method == "POST":
        form = RechargePlanForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            wallet_actions.save_recharge_plan(
                actor=actor,
                plan=plan,
                name=data["name"],
                pay_fen=data["pay"],
                bonus_fen=data["bonus"] or 0,
                position=data["position"] or 0,
                is_active=data["is_active"],
            )
            return done(request, _("Recharge plan saved."), _stored_value_url())
    elif plan is not None:
        form = RechargePlanForm(
            initial={
                "name": plan.name,
                "pay": plan.pay_fen / 100,
                "bonus": plan.bonus_fen / 100,
                "position": plan.position,
                "is_active": plan.is_active,
            }
        )
    else:
        form = RechargePlanForm()
    return render(request, "console/members/recharge_plan_form.html", {"form": form, "plan": plan})


# --- level and points rules ------------------------------------------------------------------


def _rules_url() -> str:
    return reverse("console:member_rules")


@console_view(Perm.MEMBERS_MANAGE)
def member_rules(request):
    """Points rules (earning, sign-in, paying with points), growth and the level ladder."""
    actor = request.user
    points_settings = points_actions.points_settings_for(actor.merchant_id)
    growth_settings = level_actions.level_settings_for(actor.merchant_id)
    points_form = PointsSettingsForm(instance=points_settings, prefix="points")
    growth_form = LevelSettingsForm(instance=growth_settings, prefix="growth")
    if request.method == "POST":
        which = request.POST.get("form")
        try:
            if which == "points":
                points_form = PointsSettingsForm(request.POST, instance=points_settings, prefix="points")
                if points_form.is_valid():
                    points_actions.update_points_settings(
                        actor=actor,
                        **{name: points_form.cleaned_data[name] for name in points_form.Meta.fields},
                    )
                    return done(request, _("Points rules saved."), _rules_url())
            elif which == "growth":
                growth_form = LevelSettingsForm(request.POST, instance=growth_settings, prefix="growth")
                if growth_form.is_valid():
                    level_actions.update_level_settings(actor=actor, **growth_form.cleaned_data)
                    return done(request, _("Growth rules saved."), _rules_url())
        except DomainError as error:
            return failed(request, error, _rules_url())
    context = {
        "points_form": points_form,
        "growth_form": growth_form,
        "levels": MemberLevel.objects.for_merchant(actor.merchant_id).order_by("rank"),
    }
    return render(request, "console/members/rules.html", context)


@console_view(Perm.MEMBERS_MANAGE)
def level_form(request, pk: int | None = None):
    actor = request.user
    level = owned(MemberLevel.objects.all(), actor, pk) if pk else None
    form = LevelForm(request.POST or None, instance=level)
    if request.method == "POST" and form.is_valid():
        try:
            level_actions.save_level(actor=actor, level=level, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return done(request, _("Level saved."), _rules_url())
    return render(request, "console/members/level_form.html", {"form": form, "level": level})


# --- membership cards -----------------------------------------------------------------------


@console_view(Perm.MEMBERS_MANAGE)
def card_plans(request):
    plans = CardPlan.objects.for_merchant(request.user.merchant_id).select_related(
        "priced_as_level", "free_for_level"
    )
    return render(request, "console/members/card_plans.html", {"plans": plans})


@console_view(Perm.MEMBERS_MANAGE)
def card_plan_form(request, pk: int | None = None):
    actor = request.user
    plan = owned(CardPlan.objects.all(), actor, pk) if pk else None
    initial = {}
    if plan is not None:
        initial = {
            "name": plan.name,
            "price": plan.price_fen / 100,
            "validity_days": plan.validity_days,
            "points_multiplier_percent": plan.points_multiplier_percent,
            "priced_as_level": plan.priced_as_level_id,
            "free_for_level": plan.free_for_level_id,
            "coupon_templates": [str(i) for i in plan.coupon_template_ids],
            "is_active": plan.is_active,
        }
    form = CardPlanForm(request.POST or None, actor=actor, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            card_actions.save_card_plan(
                actor=actor,
                plan=plan,
                name=data["name"],
                price_fen=data["price"],
                validity_days=data["validity_days"],
                points_multiplier_percent=data["points_multiplier_percent"],
                priced_as_level=data["priced_as_level"],
                free_for_level=data["free_for_level"],
                coupon_template_ids=[int(i) for i in data["coupon_templates"]],
                is_active=data["is_active"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return done(request, _("Card saved."), reverse("console:card_plans"))
    return render(request, "console/members/card_plan_form.html", {"form": form, "plan": plan})


# --- points mall -----------------------------------------------------------------------------


@console_view(Perm.MEMBERS_MANAGE)
def points_mall_items(request):
    items = (
        PointsMallItem.objects.for_merchant(request.user.merchant_id)
        .select_related("sku__product")
        .annotate(exchanged=Count("exchanges", filter=Q(exchanges__voided_at__isnull=True)))
    )
    return render(request, "console/members/points_mall.html", {"items": items})


def _sku_id(merchant_id: int, code: str) -> int | None:
    """The SKU a points mall goods item gives, by its SKU code or barcode (None: not found)."""
    from newretail.catalog.queries import live_skus

    code = code.strip()
    if not code:
        return None
    return live_skus(merchant_id).filter(Q(code=code) | Q(barcode=code)).values_list("pk", flat=True).first()


@console_view(Perm.MEMBERS_MANAGE)
def points_mall_item_form(request, pk: int | None = None):
    actor = request.user
    item = owned(PointsMallItem.objects.all(), actor, pk) if pk else None
    initial = {}
    if item is not None:
        initial = {
            "kind": item.kind,
            "name": item.name,
            "points": item.points,
            "sku_code": item.sku.code if item.sku_id else "",
            "cash": item.cash_fen / 100,
            "coupon_template": item.coupon_template_id,
            "bonus": item.bonus_fen / 100,
            "stock": item.stock,
            "per_member_limit": item.per_member_limit,
            "is_active": item.is_active,
        }
    form = PointsMallItemForm(request.POST or None, actor=actor, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            points_mall_actions.save_item(
                actor=actor,
                item=item,
                kind=data["kind"],
                name=data["name"],
                points=data["points"],
                sku_id=_sku_id(actor.merchant_id, data["sku_code"]),
                cash_fen=data["cash"] or 0,
                coupon_template_id=data["coupon_template"],
                bonus_fen=data["bonus"] or 0,
                stock=data["stock"],
                per_member_limit=data["per_member_limit"],
                is_active=data["is_active"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return done(request, _("Points mall item saved."), reverse("console:points_mall_items"))
    return render(request, "console/members/points_mall_form.html", {"form": form, "item": item})


urlpatterns = [
    path("members/", member_list, name="member_list"),
    path("members/<int:pk>/", member_detail, name="member_detail"),
    path("members/<int:pk>/notes/", member_note, name="member_note"),
    path("members/<int:pk>/merge/", member_merge, name="member_merge"),
    path("members/<int:pk>/points/adjust/", member_points_adjust, name="member_points_adjust"),
    path("members/<int:pk>/wallet/adjust/", member_wallet_adjust, name="member_wallet_adjust"),
    path("members/<int:pk>/wallet/recharge/", member_recharge, name="member_recharge"),
    path("members/<int:pk>/wallet/withdraw/", member_withdraw, name="member_withdraw"),
    path("members/rules/", member_rules, name="member_rules"),
    path("members/levels/new/", level_form, name="level_new"),
    path("members/levels/<int:pk>/", level_form, name="level_edit"),
    path("members/cards/", card_plans, name="card_plans"),
    path("members/cards/new/", card_plan_form, name="card_plan_new"),
    path("members/cards/<int:pk>/", card_plan_form, name="card_plan_edit"),
    path("members/points-mall/", points_mall_items, name="points_mall_items"),
    path("members/points-mall/new/", points_mall_item_form, name="points_mall_item_new"),
    path("members/points-mall/<int:pk>/", points_mall_item_form, name="points_mall_item_edit"),
    path("stored-value/", stored_value, name="stored_value"),
    path("stored-value/plans/new/", recharge_plan_form, name="recharge_plan_new"),
    path("stored-value/plans/<int:pk>/", recharge_plan_form, name="recharge_plan_edit"),
]
