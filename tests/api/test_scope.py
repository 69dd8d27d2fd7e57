"""Outside the caller's scope is 404 on every route of the API, before the query string or the body is
looked at; inside the scope an invalid body is still a 422 with its field messages.

The routes are read from the OpenAPI document, so a new endpoint is walked too: its path ids must be
known to ``chibo.api.scope`` and it must answer 404 for another province's objects.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.test import Client

from chibo.api import scope
from tests.factories.admissions import open_case

INVALID = "The request has invalid values: see the fields below."
# the operations that name no unit, member or case: they only ever show the caller's own things
WITHOUT_IDS = {("GET", "/api/v1/units/"), ("GET", "/api/v1/notifications"), ("POST", "/api/v1/notifications/read"),
               ("GET", "/api/v1/quality/my-review"),
               # the caller's own card, dues and "who can see my data" (issue 13)
               ("GET", "/api/v1/cards/me"), ("GET", "/api/v1/dues/me"), ("GET", "/api/v1/privacy/me")}
NOT_FOUND = {"unit_id": "No such unit.", "member_id": "No such member.", "case_id": "No such case.",
             "unit": "No such unit.", "cell": "No such unit."}


def _operations() -> list[tuple[str, str, dict]]:
    schema = Client().get("/api/v1/openapi.json").json()
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            ref = (operation.get("requestBody") or {}).get("content", {}).get("application/json", {})
            body = schema["components"]["schemas"][ref["schema"]["$ref"].rsplit("/", 1)[1]] if ref else {}
            found.append((method.upper(), path, {
                "path": [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"],
                "query": [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"],
                "body": sorted(set(body.get("properties", {})) & set(scope.BODY_IDS)) if ref else None,
            }))
    return found


def _outside(cast) -> dict[str, int]:
    """Objects of the sibling province Nam Lâm."""
    return {"unit_id": cast.tree.qk.pk, "member_id": cast.far_m.pk, "case_id": open_case(cast.tree.qk).pk,
            "unit": cast.tree.qk.pk, "cell": cast.tree.qk.pk, "helper": cast.far_m.pk}


def _bodies(ids: dict[str, int], named: list[str] | None) -> list[str | None]:
    """Bodies to send: none, empty, not JSON, wrong shape, wrong types; with the body's own ids."""
    if named is None:
        return [None]
    own = {k: ids[k] for k in named}
    variants = [{}, {"to": 0, "on": 0, "sex": 5, "is_army": 1}, {"nonsense": True}]
    plain = [] if own else ["", "{not json", "[1, 2]"]  # a body that cannot be read names no id
    return plain + [json.dumps(own | v) for v in variants]


def _call(api_client, method: str, url: str, body: str | None, query: dict[str, object]):
    client, headers = api_client.client, api_client.headers
    if body is None:
        return getattr(client, method.lower())(url, data=query, headers=headers)
    if query:
        url += "?" + urlencode(query)
    return getattr(client, method.lower())(url, body, content_type="application/json", headers=headers)


def test_every_path_id_of_the_api_is_checked_for_scope(db):
    operations = _operations()

    assert {name for _m, _p, params in operations for name in params["path"]} <= set(scope.PATH_IDS)
    assert {(m, p) for m, p, params in operations
            if not params["path"] and "unit" not in params["query"] and not params["body"]} == WITHOUT_IDS


@pytest.mark.parametrize("persona", ["province", "secretary", "commune"])
def test_every_route_answers_404_for_another_provinces_objects_whatever_it_is_sent(api, cast, persona):
    ids = _outside(cast)
    walked = set()
    for method, path, params in _operations():
        if (method, path) in WITHOUT_IDS:
            continue
        url = path.removeprefix("/api/v1")
        for name in params["path"]:
            url = url.replace("{" + name + "}", str(ids[name]))
        queries: list[dict[str, object]] = [{}]
        if "unit" in params["query"]:
            queries = [{"unit": ids["unit"]}, {"unit": ids["unit"], "limit": 0, "after": "\x00"}]
        elif "limit" in params["query"] or "date" in params["query"]:
            queries += [{"limit": 0, "date": 0}]
        named = params["path"][:1] or ([k for k in params["body"] or [] if k != "helper"] or ["unit"])[:1]
        for query in queries:
            for body in _bodies(ids, params["body"]):
                response = _call(getattr(api, persona), method, f"/api/v1{url}", body, query)
                walked.add((method, path))
                assert (response.status_code, response.json()) == (
                    404, {"detail": NOT_FOUND[named[0]], "errors": {}}), (method, path, query, body)
    assert len(walked) == 20


def test_inside_the_scope_an_empty_or_invalid_body_is_still_a_422(api, cast):
    case = open_case(cast.tree.k)

    empty = api.province.post(f"/admissions/cases/{case.pk}/steps", {})
    wrong = api.province.patch(f"/members/{cast.plain_m.pk}", {"is_army": 1, "sex": "X"})
    body_id = api.province.post("/members/", {"unit": cast.tree.k.pk})

    assert (empty.status, empty.json) == (422, {"detail": INVALID, "errors": {
        "to": ["This field is required."], "on": ["This field is required."]}})
    assert (wrong.status, wrong.json) == (422, {"detail": INVALID, "errors": {
        "sex": ["Choose one of: 'M', 'F'."], "is_army": ["Enter true or false."]}})
    assert (body_id.status, sorted(body_id.json["errors"])) == (422, ["birth_date", "citizen_id", "full_name", "sex"])


@pytest.mark.parametrize("persona", ["province", "secretary"])
def test_the_inbox_is_404_for_a_unit_outside_the_scope_and_403_for_one_inside(api, cast, persona):
    outside = getattr(api, persona).get("/admissions/inbox", unit=cast.tree.qk.pk)
    inside = getattr(api, persona).get("/admissions/inbox", unit=cast.tree.k.pk)

    assert (outside.status, outside.json) == (404, {"detail": "No such unit.", "errors": {}})
    assert (inside.status, inside.json) == (403, {"detail": "You may not do this.", "errors": {}})


def test_an_id_the_operation_does_not_take_is_refused_as_such_not_looked_up(api, cast):
    notifications = api.province.get("/notifications", unit=cast.tree.qk.pk, limit=0)
    patch = api.province.patch(f"/members/{cast.plain_m.pk}", {"unit": cast.tree.qk.pk})

    assert (notifications.status, notifications.json) == (422, {"detail": INVALID, "errors": {
        "limit": ["Enter a number of at least 1."]}})
    assert (patch.status, patch.json) == (422, {"detail": INVALID, "errors": {
        "unit": ["This field is not allowed here."]}})


def test_a_body_too_deeply_nested_to_read_is_a_400_not_a_server_error(api, cast):
    response = api.province.client.post("/api/v1/members/", "[" * 100_000, content_type="application/json",
                                        headers=api.province.headers)

    assert (response.status_code, response.json()) == (400, {"detail": "The request body is not valid JSON.",
                                                              "errors": {}})
