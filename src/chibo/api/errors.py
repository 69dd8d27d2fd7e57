"""Every error as JSON: ``{"detail": "...", "errors": {"field": ["message", ...]}}``.

Domain errors keep their translated field messages; request validation errors from pydantic are
reshaped to the same form with messages in the request's language. Input that slips past the
declared validation (a value the database refuses) is a 400 and is logged as a warning, so that
the fuzzing test can insist it never happens; anything else is a logged JSON 500.
"""

from __future__ import annotations

import logging
from typing import Any

import pydantic
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from chibo.api import scope
from chibo.core.errors import DomainError, NotFound, PermissionDenied

logger = logging.getLogger("chibo.api")

ALL_FIELDS = "__all__"


def error_body(detail: Any, errors: dict[str, list] | None = None) -> dict[str, Any]:
    return {"detail": str(detail), "errors": {k: [str(m) for m in v] for k, v in (errors or {}).items()}}


def _respond(api: NinjaAPI, request: HttpRequest, status: int, detail: Any,
             errors: dict[str, list] | None = None) -> HttpResponse:
    return api.create_response(request, error_body(detail, errors), status=status)


def _not_found_message(exc: NotFound) -> str:
    known = {"unit": _("No such unit."), "member": _("No such member."), "case": _("No such case.")}
    text = str(exc.message)
    return known.get(text, text) or _("Not found.")


def _status_messages() -> dict[int, str]:
    return {
        400: _("The request body is not valid JSON."),
        401: _("Authentication required: send a valid bearer token."),
        403: _("You may not do this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        429: _("Too many requests."),
    }


def _pydantic_message(error: dict[str, Any]) -> str:
    """A translated message for one pydantic error (its English ``msg`` as the last resort)."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    simple = {
        "missing": _("This field is required."),
        "extra_forbidden": _("This field is not allowed here."),
        "string_type": _("Enter text."),
        "int_parsing": _("Enter a whole number."),
        "int_type": _("Enter a whole number."),
        "int_from_float": _("Enter a whole number."),
        "bool_parsing": _("Enter true or false."),
        "bool_type": _("Enter true or false."),
        "date_parsing": _("Enter a date as YYYY-MM-DD."),
        "date_type": _("Enter a date as YYYY-MM-DD."),
        "date_from_datetime_parsing": _("Enter a date as YYYY-MM-DD."),
        "date_from_datetime_inexact": _("Enter a date as YYYY-MM-DD."),
        "string_pattern_mismatch": _("The value has the wrong format."),
        "model_type": _("Send a JSON object."),
        "model_attributes_type": _("Send a JSON object."),
        "dict_type": _("Send a JSON object."),
    }
    if kind in simple:
        return simple[kind]
    if kind == "string_too_long":
        return _("Enter at most %(n)s characters.") % {"n": ctx.get("max_length")}
    if kind == "string_too_short":
        return _("Enter at least %(n)s characters.") % {"n": ctx.get("min_length")}
    if kind == "greater_than_equal":
        return _("Enter a number of at least %(n)s.") % {"n": ctx.get("ge")}
    if kind == "less_than_equal":
        return _("Enter a number of at most %(n)s.") % {"n": ctx.get("le")}
    if kind in ("literal_error", "enum"):
        values = str(ctx.get("expected", "")).replace("' or '", "', '")  # pydantic writes "'a', 'b' or 'c'"
        return _("Choose one of: %(values)s.") % {"values": values}
    if kind == "value_error" and ctx.get("error"):
        return str(ctx["error"])
    return str(error.get("msg", _("Invalid value.")))


def _field_name(loc: tuple | list) -> str:
    """``("body", "payload", "full_name")`` → ``full_name``; ``("query", "q")`` → ``q``."""
    parts = list(loc[1:])
    if loc and loc[0] == "body" and parts:
        parts = parts[1:]
    return ".".join(str(p) for p in parts) or ALL_FIELDS


def validation_errors(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        fields.setdefault(_field_name(error.get("loc", ())), []).append(_pydantic_message(error))
    return fields


def install(api: NinjaAPI) -> None:
    """Register the JSON error handlers on ``api``."""

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        if isinstance(exc, NotFound):
            return _respond(api, request, 404, _not_found_message(exc))
        status = 403 if isinstance(exc, PermissionDenied) else 422
        fallback = _("You may not do this.") if status == 403 else _("The request was not accepted.")
        return _respond(api, request, status, exc.message or fallback, exc.field_errors)

    @api.exception_handler(NinjaValidationError)
    def invalid_request(request, exc: NinjaValidationError):
        hidden = scope.outside_scope(request)  # 404 before 422: see chibo.api.scope
        if hidden is not None:
            return domain_error(request, hidden)
        return _respond(api, request, 422, _("The request has invalid values: see the fields below."),
                        validation_errors(exc.errors))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc: AuthenticationError):
        response = _respond(api, request, 401, _status_messages()[401])
        response["WWW-Authenticate"] = 'Bearer realm="chibo"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        hidden = scope.outside_scope(request) if exc.status_code == 400 else None  # a body that is not JSON
        if hidden is not None:
            return domain_error(request, hidden)
        generic = exc.message in ("Cannot parse request body", "Forbidden", "Unauthorized", "")
        detail = _status_messages().get(exc.status_code, exc.message) if generic else exc.message
        return _respond(api, request, exc.status_code, detail)

    @api.exception_handler(Http404)
    def not_found(request, exc: Http404):
        return _respond(api, request, 404, _("Not found."))

    def unexpected_input(request: HttpRequest, exc: Any) -> HttpResponse:
        logger.warning("API input not caught by validation: %s %s: %r", request.method, request.path, exc)
        return _respond(api, request, 400, _("The request could not be processed: check the values sent."))

    def server_error(request: HttpRequest, exc: Any) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path)
        return _respond(api, request, 500, _("Internal error: it has been logged."))

    refused: tuple[type[Exception], ...] = (ValueError, OverflowError, DjangoValidationError, DataError)
    for kind in refused:
        api.add_exception_handler(kind, unexpected_input)
    # a response that does not fit its schema is our bug, not the caller's (it is a ValueError)
    bugs: tuple[type[Exception], ...] = (Exception, pydantic.ValidationError)
    for kind in bugs:
        api.add_exception_handler(kind, server_error)


def json_error(status: int) -> HttpResponse:
    """A plain Django response in the error format (for URLs and methods ninja does not route)."""
    import json

    body = json.dumps(error_body(_status_messages()[status]))
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
