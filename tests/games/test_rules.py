"""Game rules through the real actions: setup validation, daily free draws, the points cost,
draws earned by paid orders, per-member caps, stock, the fallback, and the idempotent draw."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import translation

from newretail.core.errors import DomainError
from newretail.core.testing import make_staff
from newretail.marketing.games.drawing import draw, grant_order_chances
from newretail.marketing.games.errors import GameError
from newretail.marketing.games.models import Game, GameDraw, GamePrize
from newretail.marketing.games.queries import chances_of
from newretail.marketing.games.setup import set_game_status, update_game
from newretail.members.models import PointsEntry
from newretail.members.queries import points_balance
from newretail.tenancy.roles import Role
from tests.games.conftest import THANKS, give_points, thanks, window

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English here (the product's default language is zh-Hans)."""
    with translation.override("en"):
        yield


def points_prize(points=10, odds=10_000, **extra):
    return {"name": f"{points}积分", "kind": "points", "points": points, "odds": odds, **extra}


def code_of(error_info) -> str:
    return error_info.value.error.code


# --- setup ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prizes, problem",
    [
        ([points_prize(odds=5000), thanks(4000)], "100%"),
        ([points_prize(odds=5000, is_fallback=True), thanks(5000)], "exactly one"),
        ([points_prize(odds=5000), {**thanks(5000), "is_fallback": False}], "exactly one"),
        ([points_prize(odds=5000), {**thanks(5000), "stock": 10}], "unlimited"),
        (
            [{"name": "券", "kind": "coupon", "coupon_template_id": 999999, "odds": 5000}, thanks(5000)],
            "coupons",
        ),
        ([{"name": "礼", "kind": "gift", "sku_id": 999999, "odds": 5000}, thanks(5000)], "products"),
        ([points_prize(points=0, odds=5000), thanks(5000)], "points"),
        ([thanks(10_000)], "2 to"),
    ],
)
def test_setup_refuses_bad_prizes_and_writes_nothing(game, prizes, problem):
    with pytest.raises(DomainError) as info:
        game(prizes)
    assert code_of(info) == "games.invalid"
    assert problem in info.value.message
    assert not Game.objects.exists()


def test_setup_needs_marketing_manage(owner, game, store):
    cashier = make_staff(owner, Role.CASHIER, stores=[store])
    from newretail.marketing.games.setup import create_game

    with pytest.raises(DomainError) as info:
        create_game(
            actor=cashier, name="x", kind="wheel", prizes=[points_prize(odds=5000), thanks(5000)], **window()
        )
    assert code_of(info) == "permission_denied"


def test_another_merchants_coupon_cannot_be_a_prize(game, other_owner):
    from newretail.marketing.actions.coupons import create_coupon_template

    w = window()
    theirs = create_coupon_template(
        actor=other_owner,
        kind="cash_off",
        name="别家券",
        off_fen=100,
        valid_from=w["starts_at"],
        valid_until=w["ends_at"],
    )
    with pytest.raises(DomainError, match="not one of your coupons"):
        game([{"name": "券", "kind": "coupon", "coupon_template_id": theirs.pk, "odds": 5000}, thanks(5000)])


def test_a_drawn_prize_stays_and_its_stock_cannot_drop_below_what_was_given(owner, game, shopper):
    g = game([points_prize(odds=10_000, stock=5), thanks(0)])
    draw(member=shopper, game_id=g.pk)
    prize, fallback = g.prizes.order_by("position")
    base = {"name": g.name, "kind": "wheel", **window()}
    with pytest.raises(DomainError, match="cannot be removed"):
        update_game(
            actor=owner, game_id=g.pk, **base, prizes=[{**THANKS, "id": fallback.pk}, points_prize(odds=0)]
        )
    with pytest.raises(DomainError, match="cannot be lower"):
        update_game(
            actor=owner,
            game_id=g.pk,
            **base,
            prizes=[points_prize(odds=10_000, stock=0, id=prize.pk), {**thanks(0), "id": fallback.pk}],
        )
    # Retiring it: probability 0, and a new prize takes the odds; the order of the prizes changes.
    update_game(
        actor=owner,
        game_id=g.pk,
        **base,
        prizes=[
            {**thanks(5000), "id": fallback.pk},
            points_prize(odds=0, stock=5, id=prize.pk),
            points_prize(points=3, odds=5000),
        ],
    )
    assert list(g.prizes.order_by("position").values_list("pk", "odds"))[:2] == [
        (fallback.pk, 5000),
        (prize.pk, 0),
    ]
    assert g.prizes.count() == 3


