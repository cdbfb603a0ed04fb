"""The console's left navigation, by domain. An entry shows only to roles with its permission."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from newretail.tenancy.roles import Perm


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    perm: str | None = None


@dataclass(frozen=True)
class NavSection:
    label: str
    items: tuple[NavItem, ...]


NAV: tuple[NavSection, ...] = (
    NavSection(_("Overview"), (NavItem(_("Dashboard"), "console:home"),)),
    NavSection(
        _("Orders"),
        (
            NavItem(_("Orders"), "console:order_list", Perm.ORDERS_VIEW),
            NavItem(_("After-sales"), "console:after_sale_list", Perm.ORDERS_VIEW),
            NavItem(_("Pickup verification"), "console:pickup_verify", Perm.ORDERS_FULFIL),
        ),
    ),
    NavSection(
        _("Members"),
        (
            NavItem(_("Members"), "console:member_list", Perm.MEMBERS_VIEW),
            NavItem(_("Levels and points rules"), "console:member_rules", Perm.MEMBERS_MANAGE),
            NavItem(_("Membership cards"), "console:card_plans", Perm.MEMBERS_MANAGE),
            NavItem(_("Points mall"), "console:points_mall_items", Perm.MEMBERS_MANAGE),
            NavItem(_("Stored value setup"), "console:stored_value", Perm.MEMBERS_MANAGE),
        ),
    ),
    NavSection(
        _("Catalog"),
        (
            NavItem(_("Products"), "console:product_list", Perm.CATALOG_VIEW),
            NavItem(_("Categories"), "console:category_list", Perm.CATALOG_VIEW),
            NavItem(_("Brands"), "console:brand_list", Perm.CATALOG_VIEW),
            NavItem(_("Tags"), "console:tag_list", Perm.CATALOG_VIEW),
            NavItem(_("Import / export"), "console:product_import", Perm.CATALOG_IMPORT),
        ),
    ),
    NavSection(
        _("Inventory"),
        (
            NavItem(_("Stock"), "console:stock_list", Perm.INVENTORY_VIEW),
            NavItem(_("Movements"), "console:movement_list", Perm.INVENTORY_VIEW),
            NavItem(_("Low stock"), "console:low_stock", Perm.INVENTORY_VIEW),
            NavItem(_("Purchase orders"), "console:purchase_order_list", Perm.INVENTORY_PURCHASE),
            NavItem(_("Suppliers"), "console:supplier_list", Perm.INVENTORY_PURCHASE),
            NavItem(_("Transfers"), "console:transfer_list", Perm.INVENTORY_TRANSFER),
            NavItem(_("Stocktakes"), "console:stocktake_list", Perm.INVENTORY_STOCKTAKE),
        ),
    ),
    NavSection(
        _("Marketing"),
        (
            NavItem(_("Promotions"), "console:promotion_list", Perm.MARKETING_VIEW),
            NavItem(_("Coupons"), "console:coupon_template_list", Perm.MARKETING_VIEW),
            NavItem(_("Seckill"), "console:seckill_list", Perm.MARKETING_VIEW),
            NavItem(_("Group buy"), "console:groupbuy_list", Perm.MARKETING_VIEW),
            NavItem(_("Bargains"), "console:bargain_list", Perm.MARKETING_VIEW),
            NavItem(_("Marketing reports"), "console:marketing_reports", Perm.MARKETING_VIEW),
            NavItem(_("Lottery games"), "console:game_list", Perm.MARKETING_VIEW),
            NavItem(_("Share posters"), "console:poster_list", Perm.MARKETING_VIEW),
            NavItem(_("Traffic sources"), "console:source_report", Perm.MARKETING_VIEW),
        ),
    ),
    NavSection(
        _("Store POS"),
        (
            NavItem(_("POS setup"), "console:pos_setup", Perm.POS_MANAGE),
            NavItem(_("POS shifts"), "console:pos_shift_list", Perm.POS_REPORTS),
            NavItem(_("Store dashboard"), "console:pos_dashboard", Perm.POS_REPORTS),
            NavItem(_("Staff roster"), "console:pos_roster", Perm.STAFF_ROSTER),
            NavItem(_("Scan-to-buy exit codes"), "console:pos_exit_verify", Perm.ORDERS_FULFIL),
        ),
    ),
    NavSection(
        _("Mall"),
        (NavItem(_("Shop decoration"), "console:decoration_pages", Perm.MALL_DECORATE),),
    ),
    NavSection(
        _("Organisation"),
        (
            NavItem(_("Stores"), "console:store_list", Perm.STORES_VIEW),
            NavItem(_("Warehouses"), "console:warehouse_list", Perm.STORES_VIEW),
            NavItem(_("Staff"), "console:staff_list", Perm.STAFF_VIEW),
            NavItem(_("Audit log"), "console:audit_list", Perm.AUDIT_VIEW),
            NavItem(_("Background jobs"), "console:job_list"),
            NavItem(_("Event deliveries"), "console:event_delivery_list", Perm.SYSTEM_MANAGE),
            NavItem(_("Payment settings"), "console:payment_settings", Perm.MERCHANT_MANAGE),
            NavItem(_("Payment notifications"), "console:payment_notification_list", Perm.SYSTEM_MANAGE),
        ),
    ),
)


def nav_for(user, current_path: str) -> list[dict]:
    """The sections and items ``user`` may see; the item whose URL is the longest prefix of the
    current path is active (so /console/products/import/ marks 导入 / 导出, not 商品列表)."""
    home = reverse("console:home")
    sections = []
    for section in NAV:
        items = []
        for item in section.items:
            if item.perm and not user.has_perm_code(item.perm):
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:  # a domain whose pages are not installed yet
                continue
            items.append({"label": item.label, "url": url, "active": False})
        if items:
            sections.append({"label": section.label, "items": items})
    matches = [
        item
        for section in sections
        for item in section["items"]
        if current_path == item["url"] or (item["url"] != home and current_path.startswith(item["url"]))
    ]
    if matches:
        max(matches, key=lambda item: len(item["url"]))["active"] = True
    return sections
