"""The sandbox, mounted at /sandbox/ when settings.PAYMENT_SANDBOX is on. Paths below
``wechatpay/`` and ``alipay/gateway.do`` are the providers' own API paths."""

from django.urls import path

from newretail.payments.gateways.base import WECHAT_JSAPI, WECHAT_NATIVE
from newretail.payments.sandbox import alipay_views, views, wechat_views

app_name = "payments_sandbox"

V3 = "wechatpay/v3/"
urlpatterns = [
    path("", views.overview, name="overview"),
    path(V3 + "pay/transactions/jsapi", wechat_views.order, {"kind": WECHAT_JSAPI}, name="wechat_jsapi"),
    path(V3 + "pay/transactions/native", wechat_views.order, {"kind": WECHAT_NATIVE}, name="wechat_native"),
    path(V3 + "pay/transactions/out-trade-no/<str:out_trade_no>", wechat_views.query, name="wechat_query"),
    path(
        V3 + "pay/transactions/out-trade-no/<str:out_trade_no>/close", wechat_views.close, name="wechat_close"
    ),
    path(V3 + "refund/domestic/refunds", wechat_views.refund, name="wechat_refund"),
    path(
        V3 + "refund/domestic/refunds/<str:out_refund_no>",
        wechat_views.query_refund,
        name="wechat_refund_query",
    ),
    path("wechatpay/pay/micropay", wechat_views.micropay, name="wechat_micropay"),
    path("wechatpay/cashier/<str:token>", wechat_views.cashier, name="wechat_cashier"),
    path("wechatpay/jsapi", wechat_views.jsapi_cashier, name="wechat_jsapi_cashier"),
    path("alipay/gateway.do", alipay_views.gateway, name="alipay_gateway"),
    path("alipay/cashier/<str:token>", alipay_views.cashier, name="alipay_cashier"),
]
