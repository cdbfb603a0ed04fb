"""Orders' part of the tenant isolation test (tests/test_isolation.py): a builder of a paid order
with an after-sales request (with a photo) and a refund, and the console routes that address
them. Every object is in a state where the owner's own GET succeeds.

Wire it in tests/test_isolation.py with:

    from tests.orders import isolation as orders_isolation
    WORLD_EXTENSIONS.append(orders_isolation.build)
    CONSOLE_OBJECTS.update(orders_isolation.CONSOLE_OBJECTS)
    API_PARAMS.update(orders_isolation.API_PARAMS)
    API_BODIES.update(orders_isolation.API_BODIES)
"""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile

from newretail.orders.actions.aftersales import approve_after_sale, request_after_sale
from newretail.orders.actions.checkout import create_order
from newretail.payments.actions.charges import pay_order
from newretail.payments.models import Refund
from tests.inventory.conftest import make_sku, receive

ADDRESS = {
    "recipient": "王五",
    "phone": "13700001234",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "detail": "文三路1号",
}


def png_upload(name: str = "photo.png", colour: tuple[int, int, int] = (200, 40, 40)) -> SimpleUploadedFile:
    """A small real PNG (the photo check reads the content, not the name)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), colour).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def paid_order(owner, store, warehouse, sku, quantity: int = 3, **overrides):
    arguments = {
        "merchant": owner.merchant_id,
        "channel": "mall",
        "fulfilment": "express",
        "store_id": store.pk,
        "warehouse_id": warehouse.pk,
        "lines": [{"sku_id": sku.pk, "quantity": quantity}],
        "address": ADDRESS,
    }
    arguments.update(overrides)
    order = create_order(**arguments)
    pay_order(order_id=order.pk, kind="cash", actor=owner)
    order.refresh_from_db()
    return order


def build(owner, world: dict) -> dict:
    """A paid express order of 3 units: one unit in an open after-sales request with a photo,
    one unit refunded through an approved request (a succeeded cash refund)."""
    store, warehouse = world["store"], world["warehouse"]
    sku = make_sku(owner.merchant_id, name="隔离测试矿泉水", price_fen=300)
    receive(warehouse, sku, 10)
    order = paid_order(owner, store, warehouse, sku)
    line = order.lines.get()
    one = [{"order_line_id": line.pk, "quantity": 1}]
    open_request = request_after_sale(
        order_id=order.pk, kind="refund_only", reason="quality", lines=one, actor=owner, photos=[png_upload()]
    )
    refunded = request_after_sale(
        order_id=order.pk, kind="refund_only", reason="changed_mind", lines=one, actor=owner
    )
    approve_after_sale(actor=owner, after_sale_id=refunded.pk)
    # The member's own paid pickup order (with its code) and an open request on it.
    member = world["member"]
    pickup = create_order(
        merchant=owner.merchant_id,
        channel="mall",
        fulfilment="pickup",
        store_id=store.pk,
        lines=[{"sku_id": sku.pk, "quantity": 2}],
        member=member,
    )
    pay_order(order_id=pickup.pk, kind="cash", actor=owner)
    member_request = request_after_sale(
        order_id=pickup.pk,
        kind="refund_only",
        reason="quality",
        lines=[{"order_line_id": pickup.lines.get().pk, "quantity": 1}],
        member=member,
    )
    return {
        "console_order": order,
        "console_after_sale": open_request,
        "console_after_sale_photo": open_request.photos.get(),
        "console_refund": Refund.objects.get(after_sale=refunded),
        "console_tender": order.payment.tenders.get(),
        "member_order": pickup,
        "member_after_sale": member_request,
    }


CONSOLE_OBJECTS: dict[str, str] = {
    "order_detail": "console_order",
    "order_start_fulfilment": "console_order",
    "order_ship": "console_order",
    "order_out_for_delivery": "console_order",
    "order_delivered": "console_order",
    "order_ready_for_pickup": "console_order",
    "order_cancel": "console_order",
    "order_refund": "console_order",
    "refund_retry": "console_refund",
    "after_sale_detail": "console_after_sale",
    "after_sale_approve": "console_after_sale",
    "after_sale_reject": "console_after_sale",
    "after_sale_receive": "console_after_sale",
    "after_sale_photo": "console_after_sale_photo",
}

API_PARAMS: dict[str, str] = {
    "order_id": "console_order",
    "after_sale_id": "console_after_sale",
    "refund_id": "console_refund",
    "tender_id": "console_tender",
}


def _one_unit_of(key: str):
    return lambda world: {
        "kind": "refund_only",
        "reason": "quality",
        "lines": [{"order_line_id": world[key].lines.get().pk, "quantity": 1}],
    }


API_BODIES: dict[tuple[str, str], object] = {
    ("POST", "/api/v1/orders/{order_id}/start-fulfilment"): {},
    ("POST", "/api/v1/orders/{order_id}/ship"): {"carrier": "顺丰速运", "tracking_number": "SF1000"},
    ("POST", "/api/v1/orders/{order_id}/out-for-delivery"): {"note": ""},
    ("POST", "/api/v1/orders/{order_id}/delivered"): {},
    ("POST", "/api/v1/orders/{order_id}/ready-for-pickup"): {},
    ("POST", "/api/v1/orders/{order_id}/cancel"): {"reason": "隔离测试"},
    ("POST", "/api/v1/orders/{order_id}/payments"): {"kind": "cash"},
    ("POST", "/api/v1/orders/{order_id}/refunds"): _one_unit_of("console_order"),
    ("POST", "/api/v1/tenders/{tender_id}/poll"): {},
    ("POST", "/api/v1/after-sales/{after_sale_id}/approve"): {"note": ""},
    ("POST", "/api/v1/after-sales/{after_sale_id}/reject"): {"note": "隔离测试"},
    ("POST", "/api/v1/after-sales/{after_sale_id}/receive"): {
        "lines": [{"after_sale_line_id": 1, "restock": 1}]
    },
    ("POST", "/api/v1/refunds/{refund_id}/retry"): {},
}

# Member routes (/api/v1/shop/{merchant_slug}/…): the world's member's own order and request.
MEMBER_PARAMS: dict[str, str] = {"order_id": "member_order", "after_sale_id": "member_after_sale"}

MEMBER_BODIES: dict[tuple[str, str], object] = {
    ("POST", "/api/v1/shop/{merchant_slug}/orders"): {"fulfilment": "pickup"},
    ("POST", "/api/v1/shop/{merchant_slug}/orders/{order_id}/cancel"): {"reason": ""},
    ("POST", "/api/v1/shop/{merchant_slug}/orders/{order_id}/confirm-receipt"): {},
    ("POST", "/api/v1/shop/{merchant_slug}/orders/{order_id}/pay"): {"kind": "wechat_native"},
    ("POST", "/api/v1/shop/{merchant_slug}/orders/{order_id}/after-sales"): _one_unit_of("member_order"),
    ("POST", "/api/v1/shop/{merchant_slug}/after-sales/{after_sale_id}/photos"): lambda world: {
        "photo": png_upload()
    },
    ("POST", "/api/v1/shop/{merchant_slug}/after-sales/{after_sale_id}/withdraw"): {},
    ("POST", "/api/v1/shop/{merchant_slug}/after-sales/{after_sale_id}/return-shipment"): {
        "carrier": "顺丰速运",
        "tracking_number": "SF1000",
    },
}
