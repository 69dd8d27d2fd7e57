"""Every answer is JSON in one error shape, whatever the client sends; the OpenAPI document."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from tests.api.conftest import Api

INVALID = "The request has invalid values: see the fields below."


def test_the_openapi_document_lists_every_operation_and_both_credentials(db):
    response = Client().get("/api/v1/openapi.json")

    schema = response.json()
    operations = sorted((method.upper(), path) for path, item in schema["paths"].items() for method in item)
    assert response.status_code == 200
    assert operations == [
        ("GET", "/api/v1/admissions/cases"), ("GET", "/api/v1/admissions/cases/{case_id}"),
        ("GET", "/api/v1/admissions/inbox"), ("GET", "/api/v1/admissions/overdue"),
        ("GET", "/api/v1/cards/me"), ("GET", "/api/v1/cards/units/{unit_id}/badges"),
        ("GET", "/api/v1/dues/me"), ("GET", "/api/v1/dues/units/{unit_id}/arrears"),
        ("GET", "/api/v1/members/"), ("GET", "/api/v1/members/{member_id}"), ("GET", "/api/v1/notifications"),
        ("GET", "/api/v1/privacy/me"), ("GET", "/api/v1/quality/my-review"),
        ("GET", "/api/v1/quality/units/{unit_id}/results"),
        ("GET", "/api/v1/quality/units/{unit_id}/reviews"), ("GET", "/api/v1/transfers/"), ("GET", "/api/v1/units/"),
        ("GET", "/api/v1/units/{unit_id}"), ("GET", "/api/v1/units/{unit_id}/as-of"),
        ("GET", "/api/v1/units/{unit_id}/children"), ("GET", "/api/v1/units/{unit_id}/subtree"),
        ("PATCH", "/api/v1/admissions/cases/{case_id}"), ("PATCH", "/api/v1/members/{member_id}"),
        ("POST", "/api/v1/admissions/cases"), ("POST", "/api/v1/admissions/cases/{case_id}/steps"),
        ("POST", "/api/v1/members/"), ("POST", "/api/v1/notifications/read"),
    ]
    assert schema["components"]["securitySchemes"] == {
        "BearerToken": {"type": "http", "scheme": "bearer"},
        "ConsoleSession": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
    }


def test_unknown_paths_and_methods_answer_in_json(api):
    client = api.admin.client

    missing = client.get("/api/v1/nothing/here", headers=api.admin.headers)
    wrong_method = client.delete("/api/v1/units/", headers=api.admin.headers)
    index = client.get("/api/v1/")

    assert (missing.status_code, missing.json()) == (404, {"detail": "Not found.", "errors": {}})
    assert (wrong_method.status_code, wrong_method.json(), wrong_method["Allow"]) == (
        405, {"detail": "This method is not allowed here.", "errors": {}}, "GET")
    assert index.json() == {"title": "Chibo API", "version": "1", "openapi": "http://testserver/api/v1/openapi.json",
                            "docs": "http://testserver/api/v1/docs"}


def test_the_interactive_documentation_is_served_from_here(db):
    response = Client().get("/api/v1/docs")
    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/ninja/swagger-ui-bundle.js" in html and "cdn" not in html.lower()


def test_a_body_that_is_not_json_is_a_400(api, cast):
    response = api.province.client.post("/api/v1/members/", "{not json", content_type="application/json",
                                        headers=api.province.headers)

    assert (response.status_code, response.json()) == (400, {"detail": "The request body is not valid JSON.",
                                                              "errors": {}})


def test_a_body_that_is_not_an_object_is_a_422(api):
    response = api.province.post("/members/", [1, 2])

    assert (response.status, response.json) == (
        422, {"detail": INVALID, "errors": {"__all__": ["Send a JSON object."]}})


@pytest.mark.parametrize(("path", "params", "errors"), [
    ("/units/{big}", {}, {"unit_id": ["Enter a number of at most 9223372036854775807."]}),
    ("/units/0", {}, {"unit_id": ["Enter a number of at least 1."]}),
    ("/members/{big}", {}, {"member_id": ["Enter a number of at most 9223372036854775807."]}),
    ("/members/", {"unit": "{big}", "limit": "0"},
     {"unit": ["Enter a number of at most 9223372036854775807."], "limit": ["Enter a number of at least 1."]}),
    ("/members/", {"q": "an\x00"}, {"q": [
        "The text contains a control character (U+0000) at position 3: delete it and type the text again."]}),
    ("/members/", {"status": "alive"},
     {"status": ["Choose one of: 'current', 'probationary', 'official', 'exempted', 'removed', 'expelled', 'resigned', "
                 "'deceased'."]}),
    ("/units/{root}/subtree", {"after": "x'; --", "depth": "-1"},
     {"after": ["The value has the wrong format."], "depth": ["Enter a number of at least 0."]}),
    ("/units/{root}/as-of", {"date": "99999-01-01"}, {"date": ["Enter a date as YYYY-MM-DD."]}),
])
def test_hostile_input_is_a_422_with_field_messages(api, cast, path, params, errors, caplog):
    big = str(2**70)
    params = {k: v.replace("{big}", big) for k, v in params.items()}
    # a real unit: since the scope is checked first, an id that exists nowhere is a 404 (ids are
    # not reused on PostgreSQL, so 1 is not the root there)
    path = path.replace("{big}", big).replace("{root}", str(cast.tree.root.pk))

    with caplog.at_level(logging.WARNING, logger="chibo.api"):
        response = api.admin.get(path, **params)

    assert (response.status, response.json) == (422, {"detail": INVALID, "errors": errors})
    assert [r for r in caplog.records if r.name == "chibo.api"] == []


def test_the_largest_ids_are_simply_not_found(api, cast):
    largest = 2**63 - 1

    assert api.admin.get(f"/units/{largest}").status == 404
    assert api.admin.get(f"/members/{largest}").status == 404
    assert api.admin.get("/members/", unit=largest).status == 404
    end = api.admin.get(f"/units/{cast.tree.root.pk}/subtree", after="9" * 255)
    assert (end.status, end.json) == (200, {"items": [], "next": None})


def test_messages_follow_the_requested_language(api, cast):
    english = api.admin.get("/units/999999")
    vietnamese = Api(api.raw["admin"], language="vi").get("/units/999999")

    invalid = Api(api.raw["admin"], language="vi").get(f"/units/{cast.tree.k.pk}/as-of", date="mai")
    unauthenticated = Api(None, language="vi").get("/units/")

    assert (english.raw["Content-Language"], vietnamese.raw["Content-Language"]) == ("en", "vi")
    assert english.json == {"detail": "No such unit.", "errors": {}}
    assert vietnamese.json == {"detail": "Không có tổ chức đảng này.", "errors": {}}
    assert invalid.json == {"detail": "Yêu cầu có giá trị không hợp lệ: xem các trường dưới đây.",
                            "errors": {"date": ["Hãy nhập ngày theo dạng YYYY-MM-DD."]}}
    assert unauthenticated.json["detail"] == "Cần xác thực: hãy gửi mã truy cập (bearer token) hợp lệ."
