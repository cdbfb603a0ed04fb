"""Console pages for lottery games (营销游戏): the list, the setup form (entry rules and a prize
table whose probabilities must add up to 100 %), the game page with the live report (refreshed
by htmx while it is open), pause / resume, and the draw log (every draw's random outcome, the
prize it hit and the prize given). Views parse and call ``marketing.games``; the rules live there."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.http import HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from newretail.catalog.queries import live_skus
from newretail.console.decorators import console_view
from newretail.console.forms.marketing import datetime_field, sku_label
from newretail.console.helpers import done, int_param, owned, refused
from newretail.console.paging import paginate
from newretail.core.errors import DomainError
from newretail.core.privacy import mask_phone
from newretail.marketing.games import queries
from newretail.marketing.games import setup as game_setup
from newretail.marketing.games.models import Game, GameDraw, GamePrize
from newretail.marketing.models import CouponTemplate
from newretail.tenancy.roles import Perm

PRIZE_ROWS = 8
K = GamePrize.Kind


class GameForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=50)
    kind = forms.ChoiceField(label=gettext_lazy("Game"), choices=Game.Kind.choices)
    description = forms.CharField(
        label=gettext_lazy("Rules shown to shoppers"), max_length=200, required=False
    )
    starts_at = datetime_field(gettext_lazy("Starts at"))
    ends_at = datetime_field(gettext_lazy("Ends at"))
    free_per_day = forms.IntegerField(
        label=gettext_lazy("Free draws a day"), min_value=0, max_value=100, initial=1
    )
    points_per_draw = forms.IntegerField(
        label=gettext_lazy("Points per draw"),
        min_value=0,
        initial=0,
        help_text=gettext_lazy(
            "Above 0: members can also pay for draws with points (the game shows in the points playground)."
        ),
    )
    order_chances = forms.IntegerField(
        label=gettext_lazy("Draws per paid order"), min_value=0, max_value=100, initial=0
    )
    order_min_yuan = forms.DecimalField(
        label=gettext_lazy("Order amount for draws (¥)"),
        min_value=0,
        decimal_places=2,
        initial=0,
        required=False,
    )
    daily_draw_limit = forms.IntegerField(
        label=gettext_lazy("Draws a day per member"),
        min_value=1,
        max_value=1000,
        required=False,
        help_text=gettext_lazy("Empty: no limit."),
    )


class PrizeForm(forms.Form):
    prize_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=gettext_lazy("Prize"), max_length=30, required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=K.choices, initial=K.THANKS)
    coupon_template = forms.TypedChoiceField(
        label=gettext_lazy("Coupon"), coerce=int, required=False, empty_value=None
    )
    points = forms.IntegerField(label=gettext_lazy("Points"), min_value=0, required=False)
    sku = forms.TypedChoiceField(label=gettext_lazy("Gift"), coerce=int, required=False, empty_value=None)
    percent = forms.DecimalField(
        label=gettext_lazy("Probability (%)"), min_value=0, max_value=100, decimal_places=2, required=False
    )
    stock = forms.IntegerField(label=gettext_lazy("Stock"), min_value=0, required=False)
    member_cap = forms.IntegerField(label=gettext_lazy("Wins per member"), min_value=1, required=False)

    def __init__(self, *args, coupons=(), skus=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coupon_template"].choices = [("", "—"), *coupons]
        self.fields["sku"].choices = [("", "—"), *skus]


def prize_formset(rows: int):
    """A prize table with ``PRIZE_ROWS`` rows in all (blank rows are ignored)."""
    return forms.formset_factory(
        PrizeForm, extra=max(0, PRIZE_ROWS - rows), max_num=PRIZE_ROWS, absolute_max=PRIZE_ROWS
    )


def _choices(merchant_id: int) -> dict:
    coupons = [
        (t.pk, t.name) for t in CouponTemplate.objects.filter(merchant_id=merchant_id).order_by("-id")[:200]
    ]
    skus = [
        (s.pk, sku_label(s)) for s in live_skus(merchant_id).select_related("product").order_by("-id")[:300]
    ]
    return {"coupons": coupons, "skus": skus}


def _initial(game: Game | None) -> tuple[dict, list[dict], str]:
    if game is None:
        return {}, [{"name": _("Thanks for playing"), "kind": K.THANKS, "percent": Decimal(100)}], ""
    fallback = ""
    rows = []
    for index, p in enumerate(queries.prizes_of(game)):
        rows.append(
            {
                "prize_id": p.pk,
                "name": p.name,
                "kind": p.kind,
                "coupon_template": p.coupon_template_id,
                "points": p.points or None,
                "sku": p.sku_id,
                "percent": Decimal(p.odds) / 100,
                "stock": p.stock,
                "member_cap": p.member_cap,
            }
        )
        if p.is_fallback:
            fallback = str(index)
    values = {name: getattr(game, name) for name in game_setup.GAME_FIELDS if name != "order_min_fen"}
    values["order_min_yuan"] = Decimal(game.order_min_fen) / 100
    return values, rows, fallback


def _prizes(formset, fallback: str) -> list[dict]:
    prizes = []
    for index, form in enumerate(formset.forms):
        data = form.cleaned_data
        if not data or not (data.get("name") or "").strip():
            continue
        kind = data["kind"]
        prize = {
            "name": data["name"],
            "kind": kind,
            "odds": int((data.get("percent") or Decimal(0)) * 100),
            "stock": data.get("stock"),
            "member_cap": data.get("member_cap"),
            "is_fallback": str(index) == fallback,
        }
        if data.get("prize_id"):
            prize["id"] = data["prize_id"]
        if kind == K.COUPON:
            prize["coupon_template_id"] = data.get("coupon_template")
        elif kind == K.POINTS:
            prize["points"] = data.get("points")
        elif kind == K.GIFT:
            prize["sku_id"] = data.get("sku")
        prizes.append(prize)
    return prizes


def _form_page(request, game: Game | None):
    actor = request.user
    choices = _choices(actor.merchant_id)
    values, rows, fallback = _initial(game)
    if request.method == "POST":
        form = GameForm(request.POST)
        formset = prize_formset(len(rows))(request.POST, prefix="prize", form_kwargs=choices)
        fallback = request.POST.get("fallback", "")
        if form.is_valid() and formset.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "order_min_yuan"}
            data["order_min_fen"] = int((form.cleaned_data.get("order_min_yuan") or 0) * 100)
            data["prizes"] = _prizes(formset, fallback)
            try:
                if game is None:
                    game = game_setup.create_game(actor=actor, **data)
                else:
                    game_setup.update_game(actor=actor, game_id=game.pk, **data)
            except DomainError as error:
                if error.status in (403, 404):
                    raise
                form.add_error(None, error.message)
            else:
                return done(
                    request,
                    _("Saved: %(name)s") % {"name": game.name},
                    reverse("console:game_detail", args=[game.pk]),
                )
    else:
        form = GameForm(initial=values)
        formset = prize_formset(len(rows))(initial=rows, prefix="prize", form_kwargs=choices)
    return render(
        request,
        "console/games/game_form.html",
        {"game": game, "form": form, "formset": formset, "fallback": fallback},
    )


@console_view(Perm.MARKETING_VIEW)
def game_list(request):
    games = Game.objects.filter(merchant_id=request.user.merchant_id).order_by("-starts_at", "-id")
    return render(
        request,
        "console/games/game_list.html",
        {**paginate(request, games), "can_manage": request.user.has_perm_code(Perm.MARKETING_MANAGE)},
    )


@console_view(Perm.MARKETING_MANAGE)
def game_create(request):
    return _form_page(request, None)


@console_view(Perm.MARKETING_MANAGE)
def game_edit(request, pk: int):
    return _form_page(request, owned(Game, request.user, pk))


@console_view(Perm.MARKETING_VIEW)
def game_detail(request, pk: int):
    game = owned(Game, request.user, pk)
    context = {
        "game": game,
        "report": queries.game_report(game),
        "can_manage": request.user.has_perm_code(Perm.MARKETING_MANAGE),
        "mall_path": reverse(
            "storefront:game", kwargs={"merchant_slug": game.merchant.slug, "game_id": game.pk}
        ),
    }
    template = "console/games/_report.html" if request.htmx else "console/games/game_detail.html"
    return render(request, template, context)


@console_view(Perm.MARKETING_MANAGE)
def game_status(request, pk: int):
    game = owned(Game, request.user, pk)  # first: another merchant's id is 404
    url = reverse("console:game_detail", args=[game.pk])
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    status = request.POST.get("status", "")
    try:
        game_setup.set_game_status(actor=request.user, game_id=game.pk, status=status)
    except DomainError as error:
        return refused(request, error, url)
    message = _("Paused: %(name)s") if status == Game.Status.PAUSED else _("Resumed: %(name)s")
    return done(request, message % {"name": game.name}, url)


@console_view(Perm.MARKETING_VIEW)
def game_draws(request, pk: int):
    game = owned(Game, request.user, pk)
    prize_id = int_param(request.GET.get("prize"))
    member_id = int_param(request.GET.get("member"))
    draws = queries.draw_log(game, member_id=member_id, prize_id=prize_id)
    page = paginate(request, draws, per_page=100)
    rows = [(d, mask_phone(d.member.phone)) for d in page["page_obj"]]
    return render(
        request,
        "console/games/game_draws.html",
        {
            "game": game,
            "rows": rows,
            "prizes": queries.prizes_of(game),
            "prize_id": prize_id,
            "member_id": member_id,
            "fallbacks": dict(GameDraw.Fallback.choices),
            **page,
        },
    )


urlpatterns = [
    path("marketing/games/", game_list, name="game_list"),
    path("marketing/games/new/", game_create, name="game_create"),
    path("marketing/games/<int:pk>/", game_detail, name="game_detail"),
    path("marketing/games/<int:pk>/edit/", game_edit, name="game_edit"),
    path("marketing/games/<int:pk>/status/", game_status, name="game_status"),
    path("marketing/games/<int:pk>/draws/", game_draws, name="game_draws"),
]
