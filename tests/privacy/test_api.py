"""GET /api/v1/privacy/me: the handbook page's data, the caller's own record only."""

from __future__ import annotations

import pytest

from chibo.members.queries import profile_for
from tests.privacy.conftest import line

pytestmark = pytest.mark.django_db


def test_persona_matrix(api):
    seen = {p: getattr(api, p).get("/privacy/me").status for p in
            ("admin", "province", "commune", "secretary", "member", "outsider")}
    assert seen == {"admin": 404, "province": 404, "commune": 404, "secretary": 200, "member": 200,
                    "outsider": 404}
    assert api.anonymous.get("/privacy/me").status == 401


def test_the_data(api, cast):
    t, m = cast.tree, cast.plain_m
    profile_for(cast.province, m)
    line("members.exported", actor=cast.commune, obj=t.c, unit_path=t.c.path,
         payload={"format": "xlsx", "masked": False, "count": 3}, days_ago=2)
    r = api.member.get("/privacy/me")
    assert r.status == 200
    body = r.json
    assert body["member"] == m.pk
    readers = {(x["unit"]["id"], x["role"]): x for x in body["readers"]}
    assert readers[(t.k.pk, "cell_secretary")]["masked"] == ["citizen_id", "phone", "ethnicity", "religion"]
    assert readers[(t.p.pk, "board_staff")] | {} and readers[(t.p.pk, "board_staff")]["people"] == 1
    assert all(x["unit"]["id"] != t.q.pk for x in body["readers"])
    view, export = body["reads"]
    assert view["action"] == "members.viewed" and view["by"] == "officer" and view["sensitive_shown"] is True
    assert view["roles"][0]["unit"]["id"] == t.p.pk
    assert export["action"] == "members.exported" and export["roles"][0]["role"] == "committee_leader"
    assert body["next"] is None
    assert "name" not in str(body["readers"][0].keys() - {"unit"})


def test_a_secretary_sees_their_own_record_not_their_cell(api, cast):
    profile_for(cast.province, cast.plain_m)
    body = api.secretary.get("/privacy/me").json
    assert body["member"] == cast.sec_m.pk and body["reads"] == []


def test_paging(api, cast):
    m = cast.plain_m
    for i in range(23):
        line("members.viewed", actor=cast.province, obj=m, unit_path=m.unit_path, days_ago=i + 1)
    first = api.member.get("/privacy/me").json
    second = api.member.get("/privacy/me", after=first["next"]).json
    assert len(first["reads"]) == 20 and len(second["reads"]) == 3 and second["next"] is None
