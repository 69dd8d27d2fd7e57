"""Console pages: cards (issue 13)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import URLPattern

from chibo.members.models import Member

urlpatterns: list[URLPattern] = []


def member_panel(request: HttpRequest, member: Member) -> dict[str, Any] | None:
    """The member page's panel for cards: a dict with its template and context, or None."""
    return None
