"""``POST /api/v1/shop/{merchant_slug}/seckills/{seckill_item_id}/buy``: the seckill purchase, the
one shopper route served outside django-ninja.

A seckill is a flood: thousands of members tap "buy" in the same second, and every microsecond of
the request is paid thousands of times over. Through ninja this route cost 25 times the web
stack's own cost per request (bench/bench_seckill.py): the token lookup through the ORM, the
walk through 700 URL patterns to reach it, ninja's parsing and answer. Here it is a plain Django
view at the top of the URL list: the body is validated by the same ``BuyIn`` schema, the member
token is checked by the stock path in the round trip that takes the pieces (``queue_seckill``
with ``member_token``; the Redis path reads the token mirror inside its Lua script), and the
answer is the purchase's state as the take left it. It answers exactly as the ninja routes do
(the ``{code, message}`` error body, 422 with ``detail`` for a bad body) and is documented in the
OpenAPI schema by ``add_to_schema`` (``api.urls``), so clients and schemathesis see it as any
other operation.
"""

from __future__ import annotations

import json
import re
import threading
import time

import pydantic
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from newretail.api.shop_seckill import MAX_ID, BuyIn, SeckillPurchaseOut, purchase_out
from newretail.core.errors import CoreError, DomainError, not_found
from newretail.marketing.seckill.buying import queue_seckill
from newretail.tenancy.models import Merchant

PATH = (
    r"^api/v1/shop/(?P<merchant_slug>[a-z0-9][a-z0-9-]{1,39})/seckills/(?P<seckill_item_id>[0-9]{1,19})/buy$"
)
BEARER = re.compile(r"^Bearer\s+(\S+)\s*$", re.IGNORECASE)

# The answers while the order is being written, as ``SeckillPurchaseOut`` would write them.
WAITING = {
    status: json.dumps({"status": status, "settled": False, "order": None, "error": None}).encode()
    for status in ("queued", "writing")
}

# Merchants by slug, remembered for a second: a flood asks for the same one thousands of times.
MERCHANT_SECONDS = 1.0
_merchants: dict[str, tuple[float, int | None]] = {}
_merchants_lock = threading.Lock()


def _merchant_id(slug: str) -> int:
    found = _merchants.get(slug)
    if found is None or found[0] < time.monotonic():
        merchant_id = Merchant.objects.filter(slug=slug, is_active=True).values_list("pk", flat=True).first()
        found = (time.monotonic() + MERCHANT_SECONDS, merchant_id)
        with _merchants_lock:
            _merchants[slug] = found
    if found[1] is None:
        raise not_found()
    return found[1]


def _bearer(request: HttpRequest) -> str | None:
    found = BEARER.match(request.META.get("HTTP_AUTHORIZATION", ""))  # META: no header map built
    return found.group(1) if found else None


def _token_opens(slug: str, token: str | None) -> bool:
    from newretail.members.actions.token_mirror import member_id_for

    try:
        return token is not None and member_id_for(token, _merchant_id(slug)) is not None
    except DomainError:  # no such merchant
        return False


def _answer(body: dict, status: int) -> HttpResponse:
    return HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type="application/json")


def _invalid(error: pydantic.ValidationError) -> HttpResponse:
    """The same 422 body as the ninja routes' (``api.urls.validation_error``); a body that is not
    JSON at all is a ``json_invalid`` error of the same kind."""
    errors = [
        {"loc": ["body", "body", *map(str, e["loc"])], "msg": e["msg"], "type": e["type"]}
        for e in error.errors(include_url=False)
    ]
    detail = "; ".join(f"{'.'.join(e['loc'][2:]) or 'body'}: {e['msg']}" for e in errors)
    body = DomainError(CoreError.INVALID_INPUT, detail=detail).as_dict()
    return _answer({**body, "detail": errors}, 422)


