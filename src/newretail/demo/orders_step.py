"""Demo step: members with addresses near the stores, payment accounts in the local sandbox, and
orders in every state the console shows — till sales paid in cash, mall orders for pickup,
same-city delivery and express paid through the sandbox (WeChat Pay and Alipay), waiting,
fulfilled and completed, a cancelled and a refunded one, and after-sales requests to handle.

Everything goes through the actions a shopper or a member of staff would use: the cart, the
checkout, the provider charge (the sandbox cashier "paid" as a shopper would), shipping, pickup
verification, after-sales approval."""

from __future__ import annotations

import random
from collections.abc import Sequence
from decimal import Decimal

from django.db.models import F

from newretail.inventory.models import StockLevel
from newretail.marketing.actions.coupons import bulk_issue
from newretail.members.actions.addresses import add_address
from newretail.members.actions.members import find_or_create_member
from newretail.members.models import Member
from newretail.orders.actions import aftersales, lifecycle
from newretail.orders.actions.cart import (
    add_to_cart,
    address_snapshot,
    cart_for_member,
    place_order_from_cart,
    view_cart,
)
from newretail.orders.actions.checkout import create_staff_order
from newretail.orders.models import Order
from newretail.payments.accounts import set_up_sandbox_account
from newretail.payments.actions import charges
from newretail.payments.models import PaymentAccount, Tender
from newretail.payments.sandbox.models import SandboxMerchant
from newretail.payments.sandbox.trades import find_trade, pay_trade
from newretail.payments.sandbox.transport import call_local
from newretail.tenancy.models import Store, User

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "晓东",
    "雨萱",
]
STREETS = {
    "JA01": ("静安区", ["常德路", "华山路", "愚园路", "延安中路", "胶州路"]),
    "LJZ02": ("浦东新区", ["浦东南路", "东方路", "银城中路", "张杨路", "商城路"]),
    "XJH03": ("徐汇区", ["天钥桥路", "宜山路", "虹桥路", "衡山路", "零陵路"]),
}
CARRIERS = ["顺丰速运", "中通快递", "圆通速递", "京东物流"]
MEMBERS_PER_STORE = 8


def _member_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _build_members(merchant_id: int, stores: dict[str, Store], rng: random.Random) -> dict[str, list[Member]]:
    """Members registered at each store, each with an address 300 m - 1.5 km from it."""
    by_store: dict[str, list[Member]] = {}
    n = 0
    for code, store in stores.items():
        district, streets = STREETS[code]
        by_store[code] = []
        for _ in range(MEMBERS_PER_STORE):
            n += 1
            name = _member_name(rng)
            member, _created = find_or_create_member(
                merchant=merchant_id,
                phone=f"139{rng.randint(1000, 9999)}{n:04d}",
                source=Member.Source.POS if n % 3 == 0 else Member.Source.MALL,
                store=store,
                name=name,
            )
            add_address(
                member=member,
                recipient=name,
                phone=member.phone,
                province="上海市",
                city="上海市",
                district=district,
                detail=f"{rng.choice(streets)}{rng.randint(10, 999)}弄{rng.randint(1, 30)}号{rng.randint(101, 1802)}室",
                latitude=store.latitude + Decimal(rng.randint(-120, 120)) / 10000,
                longitude=store.longitude + Decimal(rng.randint(-120, 120)) / 10000,
            )
            by_store[code].append(member)
    return by_store


def _in_stock(merchant_id: int, warehouse_ids: Sequence[int], minimum: int) -> list[int]:
    """Piece-sold SKUs every one of ``warehouse_ids`` has at least ``minimum`` of."""
    counts: dict[int, int] = {}
    for sku_id in (
        StockLevel.objects.filter(
            merchant_id=merchant_id, warehouse_id__in=warehouse_ids, sku__product__unit="piece"
        )
        .annotate(free=F("on_hand") - F("reserved"))
        .filter(free__gte=minimum)
        .values_list("sku_id", flat=True)
    ):
        counts[sku_id] = counts.get(sku_id, 0) + 1
    return sorted(sku_id for sku_id, seen in counts.items() if seen == len(warehouse_ids))


