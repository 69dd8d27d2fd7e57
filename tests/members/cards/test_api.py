"""The API: the badge list (persona matrix, keyset pages, bad input) and the member's own card."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.members.models import Member

D = dt.date


@pytest.fixture
def due(cast):
    for m in (cast.other_m, cast.sec_m, cast.far_m):
        Member.objects.filter(pk=m.pk).update(admission_date=D(1996, 3, 1))
    return cast.other_m


def test_badges_persona_matrix(api, cast, due):
    path = f"/cards/units/{cast.tree.c.pk}/badges"
    seen = {p: getattr(api, p).get(path, day="2026-05-19").status for p in
            ("admin", "province", "commune", "secretary", "member", "outsider")}
    assert seen == {"admin": 200, "province": 200, "commune": 200, "secretary": 404, "member": 404,
                    "outsider": 404}
    assert api.anonymous.get(path, day="2026-05-19").status == 401
    assert api.outsider.get(path, day="bad").status == 404  # outside the scope before the bad value


def test_badges_keyset_pages(api, cast, due):
    path = f"/cards/units/{cast.tree.root.pk}/badges"
    first = api.admin.get(path, day="2026-05-19", limit=2)
    assert first.status == 200 and len(first.json["items"]) == 2 and first.json["next"]
    assert first.json["previous_day"] == "2026-02-03"
    second = api.admin.get(path, day="2026-05-19", limit=2, after=first.json["next"])
    names = [i["full_name"] for i in first.json["items"] + second.json["items"]]
    assert len(names) == 3 and second.json["next"] is None
    assert {i["tier"] for i in first.json["items"]} == {30}


def test_badges_bad_input(api, cast):
    path = f"/cards/units/{cast.tree.c.pk}/badges"
    refused = api.commune.get(path, day="2026-05-18")  # not an award day: the days are named
    assert refused.status == 422 and "19/05" in refused.json["detail"]
    assert api.commune.get(path, day="nonsense").status == 422
    assert api.commune.get(path, day="2026-05-19", limit=0).status == 422
    assert api.commune.get(path, day="2026-05-19", after="x|y").status == 200  # a bad cursor starts again


def test_my_card(api, cast):
    from chibo.accounts.policy import SYSTEM
    from chibo.members.cards import services

    services.issue_card(cast.plain_m, actor=SYSTEM, number="700001", issued_on=D(2026, 3, 2))
    me = api.member.get("/cards/me")
    assert me.status == 200 and me.json["card"]["number"] == "700001" and me.json["card"]["state"] == "issued"
    assert me.json["party_age"]["since"] == "2010-05-19" and me.json["badges"] == []
    assert api.province.get("/cards/me").status == 404  # no member record
    assert api.anonymous.get("/cards/me").status == 401


def test_badges_days_out_of_range_are_refused(api, cast):
    path = f"/cards/units/{cast.tree.c.pk}/badges"
    for day in ("0001-02-03", "9999-11-07", "2000-01-01"):
        assert api.commune.get(path, day=day).status == 422, day


@pytest.mark.parametrize("n", [1, 3])
def test_badges_query_count_does_not_grow(api, cast, n, django_assert_num_queries):
    from tests.factories.registry import make_member

    for i in range(n):
        make_member(cast.tree.k2, f"Nguyễn Văn Huy {chr(65 + i)}", admission_date=D(1996, 3, 1))
    path = f"/cards/units/{cast.tree.root.pk}/badges"
    api.admin.get(path, day="2026-05-19")  # the rulebook and the token read once
    with django_assert_num_queries(BADGE_API_QUERIES):
        response = api.admin.get(path, day="2026-05-19")
    assert response.status == 200 and len(response.json["items"]) == n


BADGE_API_QUERIES = 11  # the same for one row or three: nothing is read per row
