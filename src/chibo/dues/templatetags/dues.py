"""Template filters of the dues pages: money in VND, grouped as the language writes it."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import get_format

register = template.Library()


@register.filter
def vnd(value: Any) -> str:
    """``85000`` → ``85.000 đ`` (Vietnamese) or ``85,000 đ`` (English); integers only."""
    if value is None or value == "":
        return "—"
    number = int(value)
    grouped = f"{abs(number):,}".replace(",", get_format("THOUSAND_SEPARATOR"))
    return f"{'-' if number < 0 else ''}{grouped}\u00a0đ"  # never "đ" alone at the start of a line


@register.filter
def month_label(value: Any) -> str:
    return f"{value:%m/%Y}" if value else ""


@register.filter
def lookup(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if mapping else None


@register.filter
def permille_percent(value: Any) -> str:
    """A share in per mille as a percentage: ``300`` → ``30%``, ``125`` → ``12.5%`` (``12,5%`` in Vietnamese)."""
    whole, tenths = divmod(int(value), 10)
    return f"{whole}{get_format('DECIMAL_SEPARATOR')}{tenths}%" if tenths else f"{whole}%"
