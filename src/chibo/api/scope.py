"""Outside the caller's scope is 404 before anything else (docs/api.md, ARCHITECTURE.md §1).

An endpoint resolves the ids it is given through the access helpers before it does anything, so a
valid request naming a unit, member or case the caller may not see is a 404. django-ninja, though,
validates the query string and the body before the endpoint runs: an empty or invalid body sent to a
case of another province would be a 422, telling that the case exists. So when a request's values
are refused, the ids it names are looked up first, and one outside the caller's scope turns the
answer into that 404: the path ids (``{unit_id}``, ``{member_id}``, ``{case_id}``), and where the
operation takes them, ``?unit=`` and a JSON body's ``unit``, ``cell`` and ``helper``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from chibo.admissions import queries as case_queries
from chibo.api.schemas import MAX_ID
from chibo.core.errors import NotFound
from chibo.members import queries as member_queries
from chibo.org import queries as org_queries

_ROUTE_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")  # Django's <case_id> is OpenAPI's {case_id}


def _unit(user: Any, pk: int) -> None:
    org_queries.get_unit_for_user(user, pk=pk)


def _member(user: Any, pk: int) -> None:
    member_queries.get_member_for_user(user, pk)


def _case(user: Any, pk: int) -> None:
    case_queries.get_case_for_user(user, pk)


# Every path parameter of the API that names an object; tests/api/test_scope.py fails for one not here.
PATH_IDS: dict[str, Callable[[Any, int], None]] = {"unit_id": _unit, "member_id": _member, "case_id": _case}
QUERY_IDS: dict[str, Callable[[Any, int], None]] = {"unit": _unit}
BODY_IDS: dict[str, Callable[[Any, int], None]] = {"unit": _unit, "cell": _unit, "helper": _member}


def _id(value: Any) -> int | None:
    """An id as a path, a query string or a JSON body gives it, or None when it is not one."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    return value if type(value) is int and 1 <= value <= MAX_ID else None


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body)
    except (ValueError, RecursionError):  # not JSON, or nested too deep to read
        return {}
    return body if isinstance(body, dict) else {}


@functools.cache
def _declared() -> dict[tuple[str, str], tuple[frozenset[str], frozenset[str]]]:
    """(method, path) → the names of the query parameters and of the JSON body's fields of that operation,
    from the OpenAPI document: an id is looked up only where the operation takes it."""
    from chibo.api.urls import api

    schema = api.get_openapi_schema()
    found = {}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            ref = body.get("schema", {}).get("$ref", "")
            fields = schema["components"]["schemas"][ref.rsplit("/", 1)[1]].get("properties", {}) if ref else {}
            found[(method.upper(), path)] = (frozenset(query), frozenset(fields))
    return found


def _named_ids(request: HttpRequest) -> list[tuple[Callable[[Any, int], None], Any]]:
    match = request.resolver_match
    if match is None:
        return []
    named = [(PATH_IDS[k], v) for k, v in match.kwargs.items() if k in PATH_IDS]
    query, fields = _declared().get((request.method or "", "/" + _ROUTE_PARAM.sub(r"{\1}", match.route)),
                                    (frozenset(), frozenset()))
    named += [(look, request.GET.get(k)) for k, look in QUERY_IDS.items() if k in query]
    if fields & BODY_IDS.keys():
        body = _body(request)
        named += [(look, body.get(k)) for k, look in BODY_IDS.items() if k in fields]
    return named


def outside_scope(request: HttpRequest) -> NotFound | None:
    """The :class:`NotFound` for the first id of the request the caller may not see, if any."""
    user = getattr(request, "auth", None)
    if user is None:
        return None
    for look_up, raw in _named_ids(request):
        pk = _id(raw)
        if pk is None:
            continue
        try:
            look_up(user, pk)
        except NotFound as exc:
            return exc
    return None
