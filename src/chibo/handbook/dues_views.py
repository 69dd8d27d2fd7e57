"""Handbook pages: dues (issue 13). "My dues": the member's monthly amount and how it is computed,
their exemption or reduction, this year's months, payments with receipts, unpaid months."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils import timezone

from chibo.dues import queries
from chibo.handbook.views import _page, handbook_page
from chibo.members.models import Member


@handbook_page
def my_dues(request: HttpRequest, member: Member) -> HttpResponse:
    dues = queries.member_dues(member, today=timezone.localdate())
    return _page(request, "handbook/dues.html", member, {"dues": dues}, tab="dues")


urlpatterns: list[URLPattern] = [
    path("dues/", my_dues, name="dues"),
]
