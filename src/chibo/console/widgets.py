"""Form widgets the console shares."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

DAY_FORMAT = "%d/%m/%Y"  # as chibo/formats writes a day, in both languages


class DayInput(forms.DateInput):
    """A day typed as dd/mm/yyyy, or picked in a calendar in the page's language
    (``static/console/dates.js``); without JavaScript it is still a plain text box."""

    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None):
        base = {"data-datepicker": "", "inputmode": "numeric", "autocomplete": "off", "placeholder": _("dd/mm/yyyy")}
        super().__init__(attrs={**base, **(attrs or {})}, format=DAY_FORMAT)


def parse_day(raw: str) -> dt.date | None:
    """A typed day (the active language's input formats) or ``None``."""
    try:
        return forms.DateField().clean(raw)
    except forms.ValidationError:
        return None
