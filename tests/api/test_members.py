"""Members through the API: persona matrix, filters, paging, masking, create/update, query counts."""

from __future__ import annotations

import pytest

from chibo.core.models import AuditEntry
from chibo.members.models import Member
from tests.api.conftest import PERSONAS
from tests.factories.registry import make_member

SAVED_NOTHING = "The member was not saved: correct the fields marked below."
INVALID = "The request has invalid values: see the fields below."


def _new_member(unit_id: int, **extra) -> dict:
    return {"unit": unit_id, "full_name": "Nguyễn  Thị Hoa", "sex": "F", "birth_date": "1995-05-05",
            "citizen_id": "0011 9500 0123", "phone": "0912 000 111", "status": "probationary",
            "admission_date": "2024-03-01", "religion": "catholicism"} | extra


def _names(response) -> list[str]:
    return [m["full_name"] for m in response.json["items"]]


# ------------------------------------------------------------------ the persona matrix

LIST = {"admin": 4, "province": 3, "commune": 3, "secretary": 3, "member": 1, "outsider": 1}
DETAIL = {"admin": 200, "province": 200, "commune": 200, "secretary": 200, "member": 200, "outsider": 404,
          "anonymous": 401}
CREATE = {"admin": 201, "province": 201, "commune": 403, "secretary": 403, "member": 404, "outsider": 404,
          "anonymous": 401}
# the member may read their own record but not change it (403)
UPDATE = {"admin": 200, "province": 200, "commune": 403, "secretary": 403, "member": 403, "outsider": 404,
          "anonymous": 401}
READ_ONLY = {"detail": "You may view but not change the members of this unit.", "errors": {}}


@pytest.mark.parametrize("persona", PERSONAS)
def test_member_list_is_scoped_per_persona(api, persona):
    response = getattr(api, persona).get("/members/")

    assert (response.status, len(response.json["items"]), response.json["next"]) == (200, LIST[persona], None)


def test_member_list_needs_authentication(api):
    assert api.anonymous.get("/members/").status == 401


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_member_detail_follows_the_persona_matrix(api, cast, persona):
    response = getattr(api, persona).get(f"/members/{cast.plain_m.pk}")

    assert response.status == DETAIL[persona]
    if response.status == 404:
        assert response.json == {"detail": "No such member.", "errors": {}}


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_member_create_follows_the_persona_matrix(api, cast, persona):
    response = getattr(api, persona).post("/members/", _new_member(cast.tree.k.pk))

    assert response.status == CREATE[persona]
    assert Member.objects.filter(full_name="Nguyễn Thị Hoa").count() == (1 if response.status == 201 else 0)
    if response.status == 403:
        assert response.json == READ_ONLY


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_member_update_follows_the_persona_matrix(api, cast, persona):
    response = getattr(api, persona).patch(f"/members/{cast.plain_m.pk}", {"phone": "0911111111"})

    cast.plain_m.refresh_from_db()
    assert response.status == UPDATE[persona]
    assert cast.plain_m.phone == ("0911111111" if response.status == 200 else "0987654321")
    if response.status == 403:
        assert response.json == READ_ONLY


def test_a_member_cannot_see_or_change_someone_else(api, cast):
    assert api.member.get(f"/members/{cast.other_m.pk}").json == {"detail": "No such member.", "errors": {}}
    assert api.member.patch(f"/members/{cast.other_m.pk}", {"phone": "0911111111"}).status == 404


# ------------------------------------------------------------------ detail and masking


def test_detail_masks_sensitive_fields_for_the_secretary_and_audits_the_view(api, cast):
    m = cast.plain_m

    secretary = api.secretary.get(f"/members/{m.pk}").json
    province = api.province.get(f"/members/{m.pk}").json

    sensitive = ("citizen_id", "phone", "ethnicity", "religion", "masked")
    assert {k: secretary[k] for k in sensitive} == {
        "citizen_id": "••••••••" + m.citizen_id[-4:], "phone": "098•••••21", "ethnicity": "•••",
        "religion": "•••", "masked": True}
    assert {k: province[k] for k in sensitive} == {
        "citizen_id": m.citizen_id, "phone": "0987654321", "ethnicity": "01", "religion": "none", "masked": False}
    assert {k: v for k, v in secretary.items() if k not in sensitive} == \
        {k: v for k, v in province.items() if k not in sensitive}
    views = AuditEntry.objects.filter(action="members.viewed", object_id=str(m.pk)).order_by("id")
    assert [(e.actor_id, e.payload) for e in views] == [
        (cast.secretary.pk, {"sensitive": False}), (cast.province.pk, {"sensitive": True})]


