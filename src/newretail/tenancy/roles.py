"""Staff roles and the permissions each one has. This file is the documentation: docs/roles.md is
generated from it (``manage.py document_roles``) and a test keeps the two in step.

Store-bound roles (store manager, cashier, guide) act only on the stores they are assigned to;
HQ roles (owner, HQ admin) and the warehouse clerk act on every store and warehouse of the merchant
unless stores are assigned to them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Perm(models.TextChoices):
    MERCHANT_MANAGE = "merchant.manage", _("Manage merchant settings")
    STAFF_VIEW = "staff.view", _("View staff")
    STAFF_MANAGE = "staff.manage", _("Create staff, change roles and reset passwords")
    STORES_VIEW = "stores.view", _("View stores and warehouses")
    STORES_MANAGE = "stores.manage", _("Create and edit stores and warehouses")
    CATALOG_VIEW = "catalog.view", _("View products")
    CATALOG_MANAGE = "catalog.manage", _("Create and edit products, categories and brands")
    CATALOG_PRICE = "catalog.price", _("Change list prices and cost")
    STORE_PRICE = "catalog.store_price", _("Set store price overrides")
    CATALOG_IMPORT = "catalog.import", _("Import and export products")
    INVENTORY_VIEW = "inventory.view", _("View stock and movements")
    INVENTORY_ADJUST = "inventory.adjust", _("Post stock adjustments")
    INVENTORY_PURCHASE = "inventory.purchase", _("Create purchase orders and suppliers")
    INVENTORY_RECEIVE = "inventory.receive", _("Receive goods")
    INVENTORY_TRANSFER = "inventory.transfer", _("Transfer stock between warehouses")
    INVENTORY_STOCKTAKE = "inventory.stocktake", _("Count and post stocktakes")
    MEMBERS_VIEW = "members.view", _("View members")
    WALLET_RECHARGE = "members.recharge", _("Sell stored-value recharges to members")
    MEMBERS_MANAGE = "members.manage", _("Adjust members' points and stored value, edit member settings")
    ORDERS_VIEW = "orders.view", _("View orders and after-sales requests")
    ORDERS_FULFIL = "orders.fulfil", _("Ship orders, hand over pickups and cancel unpaid orders")
    ORDERS_REFUND = "orders.refund", _("Approve after-sales requests, refund and cancel paid orders")
    MARKETING_VIEW = "marketing.view", _("View promotions, coupons and their reports")
    MARKETING_MANAGE = "marketing.manage", _("Create, edit, pause and resume promotions and coupons")
    COUPONS_ISSUE = "marketing.issue", _("Issue coupons to members and generate redeem codes")
    MALL_DECORATE = "mall.decorate", _("Decorate the mall: pages, blocks, templates and theme colours")
    POS_SELL = "pos.sell", _("Sell at the POS: open and close shifts, take payments, hold and void tickets")
    POS_OVERRIDE_PRICE = "pos.override_price", _("Authorise price overrides at the POS")
    POS_MANAGE = "pos.manage", _("Register POS terminals and set till rules (cash rounding, scale labels)")
    POS_REPORTS = "pos.reports", _("See POS shifts with X/Z reports and the store dashboard (footfall, conversion)")
    STAFF_ROSTER = "staff.roster", _("Plan the staff roster of a store")
    AUDIT_VIEW = "audit.view", _("View the audit log")
    SYSTEM_MANAGE = "system.manage", _("See and retry failed background deliveries")


ALL_PERMS = frozenset(Perm)


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    HQ_ADMIN = "hq_admin", _("HQ admin")
    STORE_MANAGER = "store_manager", _("Store manager")
    CASHIER = "cashier", _("Cashier")
    GUIDE = "guide", _("Shopping guide")
    WAREHOUSE_CLERK = "warehouse_clerk", _("Warehouse clerk")


ROLE_PERMS: dict[str, frozenset[str]] = {
    Role.OWNER: ALL_PERMS,
    # HQ admins run the business but cannot change merchant-level settings (billing, ownership).
    Role.HQ_ADMIN: ALL_PERMS - {Perm.MERCHANT_MANAGE},
    Role.STORE_MANAGER: frozenset(
        {
            Perm.STAFF_VIEW,
            Perm.STORES_VIEW,
            Perm.CATALOG_VIEW,
            Perm.STORE_PRICE,
            Perm.INVENTORY_VIEW,
            Perm.INVENTORY_ADJUST,
            Perm.INVENTORY_PURCHASE,
            Perm.INVENTORY_RECEIVE,
            Perm.INVENTORY_TRANSFER,
            Perm.INVENTORY_STOCKTAKE,
            Perm.MEMBERS_VIEW,
            Perm.WALLET_RECHARGE,
            Perm.ORDERS_VIEW,
            Perm.ORDERS_FULFIL,
            Perm.ORDERS_REFUND,
            Perm.MARKETING_VIEW,
            Perm.POS_SELL,
            Perm.POS_OVERRIDE_PRICE,
            Perm.POS_REPORTS,
            Perm.STAFF_ROSTER,
        }
    ),
    Role.CASHIER: frozenset(
        {
            Perm.POS_SELL,
            Perm.STORES_VIEW,
            Perm.CATALOG_VIEW,
            Perm.INVENTORY_VIEW,
            Perm.MEMBERS_VIEW,
            Perm.WALLET_RECHARGE,
            Perm.ORDERS_VIEW,
            Perm.ORDERS_FULFIL,
            Perm.MARKETING_VIEW,
        }
    ),
    Role.GUIDE: frozenset(
        {Perm.STORES_VIEW, Perm.CATALOG_VIEW, Perm.MEMBERS_VIEW, Perm.ORDERS_VIEW, Perm.MARKETING_VIEW}
    ),
    Role.WAREHOUSE_CLERK: frozenset(
        {
            Perm.STORES_VIEW,
            Perm.CATALOG_VIEW,
            Perm.INVENTORY_VIEW,
            Perm.INVENTORY_RECEIVE,
            Perm.INVENTORY_TRANSFER,
            Perm.INVENTORY_STOCKTAKE,
            Perm.INVENTORY_PURCHASE,
            Perm.ORDERS_VIEW,
            Perm.ORDERS_FULFIL,
        }
    ),
}

# Roles whose access is limited to the stores assigned to them (an empty assignment means none).
STORE_BOUND_ROLES = frozenset({Role.STORE_MANAGER, Role.CASHIER, Role.GUIDE})


def perms_for(role: str) -> frozenset[str]:
    return ROLE_PERMS.get(role, frozenset())
