"""Lottery games in the mall: the running games, the points playground (积分乐园: games paid with
points), a game's page with the real game (a wheel that spins, a scratch card, golden eggs), the
draw endpoint the page calls, and my prizes (with claiming a gift at a store).

The draw endpoint decides the result on the server and answers it as JSON before any animation:
the page then spins the wheel to ``prize_index`` (or lets the member scratch the card, or cracks
the egg) and shows what was already given. The page sends one idempotency key per tap, so a
double tap is one draw."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.core.tenancy import get_owned
from newretail.marketing.games import queries
from newretail.marketing.games.drawing import draw
from newretail.marketing.games.models import Game, GamePrize
from newretail.marketing.games.prizes import claim_gift
from newretail.storefront.decorators import mall_page, member_required
from newretail.storefront.params import whole_number
from newretail.storefront.site import mall_of, mall_url, shopper
from newretail.tenancy.models import Store

# Wheel segment colours, alternating (the theme's brand colour is used for the pointer and button).
SEGMENT_COLOURS = ("#ffe08a", "#ff8a65", "#fff3d6", "#ffb74d")


def _chances(game: Game, member) -> dict | None:
    if member is None:
        return None
    c = queries.chances_of(game, member, clock.now())
    return {
        "free_left": c.free_left,
        "order_left": c.order_left,
        "points_per_draw": c.points_per_draw,
        "points_balance": c.points_balance,
        "by_points": c.by_points,
        "can_draw": c.can_draw,
    }


@mall_page
def game_list(request):
    merchant = mall_of(request)
    games = list(queries.running_games(merchant.pk, clock.now())[:50])
    return render(
        request, "storefront/games/list.html", {"games": games, "playground": False, "noindex": True}
    )


@mall_page
def points_playground(request):
    merchant = mall_of(request)
    member = shopper(request)
    games = list(queries.points_playground(merchant.pk, clock.now())[:50])
    balance = queries.chances_of(games[0], member, clock.now()).points_balance if games and member else None
    return render(
        request,
        "storefront/games/list.html",
        {"games": games, "playground": True, "balance": balance, "noindex": True},
    )


def _wheel(prizes: list[GamePrize]) -> dict:
    """The wheel's geometry: equal segments (the odds are not shown as segment sizes — a shop's
    wheel never looks like its odds) with their colour and the angle of each label."""
    step = 360 / len(prizes)
    stops = ", ".join(
        f"{SEGMENT_COLOURS[i % len(SEGMENT_COLOURS)]} {i * step:.3f}deg {(i + 1) * step:.3f}deg"
        for i in range(len(prizes))
    )
    return {
        "step": step,
        "gradient": f"conic-gradient({stops})",
        "labels": [(p, (i + 0.5) * step) for i, p in enumerate(prizes)],
    }


@mall_page
def game_page(request, game_id: int):
    merchant = mall_of(request)
    game = get_owned(Game, merchant.pk, pk=game_id)
    member = shopper(request)
    prizes = queries.prizes_of(game)
    return render(
        request,
        "storefront/games/game.html",
        {
            "game": game,
            "prizes": prizes,
            "wheel": _wheel(prizes),
            "chances": _chances(game, member),
            "chances_json": json.dumps(_chances(game, member)),
            "eggs": range(3),
            "noindex": True,
        },
    )


@require_POST
@mall_page
def game_draw(request, game_id: int):
    """JSON for the game page: the prize given and where the animation stops."""
    member = shopper(request)
    if member is None:
        return JsonResponse(
            {"code": "unauthenticated", "message": _("Log in to play."), "login": mall_url(request, "login")},
            status=401,
        )
    merchant = mall_of(request)
    game = get_owned(Game, merchant.pk, pk=game_id)
    try:
        result = draw(
            member=member, game_id=game.pk, idempotency_key=request.POST.get("key", "")[:64] or None
        )
    except DomainError as error:
        return JsonResponse(error.as_dict(), status=error.status)
    positions = [p.pk for p in queries.prizes_of(game)]
    prize = result.prize
    if prize.kind == GamePrize.Kind.THANKS:
        message = _("Not this time. Thanks for playing!")
    elif prize.kind == GamePrize.Kind.COUPON:
        message = _("You won %(name)s! It is in My coupons.") % {"name": prize.name}
    elif prize.kind == GamePrize.Kind.POINTS:
        message = _("You won %(points)s points!") % {"points": result.points_awarded}
    else:
        message = _("You won %(name)s! Claim it in My prizes.") % {"name": prize.name}
    return JsonResponse(
        {
            "draw_id": result.pk,
            "prize_index": positions.index(prize.pk),
            "prize_name": prize.name,
            "prize_kind": prize.kind,
            "message": message,
            "chances": _chances(game, member),
        }
    )


@member_required
def my_prizes(request):
    member = shopper(request)
    return render(
        request,
        "storefront/games/my_prizes.html",
        {
            "draws": list(queries.member_prizes(member)[:200]),
            "stores": list(
                Store.objects.filter(merchant_id=member.merchant_id, is_active=True).order_by("pk")[:50]
            ),
            "noindex": True,
        },
    )


@require_POST
@member_required
def claim(request, draw_id: int):
    member = shopper(request)
    try:
        order = claim_gift(
            member=member,
            draw_id=draw_id,
            fulfilment="pickup",
            store_id=whole_number(request.POST.get("store")),
        )
    except DomainError as error:
        if error.status == 404:
            raise
        messages.error(request, error.message)
        return redirect(mall_url(request, "my_game_prizes"))
    messages.success(
        request, _("Your gift is ready to pick up: order %(number)s.") % {"number": order.number}
    )
    return redirect(mall_url(request, "order", order_id=order.pk))