def test_a_member_sees_their_own_record_unmasked(api, cast):
    response = api.secretary.get(f"/members/{cast.sec_m.pk}")

    assert (response.json["religion"], response.json["masked"]) == ("buddhism", False)


# ------------------------------------------------------------------ create and update


def test_create_registers_the_member_and_returns_the_profile(api, cast):
    k = cast.tree.k

    response = api.province.post("/members/", _new_member(k.pk))

    member = Member.objects.get(full_name="Nguyễn Thị Hoa")
    assert response.status == 201
    assert response.json == {
        "id": member.pk, "full_name": "Nguyễn Thị Hoa", "birth_name": "", "sex": "F", "birth_date": "1995-05-05",
        "email": "", "home_town": "", "birth_place": "", "residence": "", "education_grade": 12,
        "qualification": "none", "political_theory": "none", "foreign_language": "", "occupation_before": "",
        "occupation": "other", "youth_union": False, "is_army": False, "is_police": False, "is_retired": False,
        "admission_date": "2024-03-01", "ceremony_date": None, "ceremony_place": "", "official_date": None,
        "card_number": None, "background_sheet_no": "", "status": "probationary",
        "status_since": "2024-03-01",
        "unit": {"id": k.pk, "code": "K", "name": "Chi bộ Giáo viên 1"}, "temp_unit": None,
        "citizen_id": "001195000123", "phone": "0912000111", "ethnicity": "01", "religion": "catholicism",
        "masked": False,
    }
    assert AuditEntry.objects.filter(action="members.created", object_id=str(member.pk)).count() == 1
    counts = api.province.get(f"/units/{k.pk}").json["counts"]
    assert (counts["total"], counts["probationary"], counts["religious"]) == (4, 1, 2)


def test_create_reports_shape_errors_per_field(api, cast):
    body = {"unit": "K", "sex": "X", "birth_date": "1990-13-01", "full_name": "a" * 121, "citizen_id": 5,
            "education_grade": 13, "nickname": "Hoa"}

    response = api.province.post("/members/", body)

    assert (response.status, response.json) == (422, {"detail": INVALID, "errors": {
        "full_name": ["Enter at most 120 characters."],
        "sex": ["Choose one of: 'M', 'F'."],
        "birth_date": ["Enter a date as YYYY-MM-DD."],
        "citizen_id": ["Enter text."],
        "education_grade": ["Enter a number of at most 12."],
        "unit": ["Enter a whole number."],
        "nickname": ["This field is not allowed here."],
    }})


def test_create_reports_missing_fields(api):
    response = api.province.post("/members/", {})

    assert response.json["errors"] == {f: ["This field is required."]
                                       for f in ("unit", "full_name", "sex", "birth_date", "citizen_id")}


def test_create_reports_the_domain_rules_per_field(api, cast):
    body = _new_member(cast.tree.k.pk, citizen_id="001095000123", admission_date=None, card_number="A1")

    response = api.province.post("/members/", body)

    assert (response.status, response.json) == (422, {"detail": SAVED_NOTHING, "errors": {
        "citizen_id": ["The citizen ID does not match the sex entered (fourth digit)."],
        "admission_date": ["Enter the admission decision date."],
        "card_number": ["Party cards are issued to official members only."],
    }})
    assert Member.objects.filter(full_name="Nguyễn Thị Hoa").exists() is False


def test_members_are_placed_in_cells_only(api, cast):
    response = api.province.post("/members/", _new_member(cast.tree.g.pk))

    assert response.json["errors"] == {"unit": ["Members are placed in a cell or a grassroots cell."]}


def test_update_changes_only_the_fields_sent(api, cast):
    m = cast.plain_m

    response = api.province.patch(f"/members/{m.pk}", {"phone": "0911 111 111", "education_grade": 9})

    assert response.status == 200
    assert (response.json["phone"], response.json["education_grade"], response.json["full_name"]) == \
        ("0911111111", 9, "Đặng Văn An")
    entry = AuditEntry.objects.get(action="members.updated", object_id=str(m.pk))
    assert entry.payload == {"phone": "•••", "education_grade": 9}


@pytest.mark.parametrize(("body", "errors"), [
    ({"phone": None}, {"phone": ["Enter text."]}),
    ({"full_name": "Đặng\x00An"}, {"full_name": [
        "The text contains a control character (U+0000) at position 5: delete it and type the text again."]}),
    ({"home_town": "=HYPERLINK(1)", "residence": "\u202eHà Nội"}, {
        "home_town": ["A name or place cannot start with “=”: delete the sign at the start."],
        "residence": ["The text contains an invisible formatting character (U+202E) at position 1: delete it and "
                      "type the text again."]}),
    ({"unit": 1}, {"unit": ["This field is not allowed here."]}),
    ({"email": "not-an-address"}, {"email": ["Enter a valid e-mail address."]}),
    ({"education_grade": 10**30}, {"education_grade": ["Enter a number of at most 12."]}),
])
def test_update_refuses_malformed_values(api, cast, body, errors):
    response = api.province.patch(f"/members/{cast.plain_m.pk}", body)

    assert (response.status, response.json) == (422, {"detail": INVALID, "errors": errors})


