"""Writes of the marketing domain, one module per subject. Every action takes a keyword-only ``actor``
(or the member acting)."""

from newretail.marketing.actions.shipping import update_shipping_settings

__all__ = ["update_shipping_settings"]