# --- chances --------------------------------------------------------------------------------


def test_free_draws_reset_each_local_day(game, shopper):
    g = game([points_prize(), thanks(0)], free_per_day=2)
    draw(member=shopper, game_id=g.pk)
    draw(member=shopper, game_id=g.pk)
    with pytest.raises(DomainError) as info:
        draw(member=shopper, game_id=g.pk)
    assert code_of(info) == "games.no_chances"
    assert GameDraw.objects.count() == 2
    # Midnight in Shanghai is 16:00 UTC: the next local day gives two more.
    tomorrow = dt.datetime.now(dt.UTC).replace(hour=16, minute=30) + dt.timedelta(days=1)
    with time_machine.travel(tomorrow, tick=False):
        assert chances_of(g, shopper, tomorrow).free_left == 2
        assert draw(member=shopper, game_id=g.pk).paid_with == "free"


def test_points_pay_for_draws_after_the_free_ones_and_never_overdraw(game, shopper):
    g = game([thanks(10_000)] + [points_prize(points=1, odds=0)], free_per_day=1, points_per_draw=30)
    give_points(shopper, 70)
    assert draw(member=shopper, game_id=g.pk).paid_with == "free"
    paid = [draw(member=shopper, game_id=g.pk) for _ in range(2)]
    assert [d.paid_with for d in paid] == ["points", "points"]
    assert [d.points_spent for d in paid] == [30, 30]
    assert points_balance(shopper) == 10
    with pytest.raises(DomainError) as info:
        draw(member=shopper, game_id=g.pk)
    assert code_of(info) == "games.points_not_enough"
    assert points_balance(shopper) == 10
    spends = PointsEntry.objects.filter(member=shopper, kind="spend").order_by("id")
    assert [e.reference for e in spends] == [f"game:{d.pk}:spend" for d in paid]


def test_a_paid_order_earns_draws_once_above_the_minimum(game, shopper, place, water):
    g = game([points_prize(), thanks(0)], free_per_day=0, order_chances=2, order_min_fen=500)
    small = place({water: 1}, member=shopper)  # ¥3.50: below the minimum
    big = place({water: 2}, member=shopper)  # ¥7.00
    assert (
        grant_order_chances(merchant_id=g.merchant_id, order_id=small.pk, member_id=shopper.pk, goods_fen=350)
        == 0
    )
    assert (
        grant_order_chances(merchant_id=g.merchant_id, order_id=big.pk, member_id=shopper.pk, goods_fen=700)
        == 2
    )
    assert (
        grant_order_chances(merchant_id=g.merchant_id, order_id=big.pk, member_id=shopper.pk, goods_fen=700)
        == 0
    )
    assert [draw(member=shopper, game_id=g.pk).paid_with for _ in range(2)] == ["order", "order"]
    with pytest.raises(DomainError, match="No draws left"):
        draw(member=shopper, game_id=g.pk)


def test_the_order_paid_event_grants_the_draws(owner, game, shopper, place, water, committed, store):
    from newretail.payments.actions.charges import pay_order

    g = game([points_prize(), thanks(0)], free_per_day=0, order_chances=1)
    order = place({water: 2}, member=shopper, fulfilment="pickup", address=None)
    with committed():
        pay_order(order_id=order.pk, kind="cash", actor=owner)
    assert chances_of(g, shopper, g.starts_at + dt.timedelta(hours=1)).order_left == 1


def test_a_fully_refunded_order_takes_back_the_draws_not_used_yet(owner, game, shopper, place, water, committed):
    from newretail.marketing.games.models import GameChanceGrant
    from newretail.orders.actions.lifecycle import cancel_order
    from newretail.payments.actions.charges import pay_order

    g = game([points_prize(), thanks(0)], free_per_day=0, order_chances=2)
    order = place({water: 2}, member=shopper, fulfilment="pickup", address=None)
    with committed():
        pay_order(order_id=order.pk, kind="cash", actor=owner)
    assert draw(member=shopper, game_id=g.pk).paid_with == "order"  # one of the two used
    with committed():
        cancelled = cancel_order(order_id=order.pk, merchant=owner.merchant, actor=owner, reason="退货")
    assert cancelled.refunded_fen == cancelled.payable_fen  # refunded in full
    at = g.starts_at + dt.timedelta(hours=1)
    assert chances_of(g, shopper, at).order_left == 0  # the unused draw went back with the money
    grant = GameChanceGrant.objects.get(order=order)
    assert (grant.chances, grant.revoked_chances) == (2, 1) and grant.revoked_at is not None
    with pytest.raises(DomainError, match="No draws left"):
        draw(member=shopper, game_id=g.pk)