def _pay_in_sandbox(order: Order, member: Member, kind: str) -> Tender:
    """The shopper pays: a charge is opened, the sandbox cashier is "confirmed", and the order
    learns of it by querying the provider (its notification arrives later as a duplicate). An
    Alipay page or WAP charge exists at the provider once the shopper's browser opens its cashier,
    so the demo opens it first."""
    tender = charges.pay_order(order_id=order.pk, kind=kind, member=member, return_url="")
    account = tender.account
    sandbox = SandboxMerchant.objects.get(
        account_id=account.mch_id if account.provider == PaymentAccount.Provider.WECHAT else account.app_id
    )
    if tender.action.get("type") == "redirect":  # Alipay opens its trade when the cashier page loads
        call_local("GET", tender.action["url"], headers={}, body=b"")
    pay_trade(find_trade(sandbox, tender.out_trade_no))
    charges.query_tender(tender)
    tender.refresh_from_db()
    return tender


def _grade_and_reward(members: dict[str, list[Member]], context: dict, owner: User) -> None:
    """Give the demo members levels (a few 金卡, some 银卡) and everyone the claim-centre coupons,
    so mall orders show member prices and the best coupon at checkout."""
    levels = context.get("levels")
    templates = context.get("coupon_templates")
    if not levels or not templates:
        return
    everyone = [member for group in members.values() for member in group]
    for index, member in enumerate(everyone):
        member.level = levels["金卡会员" if index % 6 == 0 else "银卡会员" if index % 3 == 0 else "普通会员"]
        member.save(update_fields=["level"])
    for template in (templates["claim"], templates["rate"], templates["shipping"]):
        bulk_issue(actor=owner, template_id=template.pk, member_ids=[m.pk for m in everyone])


def _mall_order(member: Member, sku_ids: list[int], rng: random.Random, **checkout) -> Order:
    """A mall order from the member's cart, with the best coupons the checkout would preselect."""
    cart = cart_for_member(member)
    for sku_id in rng.sample(sku_ids, rng.randint(1, 4)):
        add_to_cart(cart=cart, sku_id=sku_id, quantity=rng.randint(1, 3))
    view = view_cart(
        cart,
        fulfilment=checkout["fulfilment"],
        store_id=checkout.get("store_id"),
        address=address_snapshot(member, checkout.get("address_id")),
    )
    coupon_ids = list(view.quote.priced.coupon_ids) if view.quote else []
    return place_order_from_cart(member=member, coupon_ids=coupon_ids, **checkout)