@csrf_exempt  # a bearer-token route: no cookie is read, so no cross-site request can ride on one
def buy(request: HttpRequest, merchant_slug: str, seckill_item_id: str) -> HttpResponse:
    if request.method != "POST":
        return _answer({"code": "http_405", "message": "Method not allowed"}, 405)
    token = _bearer(request)
    try:
        item_id = int(seckill_item_id)
        if not 0 < item_id <= MAX_ID:
            raise not_found()
        merchant_id = _merchant_id(merchant_slug)
        if token is None:
            raise DomainError(CoreError.UNAUTHENTICATED)
        try:
            body = BuyIn.model_validate_json(request.body or b"{}")
        except pydantic.ValidationError as error:
            return _invalid(error)
        state = queue_seckill(
            member_token=token,
            merchant_id=merchant_id,
            item_id=item_id,
            quantity=body.quantity,
            fulfilment=body.fulfilment,
            store_id=body.store_id,
            address_id=body.address_id,
            buyer_note=body.buyer_note,
            idempotency_key=request.META.get("HTTP_IDEMPOTENCY_KEY"),
        )
    except DomainError as error:
        if error.status != 401 and not _token_opens(merchant_slug, token):
            # Refused before the token was looked at (an unknown item, a paused seckill): the
            # token still comes first, as on every member route, so that nothing of a merchant
            # is learnt with another merchant's token, or none.
            error = DomainError(CoreError.UNAUTHENTICATED)
        return _answer(error.as_dict(), error.status)
    waiting = WAITING.get(state.status)
    if waiting is not None:  # the usual answer, written once
        return HttpResponse(waiting, status=202, content_type="application/json")
    return HttpResponse(purchase_out(state).model_dump_json(), status=202, content_type="application/json")


def _operation() -> tuple[dict, list[type[pydantic.BaseModel]]]:
    """The route's OpenAPI operation, written as ninja writes its own (schemas as components)."""
    from newretail.api.base import ErrorOut, ValidationErrorOut

    def ref(name: str) -> dict:
        return {"$ref": f"#/components/schemas/{name}"}

    def answer(description: str, schema: str) -> dict:
        return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}

    errors = {str(code): answer("Error", "ErrorOut") for code in (400, 401, 404, 409, 429, 503)}
    return {
        "operationId": "newretail_api_shop_seckill_buy",
        "summary": "Buy",
        "description": "Take the pieces and queue the order at the seckill price (202): poll "
        "``…/purchase`` until ``settled``, then pay the order as any order before it expires "
        "(5 minutes unless the campaign says). Served outside ninja for speed "
        "(newretail.api.shop_seckill_buy).",
        "tags": ["shop seckill"],
        "parameters": [
            {
                "in": "path",
                "name": "merchant_slug",
                "required": True,
                "schema": {
                    "type": "string",
                    "minLength": 2,
                    "maxLength": 40,
                    "pattern": "^[a-z0-9][a-z0-9-]*$",
                },
            },
            {
                "in": "path",
                "name": "seckill_item_id",
                "required": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            },
            {
                "in": "header",
                "name": "Idempotency-Key",
                "required": False,
                "schema": {"type": "string", "maxLength": 64},
            },
        ],
        "requestBody": {"content": {"application/json": {"schema": ref("BuyIn")}}, "required": True},
        "responses": {
            "202": answer("Accepted", "SeckillPurchaseOut"),
            **errors,
            "422": answer("Error", "ValidationErrorOut"),
        },
        "security": [{"MemberBearer": []}],
    }, [BuyIn, SeckillPurchaseOut, ErrorOut, ValidationErrorOut]


def add_to_schema(schema: dict) -> dict:
    """Put the operation and the schemas it names into ninja's OpenAPI ``schema``."""
    operation, models = _operation()
    schema["paths"]["/api/v1/shop/{merchant_slug}/seckills/{seckill_item_id}/buy"] = {"post": operation}
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in models:
        found = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update({k: v for k, v in found.pop("$defs", {}).items() if k not in components})
        components.setdefault(model.__name__, found)
    return schema
