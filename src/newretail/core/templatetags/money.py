from django import template

from newretail.core.money import format_fen

register = template.Library()


@register.filter(name="fen")
def fen_filter(value):
    """{{ sku.price_fen|fen }} -> ¥12.50"""
    if value in (None, ""):
        return ""
    return format_fen(int(value))


@register.filter(name="yuan")
def yuan_filter(value):
    """{{ sku.price_fen|yuan }} -> 12.50 (for form inputs)"""
    if value in (None, ""):
        return ""
    return format_fen(int(value), symbol="")
