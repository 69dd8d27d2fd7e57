"""Units through the API: the persona matrix, exact JSON, paging, history and query counts."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.accounts.models import RoleGrant
from chibo.accounts.policy import SYSTEM
from chibo.org import services as unit_services
from chibo.restructuring import services as restructuring
from tests.api.conftest import PERSONAS
from tests.factories.registry import make_member, make_unit

ALLOWED_ON_K = {"admin": 200, "province": 200, "commune": 200, "secretary": 200, "member": 404,
                "outsider": 404, "anonymous": 401}
UNIT_OPERATIONS = ["/units/{id}", "/units/{id}/children", "/units/{id}/subtree", "/units/{id}/as-of?date=2024-01-01"]


def _unit(u, members: int) -> dict:
    return {"id": u.pk, "code": u.code, "name": u.name, "kind": u.kind, "sector": u.sector,
            "parent_id": u.parent_id, "path": u.path, "depth": u.depth, "opened_on": "2020-01-01",
            "closed_on": None, "successor_id": None, "member_count": members}


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
@pytest.mark.parametrize("operation", UNIT_OPERATIONS)
def test_unit_operations_follow_the_persona_matrix(api, cast, persona, operation):
    path, _sep, query = operation.format(id=cast.tree.k.pk).partition("?")
    params = dict([query.split("=")]) if query else {}

    response = getattr(api, persona).get(path, **params)

    assert response.status == ALLOWED_ON_K[persona]
    if response.status == 404:
        assert response.json == {"detail": "No such unit.", "errors": {}}


@pytest.mark.parametrize("operation", UNIT_OPERATIONS)
def test_the_outsider_sees_their_own_province_and_the_province_officer_does_not(api, cast, operation):
    path, _sep, query = operation.format(id=cast.tree.qk.pk).partition("?")
    params = dict([query.split("=")]) if query else {}

    assert api.outsider.get(path, **params).status == 200
    assert api.province.get(path, **params).status == 404


def test_scope_roots_per_persona(api, cast):
    t = cast.tree
    expected = {"admin": [t.root.pk], "province": [t.p.pk], "commune": [t.c.pk], "secretary": [t.k.pk],
                "member": [], "outsider": [t.q.pk]}
    for persona, ids in expected.items():
        response = getattr(api, persona).get("/units/")
        assert (response.status, [u["id"] for u in response.json]) == (200, ids)
    assert api.anonymous.get("/units/").status == 401


def test_unit_detail_has_counts_scoped_ancestors_and_charter_warnings(api, cast):
    t = cast.tree

    response = api.commune.get(f"/units/{t.k2.pk}")

    zero = dict.fromkeys(["total", "probationary", "official", "exempted", "women", "ethnic_minority",
                          "religious", "youth_union", "student", "non_state_enterprise", "residential",
                          "civil_servant", "entrepreneur"], 0)
    assert response.status == 200
    assert response.json == _unit(t.k2, 0) | {
        "ancestors": [{"id": t.c.pk, "code": "C", "name": "Xã Đông Sơn"},
                      {"id": t.g.pk, "code": "G", "name": "Đảng bộ Trường THCS Đông Sơn"}],
        "counts": zero,
        "warnings": ["A cell needs at least 3 official members (Party Charter)."],
    }
    k = api.commune.get(f"/units/{t.k.pk}").json
    assert (k["counts"]["total"], k["counts"]["official"], k["counts"]["women"], k["warnings"]) == (3, 3, 1, [])


def test_children_are_ordered_by_name_and_hide_closed_units_unless_asked(api, cast):
    t = cast.tree
    restructuring.close_unit(t.k2, actor=SYSTEM, on=dt.date(2024, 1, 1))

    open_only = api.province.get(f"/units/{t.g.pk}/children")
    everything = api.province.get(f"/units/{t.g.pk}/children", include_closed="true")

    assert (open_only.status, open_only.json) == (200, [_unit(t.k, 3)])
    assert [u["code"] for u in everything.json] == ["K", "K2"]
    assert everything.json[1]["closed_on"] == "2024-01-01"


def test_subtree_pages_by_path_and_limits_depth(api, cast):
    t = cast.tree

    first = api.province.get(f"/units/{t.p.pk}/subtree", limit=2)
    second = api.province.get(f"/units/{t.p.pk}/subtree", limit=2, after=first.json["next"])
    third = api.province.get(f"/units/{t.p.pk}/subtree", limit=2, after=second.json["next"])
    shallow = api.province.get(f"/units/{t.p.pk}/subtree", depth=1)

    assert first.json == {"items": [_unit(t.p, 3), _unit(t.c, 3)], "next": t.c.path}
    assert ([u["code"] for u in second.json["items"]], second.json["next"]) == (["G", "K"], t.k.path)
    assert ([u["code"] for u in third.json["items"]], third.json["next"]) == (["K2"], None)
    assert [u["code"] for u in shallow.json["items"]] == ["P", "C"]


def test_as_of_gives_the_names_and_positions_of_that_day(api, cast):
    t = cast.tree
    unit_services.rename_unit(t.k, actor=SYSTEM, name="Chi bộ Giáo viên A", on=dt.date(2024, 1, 1))

    before = api.commune.get(f"/units/{t.g.pk}/as-of", date="2023-06-01")
    after = api.commune.get(f"/units/{t.g.pk}/as-of", date="2024-06-01")

    assert before.status == 200
    assert before.json["date"] == "2023-06-01"
    assert before.json["next"] is None
    assert before.json["items"][1] == {
        "unit_id": t.k.pk, "code": "K", "kind": "cell", "name": "Chi bộ Giáo viên 1", "path": t.k.path,
        "depth": 5, "parent_id": t.g.pk, "valid_from": "2020-01-01", "valid_to": "2024-01-01"}
    assert [(u["code"], u["name"]) for u in after.json["items"]] == [
        ("G", "Đảng bộ Trường THCS Đông Sơn"), ("K", "Chi bộ Giáo viên A"), ("K2", "Chi bộ Giáo viên 2")]
    assert api.commune.get(f"/units/{t.g.pk}/as-of", date="2019-06-01").json["items"] == []


def test_as_of_never_shows_units_now_outside_the_callers_scope(api, cast):
    t = cast.tree
    restructuring.move_unit(t.k2, actor=SYSTEM, new_parent=t.qc, on=dt.date(2024, 1, 1))

    province = api.province.get(f"/units/{t.g.pk}/as-of", date="2023-06-01")
    admin = api.admin.get(f"/units/{t.g.pk}/as-of", date="2023-06-01")

    assert [u["code"] for u in province.json["items"]] == ["G", "K"]
    assert [u["code"] for u in admin.json["items"]] == ["G", "K", "K2"]


def test_as_of_needs_a_real_date(api, cast):
    for bad in ("2024-02-30", "yesterday", ""):
        response = api.admin.get(f"/units/{cast.tree.k.pk}/as-of", date=bad)
        assert (response.status, response.json["errors"]) == (422, {"date": ["Enter a date as YYYY-MM-DD."]})
    missing = api.admin.get(f"/units/{cast.tree.k.pk}/as-of")
    assert missing.json["errors"] == {"date": ["This field is required."]}


# ------------------------------------------------------------------ query counts (1 vs 3 items)


def _count(django_assert_num_queries, client, path, expected_items, queries, **params) -> None:
    """Token lookup and grants (2 queries), then the operation's own ``queries - 2``."""
    client.get(path, **params)  # warm-up: the token's "last used" stamp
    with django_assert_num_queries(queries) as ctx:
        response = client.get(path, **params)
    items = response.json if isinstance(response.json, list) else response.json["items"]
    assert (response.status, len(items)) == (200, expected_items), ctx.captured_queries


