"""The /api/v1 root: one ninja API, one router module per domain."""

from __future__ import annotations

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from newretail.api import (
    catalog,
    catalog_io,
    inventory,
    marketing,
    orders,
    shop,
    shop_marketing,
    shop_orders,
    tenancy,
)
from newretail.api.base import STAFF_AUTH
from newretail.core.errors import CoreError, DomainError


class Api(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        # The seckill purchase is a plain Django view (speed); it is documented like the rest.
        from newretail.api.shop_seckill_buy import add_to_schema

        return add_to_schema(super().get_openapi_schema(*args, **kwargs))


api = Api(
    title="NewRetail API",
    version="1",
    description="Staff API (bearer token or console session) and shopper API (/shop/…). "
    "Errors are {code, message} with a 4xx status.",
    urls_namespace="api",
    auth=STAFF_AUTH,
)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(NinjaValidationError)
def validation_error(request, exc: NinjaValidationError):
    errors = [
        {
            "loc": [str(p) for p in e.get("loc", [])],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in exc.errors
    ]
    detail = "; ".join(
        f"{'.'.join(e['loc'][1:]) or e['loc'][0] if e['loc'] else ''}: {e['msg']}" for e in errors
    )
    body = {
        "code": CoreError.INVALID_INPUT.code,
        "message": DomainError(CoreError.INVALID_INPUT, detail=detail).message,
        "detail": errors,
    }
    return api.create_response(request, body, status=422)


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    return api.create_response(
        request, {"code": "unauthenticated", "message": "Authentication required."}, status=401
    )


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, DomainError(CoreError.NOT_FOUND).as_dict(), status=404)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    return api.create_response(
        request, {"code": f"http_{exc.status_code}", "message": str(exc)}, status=exc.status_code
    )


api.add_router("/", tenancy.router)
api.add_router("/catalog", catalog.router)
api.add_router("/catalog", catalog_io.router)
api.add_router("/inventory", inventory.router)
api.add_router("/", orders.router)
api.add_router("/shop", shop.router)
api.add_router("/shop", "newretail.api.shop_members.router")
api.add_router("/shop", shop_orders.router)
api.add_router("/", marketing.router)
api.add_router("/", "newretail.api.members.router")
api.add_router("/", "newretail.api.pos.router")
api.add_router("/", "newretail.api.pos_devices.router")
api.add_router("/shop", shop_marketing.router)
api.add_router("/", "newretail.api.groupbuy.router")
api.add_router("/shop", "newretail.api.shop_groupbuy.router")
api.add_router("/", "newretail.api.games.router")
api.add_router("/shop", "newretail.api.shop_games.router")
api.add_router("/", "newretail.api.seckill.router")
api.add_router("/shop", "newretail.api.shop_seckill.router")
api.add_router("/", "newretail.api.bargain.router")
api.add_router("/shop", "newretail.api.shop_bargain.router")
