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
    return f"{'-' if number < 0 else ''}{grouped} đ"


@register.filter
def month_label(value: Any) -> str:
    return f"{value:%m/%Y}" if value else ""


@register.filter
def lookup(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if mapping else None
