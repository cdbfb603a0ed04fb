"""Lottery games in a real browser on a phone: the wheel spins to the prize the server already
gave (a ¥5 coupon, configured at 100 % so the test knows it) and that coupon then prices the cart
at checkout; a scratch card is scratched off to show its points; a golden egg is cracked.
Screenshots go to var/screenshots/games-*.png for a person to look at."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from newretail.core import clock
from newretail.core.testing import PASSWORD
from newretail.marketing.actions.coupons import create_coupon_template
from newretail.marketing.games.models import GameDraw
from newretail.marketing.games.setup import create_game
from newretail.members.models import SmsMessage
from newretail.orders.models import Order
from newretail.payments.accounts import set_up_sandbox_account
from tests.browser_support import PHONE, login, screenshot
from tests.inventory.conftest import make_sku, receive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_NUMBER = "13812340077"


def _window() -> dict:
    now = clock.now()
    return {"starts_at": now - dt.timedelta(hours=1), "ends_at": now + dt.timedelta(days=7)}


def _login(page, merchant, phone: str) -> None:
    # The first page of a run can take ~10 s on a loaded machine (one-time warm-up of the server).
    page.goto(f"/m/{merchant.slug}/login/", timeout=60_000)
    page.fill("input[name=phone]", phone)
    page.click("button:has-text('获取验证码')")
    page.wait_for_selector("input[name=code]")
    code = re.search(r"验证码 (\d{6})", SmsMessage.objects.filter(phone=phone).latest("id").text)[1]
    page.fill("input[name=code]", code)
    page.click("button:has-text('登录')")
    page.wait_for_selector(".me-head")


def test_a_wheel_spin_awards_a_coupon_that_prices_the_cart(open_page, owner, store):
    merchant = owner.merchant
    set_up_sandbox_account(merchant_id=merchant.pk, provider="alipay", actor=owner)
    water = make_sku(merchant.pk, name="农夫山泉 550ml", price_fen=350)
    receive(store.warehouses.get(), water, 50)
    coupon = create_coupon_template(
        actor=owner,
        kind="cash_off",
        name="转盘5元券",
        off_fen=500,
        threshold_fen=600,
        **{"valid_from": _window()["starts_at"], "valid_until": _window()["ends_at"]},
    )
    game = create_game(
        actor=owner,
        name="幸运大转盘",
        kind="wheel",
        description="每天免费转一次，100%中奖",
        prizes=[
            {"name": "88积分", "kind": "points", "points": 88, "odds": 0},
            {"name": "转盘5元券", "kind": "coupon", "coupon_template_id": coupon.pk, "odds": 10_000},
            {"name": "矿泉水", "kind": "gift", "sku_id": water.pk, "odds": 0, "stock": 5},
            {"name": "10积分", "kind": "points", "points": 10, "odds": 0},
            {"name": "再接再厉", "kind": "thanks", "odds": 0, "is_fallback": True},
            {"name": "2积分", "kind": "points", "points": 2, "odds": 0},
        ],
        **_window(),
    )
    page, _errors = open_page(viewport=PHONE)
    _login(page, merchant, PHONE_NUMBER)
    page.click("a:has-text('游戏与积分乐园')")
    page.click(f"[data-test=game-item]:has-text('{game.name}')")
    page.wait_for_selector("[data-test=wheel]")
    screenshot(page, "games-wheel-before")

    page.click("[data-test=spin]")
    page.wait_for_timeout(1500)  # mid-spin: the server has answered, the wheel is turning to it
    draw = GameDraw.objects.get()
    assert draw.prize.name == "转盘5元券" and draw.coupon is not None
    screenshot(page, "games-wheel-spinning")
    page.wait_for_selector("[data-test=game-result]:visible", timeout=10_000)
    assert page.locator("[data-test=result-prize]").inner_text() == "转盘5元券"
    # The wheel stopped with the coupon's segment (index 1 of 6) under the pointer at the top.
    angle = page.evaluate(
        "() => { const m = new DOMMatrix(getComputedStyle(document.querySelector('[data-test=wheel]')).transform);"
        " return (Math.atan2(m.b, m.a) * 180 / Math.PI + 360) % 360; }"
    )
    under_pointer = ((360 - angle) % 360) // 60
    assert under_pointer == 1
    screenshot(page, "games-wheel-result")
    assert page.locator("[data-test=chances]").inner_text().count("0") >= 1

    # No chances left: the button is off and the page says why (the server refuses too: test_pages).
    page.click("button:has-text('再玩一次')")
    page.wait_for_selector("[data-test=no-chances]:visible")
    assert page.locator("[data-test=spin]").is_disabled()
    assert GameDraw.objects.count() == 1

    page.goto(f"/m/{merchant.slug}/me/game-prizes/")
    assert page.locator("[data-test=my-prize]:has-text('转盘5元券')").count() == 1
    screenshot(page, "games-my-prizes")

    # Two bottles (¥7.00) pass the ¥6 threshold: the won coupon is picked and takes ¥5 off.
    page.goto(f"/m/{merchant.slug}/p/{water.product_id}/")
    page.click("button:has-text('加入购物车')")
    page.wait_for_selector(".toast")
    page.click("button:has-text('加入购物车')")
    page.wait_for_timeout(300)
    page.goto(f"/m/{merchant.slug}/checkout/")
    page.click(f".pick:has-text('{store.name}')")
    page.wait_for_selector("[data-payable]")
    assert page.locator(".pick:has-text('转盘5元券') input").is_checked()
    assert page.locator("[data-payable]").inner_text() == "¥2.00"
    screenshot(page, "games-checkout-with-prize-coupon")
    page.click("button:has-text('提交订单')")
    page.wait_for_selector("text=支付宝")
    order = Order.objects.get(member__phone=PHONE_NUMBER)
    assert order.payable_fen == 200
    assert order.coupons.get().pk == draw.coupon_id

    # The console: the live report and the draw log with the outcome that picked the coupon.
    console, _errors = open_page()
    login(console, owner.username, PASSWORD)
    console.click("nav a:has-text('营销游戏')")
    console.click(f"a:has-text('{game.name}')")
    console.wait_for_selector("#game-kpis")
    assert console.locator("[data-kpi=draws]").inner_text() == "1"
    screenshot(console, "games-console-report")
    console.click("[data-test=make-poster]")  # 生成海报: the maker opens pointed at the game
    console.wait_for_selector("select[name=game]")
    assert console.locator("select[name=target]").input_value() == "game"
    assert console.locator("select[name=game]").input_value() == str(game.pk)
    console.wait_for_load_state("networkidle")  # the template thumbnails and the preview
    screenshot(console, "games-console-make-poster")
    console.go_back()
    console.click("#game-draw-log")
    assert console.locator("[data-col=outcome]").inner_text() == str(draw.outcome)
    screenshot(console, "games-console-draw-log")
    console.goto(f"/console/marketing/games/{game.pk}/edit/")
    console.fill("input[name=prize-1-percent]", "90")
    console.wait_for_selector("[data-test=odds-sum]:has-text('90.00%')")
    screenshot(console, "games-console-setup")


def test_a_scratch_card_and_a_golden_egg(open_page, owner, store):
    merchant = owner.merchant
    scratch = create_game(
        actor=owner,
        name="刮刮乐",
        kind="scratch",
        prizes=[
            {"name": "66积分", "kind": "points", "points": 66, "odds": 10_000},
            {"name": "谢谢参与", "kind": "thanks", "odds": 0, "is_fallback": True},
        ],
        **_window(),
    )
    egg = create_game(
        actor=owner,
        name="砸金蛋",
        kind="egg",
        free_per_day=0,
        points_per_draw=20,
        prizes=[
            {"name": "8积分", "kind": "points", "points": 8, "odds": 10_000},
            {"name": "谢谢参与", "kind": "thanks", "odds": 0, "is_fallback": True},
        ],
        **_window(),
    )
    page, _errors = open_page(viewport=PHONE)
    _login(page, merchant, "13812340078")
    page.goto(f"/m/{merchant.slug}/games/{scratch.pk}/")
    page.wait_for_selector("[data-test=scratch-card]")
    screenshot(page, "games-scratch-before")
    page.click("[data-test=scratch-start]")
    page.wait_for_selector("text=用手指刮开银色涂层")
    assert GameDraw.objects.get(game=scratch).points_awarded == 66  # decided before the scratching
    box = page.locator("[data-test=scratch-card] canvas").bounding_box()
    page.mouse.move(box["x"] + 10, box["y"] + 20)
    page.mouse.down()
    for row in range(6):
        y = box["y"] + 15 + row * (box["height"] - 30) / 5
        page.mouse.move(box["x"] + 10, y, steps=4)
        page.mouse.move(box["x"] + box["width"] * (0.35 if row == 0 else 0.95), y, steps=12)
        if row == 0:
            page.mouse.up()
            screenshot(page, "games-scratch-half")
            page.mouse.down()
    page.mouse.up()
    page.wait_for_selector("[data-test=game-result]:visible")
    assert page.locator("[data-test=result-prize]").inner_text() == "66积分"
    screenshot(page, "games-scratch-result")

    # The egg costs 20 points: the 66 just won pay for it (积分乐园).
    page.goto(f"/m/{merchant.slug}/games/points/")
    page.click(f"[data-test=game-item]:has-text('{egg.name}')")
    page.wait_for_selector("[data-test=egg]")
    screenshot(page, "games-egg-before")
    page.locator("[data-test=egg]").nth(1).click()
    page.wait_for_selector("[data-test=game-result]:visible")
    assert page.locator("[data-test=result-prize]").inner_text() == "8积分"
    draw = GameDraw.objects.get(game=egg)
    assert (draw.paid_with, draw.points_spent) == ("points", 20)
    screenshot(page, "games-egg-result")