def test_paused_not_started_and_ended_games_refuse(owner, game, shopper):
    g = game([points_prize(), thanks(0)])
    set_game_status(actor=owner, game_id=g.pk, status="paused")
    with pytest.raises(DomainError, match="paused"):
        draw(member=shopper, game_id=g.pk)
    later = game([points_prize(), thanks(0)], starts_at=g.ends_at, ends_at=g.ends_at + dt.timedelta(days=1))
    with pytest.raises(DomainError) as info:
        draw(member=shopper, game_id=later.pk)
    assert code_of(info) == "games.not_started"
    with time_machine.travel(g.ends_at + dt.timedelta(seconds=1), tick=False):
        set_game_status(actor=owner, game_id=g.pk, status="active")
        with pytest.raises(DomainError, match="ended"):
            draw(member=shopper, game_id=g.pk)
    assert not GameDraw.objects.exists()


def test_daily_draw_limit_counts_every_kind_of_draw(game, shopper):
    g = game([thanks(10_000), points_prize(odds=0)], free_per_day=1, points_per_draw=1, daily_draw_limit=2)
    give_points(shopper, 10)
    draw(member=shopper, game_id=g.pk)
    draw(member=shopper, game_id=g.pk)
    with pytest.raises(DomainError) as info:
        draw(member=shopper, game_id=g.pk)
    assert code_of(info) == GameError.DAILY_LIMIT.code
    assert points_balance(shopper) == 9


# --- prizes, caps, stock, fallback ----------------------------------------------------------


def test_a_capped_prize_falls_back_once_the_member_has_it(game, shopper, merchant):
    from newretail.members.testing import make_member

    g = game([points_prize(points=5, odds=10_000, member_cap=2), thanks(0)], free_per_day=5)
    draws = [draw(member=shopper, game_id=g.pk) for _ in range(4)]
    assert [d.fallback_reason for d in draws] == ["", "", "cap", "cap"]
    assert [d.prize.kind for d in draws] == ["points", "points", "thanks", "thanks"]
    assert all(d.drawn_prize.kind == "points" for d in draws)  # the outcome hit the prize each time
    assert points_balance(shopper) == 10
    other = make_member(merchant)
    assert draw(member=other, game_id=g.pk).prize.kind == "points"  # the cap is per member


def test_a_prize_out_of_stock_falls_back_and_stock_never_goes_negative(game, shopper, merchant):
    from newretail.members.testing import make_member

    g = game([points_prize(points=1, odds=10_000, stock=2), thanks(0)])
    members = [shopper] + [make_member(merchant) for _ in range(3)]
    results = [draw(member=m, game_id=g.pk) for m in members]
    assert [r.fallback_reason for r in results] == ["", "", "stock", "stock"]
    prize = GamePrize.objects.get(game=g, kind="points")
    assert (prize.stock, prize.issued) == (2, 2)
    assert GamePrize.objects.get(game=g, is_fallback=True).issued == 2


def test_a_points_fallback_gives_its_points(game, shopper):
    g = game(
        [
            points_prize(points=50, odds=10_000, stock=0),
            {**points_prize(points=1, odds=0), "is_fallback": True},
        ]
    )
    result = draw(member=shopper, game_id=g.pk)
    assert (result.fallback_reason, result.prize.points, result.points_awarded) == ("stock", 1, 1)
    assert points_balance(shopper) == 1


def test_a_coupon_prize_issues_a_coupon_through_marketing(game, shopper, template):
    coupon_template = template(off_fen=500, threshold_fen=0, name="5元券")
    g = game(
        [
            {"name": "5元券", "kind": "coupon", "coupon_template_id": coupon_template.pk, "odds": 10_000},
            thanks(0),
        ]
    )
    result = draw(member=shopper, game_id=g.pk)
    assert result.coupon is not None
    assert (result.coupon.template_id, result.coupon.member_id, result.coupon.source) == (
        coupon_template.pk,
        shopper.pk,
        "game",
    )
    coupon_template.refresh_from_db()
    assert coupon_template.issued_count == 1