def build_orders(owner: User, context: dict) -> None:
    rng: random.Random = context["random"]
    merchant = context["merchant"]
    stores: dict[str, Store] = context["stores"]
    staff = {user.username: user for user in User.objects.filter(merchant=merchant)}
    for provider in PaymentAccount.Provider.values:
        set_up_sandbox_account(merchant_id=merchant.pk, provider=provider, actor=owner)
    members = _build_members(merchant.pk, stores, rng)
    _grade_and_reward(members, context, owner)
    warehouse_ids = [store.warehouses.get().pk for store in stores.values()]
    store_skus = _in_stock(merchant.pk, warehouse_ids, 30)
    central_skus = _in_stock(merchant.pk, [context["central"].pk], 30)
    managers = {"JA01": staff["ja.manager"], "LJZ02": staff["ljz.manager"], "XJH03": staff["xjh.manager"]}
    cashiers = {"JA01": staff["ja.cashier"], "LJZ02": staff["ljz.cashier"], "XJH03": staff["xjh.cashier"]}

    # Till sales, paid in cash (some by members), complete at once.
    for i in range(12):
        code = list(stores)[i % 3]
        cashier = cashiers[code]
        order = create_staff_order(
            actor=cashier,
            channel=Order.Channel.POS,
            fulfilment=Order.Fulfilment.IN_STORE,
            store_id=stores[code].pk,
            member_id=members[code][i % MEMBERS_PER_STORE].pk if i % 2 else None,
            lines=[
                {"sku_id": sku_id, "quantity": rng.randint(1, 4)}
                for sku_id in rng.sample(store_skus, rng.randint(1, 5))
            ],
        )
        charges.pay_order(order_id=order.pk, kind=Tender.Kind.CASH, actor=cashier)

    # Store pickup: waiting to be packed, ready at the counter, picked up.
    pickups = []
    for i in range(8):
        code = list(stores)[i % 3]
        member = members[code][i % MEMBERS_PER_STORE]
        order = _mall_order(member, store_skus, rng, fulfilment="pickup", store_id=stores[code].pk)
        _pay_in_sandbox(order, member, Tender.Kind.WECHAT_NATIVE if i % 2 else Tender.Kind.ALIPAY_WAP)
        pickups.append((code, order))
    for code, order in pickups[3:5]:
        lifecycle.mark_ready_for_pickup(actor=managers[code], order_id=order.pk)
    for code, order in pickups[5:]:
        order.refresh_from_db()
        lifecycle.verify_pickup(actor=cashiers[code], code=order.pickup_code)

    # Same-city delivery from the nearest store with stock.
    deliveries = []
    for i in range(5):
        code = list(stores)[i % 3]
        member = members[code][(i + 3) % MEMBERS_PER_STORE]
        address = member.addresses.get(is_default=True)
        order = _mall_order(member, store_skus, rng, fulfilment="delivery", address_id=address.pk)
        if order.payable_fen:
            _pay_in_sandbox(order, member, Tender.Kind.ALIPAY_WAP)
        deliveries.append(order)
    for order in deliveries[1:]:
        lifecycle.send_out_for_delivery(actor=owner, order_id=order.pk, note="骑手小王 13800138000")
    for order in deliveries[3:]:
        lifecycle.mark_delivered(actor=owner, order_id=order.pk)

    # Express from the central warehouse: unpaid, to ship, shipped, received.
    express = []
    for i in range(9):
        code = list(stores)[i % 3]
        member = members[code][(i + 5) % MEMBERS_PER_STORE]
        address = member.addresses.get(is_default=True)
        order = _mall_order(member, central_skus, rng, fulfilment="express", address_id=address.pk)
        express.append((member, order))
    for member, order in express[2:]:
        _pay_in_sandbox(order, member, Tender.Kind.WECHAT_NATIVE)
    for i, (_member, order) in enumerate(express[5:]):
        lifecycle.ship_order(
            actor=staff["clerk"],
            order_id=order.pk,
            carrier=CARRIERS[i % len(CARRIERS)],
            tracking_number=f"SF{1400000000000 + order.pk * 7919}",
        )
    received_member, received = express[8]
    lifecycle.confirm_receipt(member=received_member, order_id=received.pk)

    # Cancelled: one by the shopper before paying, one paid and cancelled by the store.
    unpaid_member, unpaid = express[1]
    lifecycle.cancel_order(order_id=unpaid.pk, merchant=merchant, member=unpaid_member, reason="地址填错了")
    code, waiting = pickups[0]
    lifecycle.cancel_order(
        order_id=waiting.pk, merchant=merchant, actor=managers[code], reason="顾客来电取消"
    )

    # After-sales: a refund to review, a return on its way back, a refund done.
    completed_code, completed_pickup = pickups[6]
    line = completed_pickup.lines.order_by("sku_id").first()
    aftersales.request_after_sale(
        order_id=completed_pickup.pk,
        kind="refund_only",
        reason="quality",
        description="酸奶胀包了",
        lines=[{"order_line_id": line.pk, "quantity": 1}],
        member=completed_pickup.member,
    )
    shipped_member, shipped = express[6]
    line = shipped.lines.order_by("sku_id").first()
    returning = aftersales.request_after_sale(
        order_id=shipped.pk,
        kind="return_refund",
        reason="wrong_item",
        description="发错口味了",
        lines=[{"order_line_id": line.pk, "quantity": 1}],
        member=shipped_member,
    )
    aftersales.approve_after_sale(actor=owner, after_sale_id=returning.pk, note="请寄回，运费我们承担")
    aftersales.record_return_shipment(
        member=shipped_member, after_sale_id=returning.pk, carrier="顺丰速运", tracking_number="SF1499900001"
    )
    refund_code, refunded_pickup = pickups[7]
    line = refunded_pickup.lines.order_by("sku_id").first()
    aftersales.refund_at_counter(
        actor=managers[refund_code],
        order_id=refunded_pickup.pk,
        kind="refund_only",
        reason="changed_mind",
        lines=[{"order_line_id": line.pk, "quantity": 1}],
    )
