"""Template filters of the income pages: basis points as percentages, fen as yuan, whole shares grouped."""

from __future__ import annotations

from django import template

from kechuang.core.money import Money

register = template.Library()


@register.filter
def bp_percent(value: int | None) -> str:
    """9,700 → "97%", 3,333 → "33.33%" (exact: basis points have two decimals of a percent)."""
    if value is None:
        return ""
    whole, part = divmod(abs(int(value)), 100)
    sign = "-" if int(value) < 0 else ""
    return f"{sign}{whole}.{part:02d}%" if part else f"{sign}{whole}%"


@register.filter
def fen(value: int | None) -> str:
    """An amount in fen as yuan to the fen: 48,500,000 → "¥485,000.00"."""
    return "" if value is None else Money(int(value)).format()


@register.filter
def grouped(value: int | None) -> str:
    """A whole number with thousands separators: 12500000 → "12,500,000"."""
    return "" if value is None else f"{int(value):,}"