def test_a_coupon_the_template_cannot_issue_falls_back_and_keeps_the_prize_stock(
    owner, game, shopper, template
):
    from newretail.marketing.actions.coupons import set_coupon_template_status

    coupon_template = template(off_fen=500, name="限量券")
    g = game(
        [
            {
                "name": "限量券",
                "kind": "coupon",
                "coupon_template_id": coupon_template.pk,
                "odds": 10_000,
                "stock": 5,
            },
            thanks(0),
        ]
    )
    set_coupon_template_status(actor=owner, template_id=coupon_template.pk, status="paused")
    result = draw(member=shopper, game_id=g.pk)
    assert (result.prize.kind, result.fallback_reason, result.coupon) == ("thanks", "unavailable", None)
    assert GamePrize.objects.get(game=g, kind="coupon").issued == 0  # the stock went back with the savepoint


def test_a_gift_is_claimed_as_a_zero_price_order_once(game, shopper, water, store):
    from newretail.marketing.games.prizes import claim_gift

    g = game([{"name": "矿泉水一瓶", "kind": "gift", "sku_id": water.pk, "odds": 10_000}, thanks(0)])
    result = draw(member=shopper, game_id=g.pk)
    assert result.prize.kind == "gift" and result.gift_order is None
    order = claim_gift(member=shopper, draw_id=result.pk, fulfilment="pickup", store_id=store.pk)
    assert (order.payable_fen, order.status, order.member_id) == (0, "paid", shopper.pk)
    line = order.lines.get()
    assert (line.sku_id, line.quantity, line.final_amount_fen) == (water.pk, 1, 0)
    assert (
        claim_gift(member=shopper, draw_id=result.pk, fulfilment="pickup", store_id=store.pk).pk == order.pk
    )


def test_only_a_gift_can_be_claimed_and_only_by_its_winner(game, shopper, merchant, store):
    from newretail.marketing.games.prizes import claim_gift
    from newretail.members.testing import make_member

    g = game([points_prize(), thanks(0)])
    result = draw(member=shopper, game_id=g.pk)
    with pytest.raises(DomainError) as info:
        claim_gift(member=shopper, draw_id=result.pk, store_id=store.pk)
    assert code_of(info) == "games.gift_not_claimable"
    with pytest.raises(DomainError) as info:
        claim_gift(member=make_member(merchant), draw_id=result.pk, store_id=store.pk)
    assert code_of(info) == "not_found"


# --- idempotency and the audit trail --------------------------------------------------------


def test_a_double_tap_costs_one_chance(game, shopper):
    g = game([points_prize(points=7), thanks(0)], free_per_day=1, points_per_draw=10)
    give_points(shopper, 100)
    first = draw(member=shopper, game_id=g.pk, idempotency_key="tap-1")
    again = draw(member=shopper, game_id=g.pk, idempotency_key="tap-1")
    assert again.pk == first.pk
    assert GameDraw.objects.count() == 1
    second = draw(member=shopper, game_id=g.pk, idempotency_key="tap-2")
    assert second.paid_with == "points"
    assert points_balance(shopper) == 100 + 7 - 10 + 7
    with pytest.raises(DomainError) as info:
        draw(member=shopper, game_id=g.pk, idempotency_key="x" * 65)
    assert code_of(info) == "games.invalid_idempotency_key"


def test_each_draw_records_its_outcome_and_the_outcome_explains_the_prize(game, shopper):
    from newretail.marketing.games.drawing import odds_of
    from newretail.marketing.games.odds import prize_for

    g = game(
        [points_prize(points=1, odds=3000), points_prize(points=2, odds=3000), thanks(4000)], free_per_day=30
    )
    prizes = list(g.prizes.order_by("position"))
    for _ in range(30):
        d = draw(member=shopper, game_id=g.pk)
        assert 0 <= d.outcome < 10_000
        assert prize_for(odds_of(prizes), d.outcome).prize_id == d.drawn_prize_id
        assert d.drawn_at is not None and d.member_id == shopper.pk
