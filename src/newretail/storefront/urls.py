"""The mall's pages (namespace ``storefront``), mounted at /m/<slug>/ by config.urls and at the
root of a merchant's own host by storefront.host_urls. Views take ``merchant_slug`` only in path
mode; ``mall_page`` resolves the merchant either way."""

from django.urls import path

from newretail.storefront.views import account, catalog, checkout, coupons, home, orders, seo, stores, wallet
from newretail.storefront.views import bargain as bargain_views
from newretail.storefront.views import games as game_views
from newretail.storefront.views import groupbuy as groupbuy_views
from newretail.storefront.views import scan_to_buy as scan_views
from newretail.storefront.views import seckill as seckill_views

app_name = "storefront"

urlpatterns = [
    path("", home.home, name="home"),
    path("pages/<slug:page_key>/", home.decorated_page, name="page"),
    path("category/", catalog.categories, name="category"),
    path("search/", catalog.search, name="search"),
    path("p/<int:product_id>/", catalog.product, name="product"),
    path("p/<int:product_id>/share/", catalog.share, name="share_product"),
    path("cart/", checkout.cart, name="cart"),
    path("cart/add/", checkout.add_to_cart, name="cart_add"),
    path("cart/lines/<int:sku_id>/", checkout.update_line, name="cart_line"),
    path("cart/accept-prices/", checkout.accept_prices, name="cart_accept_prices"),
    path("checkout/", checkout.checkout, name="checkout"),
    path("orders/", orders.order_list, name="orders"),
    path("orders/<int:order_id>/", orders.order_detail, name="order"),
    path("orders/<int:order_id>/pay/", orders.pay, name="pay"),
    path("orders/<int:order_id>/cancel/", orders.cancel, name="order_cancel"),
    path("orders/<int:order_id>/receipt/", orders.confirm_receipt, name="order_receipt"),
    path("orders/<int:order_id>/after-sale/", orders.after_sale, name="after_sale"),
    path("orders/<int:order_id>/pickup-qr.svg", orders.pickup_qr, name="pickup_qr"),
    path("login/", account.login, name="login"),
    path("logout/", account.logout, name="logout"),
    path("me/", account.me, name="me"),
    path("me/points/", account.points, name="my_points"),
    path("me/points/mall/", wallet.points_mall, name="points_mall"),
    path("me/points/mall/<int:item_id>/", wallet.points_mall_goods, name="points_mall_goods"),
    path("me/wallet/", wallet.wallet, name="my_wallet"),
    path("me/code/", wallet.member_code, name="member_code"),
    path("me/cards/", wallet.my_cards, name="my_cards"),
    path("me/privacy/", wallet.privacy, name="privacy"),
    path("me/profile/", wallet.profile, name="profile"),
    path("me/privacy/my-data.json", wallet.my_data, name="my_data"),
    path("me/addresses/", account.addresses, name="addresses"),
    path("me/addresses/new/", account.address_form, name="address_new"),
    path("me/addresses/<int:address_id>/", account.address_form, name="address_edit"),
    path("me/coupons/", coupons.my_coupons, name="my_coupons"),
    path("coupons/", coupons.claim_centre, name="coupons"),
    path("coupons/<int:template_id>/claim/", coupons.claim, name="claim_coupon"),
    path("coupons/redeem/", coupons.redeem, name="redeem_coupon"),
    path("seckill/", seckill_views.seckill_list, name="seckill"),
    path("seckill/<int:item_id>/", seckill_views.seckill_buy, name="seckill_buy"),
    path("seckill/<int:item_id>/status/", seckill_views.seckill_status, name="seckill_status"),
    path("games/", game_views.game_list, name="games"),
    path("games/points/", game_views.points_playground, name="points_playground"),
    path("games/<int:game_id>/", game_views.game_page, name="game"),
    path("games/<int:game_id>/draw/", game_views.game_draw, name="game_draw"),
    path("me/game-prizes/", game_views.my_prizes, name="my_game_prizes"),
    path("me/game-prizes/<int:draw_id>/claim/", game_views.claim, name="claim_game_gift"),
    path("stores/", stores.store_list, name="stores"),
    path("stores/choose/", stores.choose, name="choose_store"),
    path("scan/", scan_views.choose_store, name="scan"),
    path("scan/<int:store_id>/", scan_views.basket, name="scan_basket"),
    path("scan/<int:store_id>/add/", scan_views.add, name="scan_add"),
    path("scan/<int:store_id>/remove/", scan_views.remove, name="scan_remove"),
    path("scan/<int:store_id>/checkout/", scan_views.checkout, name="scan_checkout"),
    path("scan/orders/<int:order_id>/pay/", scan_views.pay, name="scan_pay"),
    path("scan/orders/<int:order_id>/", scan_views.exit_code, name="scan_exit"),
    path("groupbuys/", groupbuy_views.groupbuy_list, name="groupbuys"),
    path("groupbuys/<int:item_id>/", groupbuy_views.groupbuy_item, name="groupbuy_item"),
    path("groupbuys/<int:item_id>/open/", groupbuy_views.groupbuy_open, name="groupbuy_open"),
    path("g/<str:token>/", groupbuy_views.groupbuy_group, name="groupbuy_group"),
    path("g/<str:token>/join/", groupbuy_views.groupbuy_join, name="groupbuy_join"),
    path("g/<str:token>/qr.svg", groupbuy_views.groupbuy_qr, name="groupbuy_qr"),
    path("me/groupbuys/", groupbuy_views.my_groupbuys, name="my_groupbuys"),
    path("bargain/", bargain_views.campaigns, name="bargains"),
    path("bargain/<int:campaign_id>/", bargain_views.campaign, name="bargain_campaign"),
    path("bargain/<int:campaign_id>/start/", bargain_views.start, name="bargain_start"),
    path("bargain/mine/", bargain_views.my_bargains, name="my_bargains"),
    path("bargain/mine/<int:bargain_id>/", bargain_views.detail, name="bargain"),
    path("bargain/mine/<int:bargain_id>/buy/", bargain_views.buy, name="bargain_buy"),
    path("bargain/h/<str:share_code>/", bargain_views.help_page, name="bargain_help"),
    path("bargain/h/<str:share_code>/qr.svg", bargain_views.share_qr, name="bargain_qr"),
    path("robots.txt", seo.robots, name="robots"),
    path("sitemap.xml", seo.sitemap, name="sitemap"),
]
