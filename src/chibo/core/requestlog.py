"""Structured logs: one JSON object per line (``CHIBO_LOG_FORMAT=json``), and one access line per
request with its view, status, duration, user id and request id (docs/operations.md "Health,
metrics and logs"). The request's latency also goes to the Prometheus histogram here.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

from chibo.core.jsonlog import request_id
from chibo.core.metrics import observe_request

access_log = logging.getLogger("chibo.access")
# an id nginx ($request_id, 32 hex digits) or another proxy sends; anything else is replaced
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
PROBES = frozenset({"healthz", "readyz", "metrics"})


class RequestLogMiddleware:
    """First in ``MIDDLEWARE``: gives the request its id (``X-Request-ID`` from nginx, else a new
    one, also sent back), times it, counts it in the latency histogram and writes its access line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        rid = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        request.request_id = rid  # type: ignore[attr-defined]
        token = request_id.set(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            view = view_name(request)
            observe_request(view=view, method=request.method or "", status=response.status_code, seconds=seconds)
            response["X-Request-ID"] = rid
            level = logging.DEBUG if view in PROBES else logging.INFO
            if access_log.isEnabledFor(level):
                access_log.log(level, "%s %s %s %.1f ms", request.method, request.path, response.status_code,
                               seconds * 1000, extra=access_fields(request, response, view=view, seconds=seconds))
            return response
        finally:
            request_id.reset(token)


def view_name(request: HttpRequest) -> str:
    """The resolved URL's name (``console:home``): bounded, never the raw path."""
    probe = getattr(request, "chibo_view", None)
    if probe:
        return probe
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else "unresolved"


def access_fields(request: HttpRequest, response: HttpResponse, *, view: str, seconds: float) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "method": request.method, "path": request.path, "view": view, "status": response.status_code,
        "duration_ms": round(seconds * 1000, 1), "user_id": user_id(request), "client": client_address(request),
    }
    alias = getattr(request, "chibo_read_alias", None)
    if alias:
        fields["db"] = alias
    return fields


def user_id(request: HttpRequest) -> int | None:
    """The user's id when the request already looked them up (an access line makes no query)."""
    user = request.__dict__.get("user")
    if user is None or (isinstance(user, SimpleLazyObject) and user._wrapped is empty):
        return None
    return user.pk if getattr(user, "is_authenticated", False) else None


def client_address(request: HttpRequest) -> str:
    """The client's address: the last ``X-Forwarded-For`` entry behind the TLS proxy (the one it
    appended, as the log-in lockout counts it), else the connection's."""
    if "HTTP_X_FORWARDED_FOR" in settings.AXES_IPWARE_META_PRECEDENCE_ORDER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")