def test_scope_roots_take_the_same_queries_for_one_or_three_roots(api, cast, django_assert_num_queries):
    _count(django_assert_num_queries, api.province, "/units/", 1, 4)
    third = make_unit(cast.tree.root, "R", "Tỉnh Rạng Đông", "province")
    for unit in (cast.tree.q, third):
        RoleGrant.objects.create(user=cast.province, unit=unit, role="auditor", valid_from=dt.date(2020, 1, 1))
    _count(django_assert_num_queries, api.province, "/units/", 3, 4)


def test_children_take_the_same_queries_for_one_or_three(api, cast, django_assert_num_queries):
    t = cast.tree
    _count(django_assert_num_queries, api.province, f"/units/{t.c.pk}/children", 1, 4)
    make_unit(t.g, "K3", "Chi bộ Giáo viên 3", "cell", "school")
    _count(django_assert_num_queries, api.province, f"/units/{t.g.pk}/children", 3, 4)


def test_subtree_takes_the_same_queries_for_one_or_three(api, cast, django_assert_num_queries):
    t = cast.tree
    _count(django_assert_num_queries, api.province, f"/units/{t.k.pk}/subtree", 1, 4)
    _count(django_assert_num_queries, api.province, f"/units/{t.g.pk}/subtree", 3, 4)


def test_as_of_takes_the_same_queries_for_one_or_three(api, cast, django_assert_num_queries):
    t = cast.tree
    _count(django_assert_num_queries, api.province, f"/units/{t.k.pk}/as-of", 1, 5, date="2024-01-01")
    make_member(t.k2, "Vũ Thị Hoa", sex="F")
    _count(django_assert_num_queries, api.province, f"/units/{t.g.pk}/as-of", 3, 5, date="2024-01-01")
