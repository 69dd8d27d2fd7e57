"""A page instead of an empty answer when an address made for a button is opened as a page."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

# Interfaces that answer in JSON keep their own 405 answers.
JSON_PREFIXES = ("/api/",)


class MethodNotAllowedPageMiddleware:
    """``require_POST`` answers a GET with an empty 405: render ``405.html`` in its place (same
    status and ``Allow`` header), with a link back to the page the person came from."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or response.content or request.path.startswith(JSON_PREFIXES):
            return response
        back = request.headers.get("Referer", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = ""
        page = render(request, "405.html", {"back": back}, status=405)
        if "Allow" in response:
            page["Allow"] = response["Allow"]
        return page