def test_update_applies_the_domain_rules(api, cast):
    response = api.province.patch(f"/members/{cast.plain_m.pk}", {"official_date": None, "phone": "12"})

    assert (response.status, response.json) == (422, {"detail": SAVED_NOTHING, "errors": {
        "phone": ["Enter a Vietnamese phone number, e.g. 0912345678 or +84912345678."],
        "official_date": ["An official member needs the official member date."],
    }})


# ------------------------------------------------------------------ filters and paging


@pytest.mark.parametrize(("params", "names"), [
    ({"sex": "F"}, ["Trần Thị Bình"]),
    ({"religion": "buddhism"}, ["Trần Thị Bình"]),
    ({"q": "dang"}, ["Đặng Văn An"]),
    ({"q": "hoang cuong"}, ["Lê Hoàng Cường"]),
    ({"status": "probationary"}, ["Hồ Văn Tư"]),
    ({"status": "official", "age_band": "46-60"}, ["Lê Hoàng Cường", "Trần Thị Bình"]),
    ({"ethnicity": "01", "education": "12", "age_band": "30-45"}, ["Đặng Văn An", "Hồ Văn Tư"]),
    ({"education": "lt9"}, []),
])
def test_list_filters_like_the_console(api, cast, params, names):
    make_member(cast.tree.k2, "Hồ Văn Tư", status="probationary", birth_date=cast.plain_m.birth_date)

    response = api.province.get("/members/", **params)

    assert (response.status, _names(response)) == (200, names)


def test_list_shows_every_status_unless_asked_for_current_members(api, cast):
    make_member(cast.tree.k2, "Phạm Văn Cũ", status="removed")

    assert "Phạm Văn Cũ" in _names(api.province.get("/members/"))
    assert "Phạm Văn Cũ" not in _names(api.province.get("/members/", status="current"))
    assert _names(api.province.get("/members/", status="removed")) == ["Phạm Văn Cũ"]


def test_list_by_unit_and_by_citizen_id(api, cast):
    t = cast.tree
    assert _names(api.province.get("/members/", unit=t.k2.pk)) == []
    assert _names(api.province.get("/members/", q=cast.other_m.citizen_id)) == ["Lê Hoàng Cường"]
    assert api.province.get("/members/", unit=t.qk.pk).json == {"detail": "No such unit.", "errors": {}}


def test_list_pages_by_name_with_a_cursor(api, cast):
    first = api.province.get("/members/", limit=2)
    second = api.province.get("/members/", limit=2, after=first.json["next"])

    assert (_names(first), first.json["next"] is not None) == (["Đặng Văn An", "Lê Hoàng Cường"], True)
    assert (_names(second), second.json["next"]) == (["Trần Thị Bình"], None)


def test_an_unreadable_cursor_starts_from_the_beginning(api, cast):
    # garbage, a float overflow, an id no column holds, a NUL in the name: never a server error
    for cursor in ("!!!", "WyJhIiwgSW5maW5pdHld", "WyJhIiwgMTAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwXQ", "WyJhXHUwMDAwIiwgMV0"):
        response = api.province.get("/members/", after=cursor)
        assert (response.status, len(response.json["items"])) == (200, 3)


def test_list_takes_the_same_queries_for_one_or_three_members(api, cast, django_assert_num_queries):
    t = cast.tree
    make_member(t.k2, "Vũ Thị Hoa", sex="F")
    for expected in (1, 3):
        api.commune.get("/members/", unit=t.k2.pk)  # warm-up: the token's "last used" stamp
        with django_assert_num_queries(4):  # token, grants, the unit, the page
            response = api.commune.get("/members/", unit=t.k2.pk)
        assert len(response.json["items"]) == expected
        make_member(t.k2, "Vũ Văn Nam")
        make_member(t.k2, "Vũ Văn Bắc")


def test_unscoped_list_takes_the_same_queries_for_one_or_three_members(api, django_assert_num_queries):
    for client, expected in ((api.member, 1), (api.secretary, 3)):
        client.get("/members/")
        with django_assert_num_queries(3):  # token, grants, the page
            response = client.get("/members/")
        assert len(response.json["items"]) == expected
