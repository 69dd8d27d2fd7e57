"""The handbook page "who can see my data": the member's own, for every logged-in user."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from chibo.members.queries import profile_for
from tests.console.conftest import statuses
from tests.factories.registry import make_member, make_user
from tests.privacy.conftest import line

pytestmark = pytest.mark.django_db
URL = "/handbook/privacy/"


def test_the_url():
    assert reverse("handbook:privacy") == URL


def test_persona_matrix(client, cast):
    assert statuses(client, cast, URL) == {p: 200 for p in
                                           ("admin", "province", "commune", "secretary", "member", "outsider")}
    client.logout()
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("persona", ["admin", "province", "outsider"])
def test_staff_without_a_member_record_get_a_clear_page(client, cast, persona):
    client.force_login(getattr(cast, persona))
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert [t.name for t in response.templates][0] == "handbook/privacy_none.html"
    assert "not linked to a party member" in response.content.decode()


def test_the_member_sees_who_reads_and_their_own_reads_only(client, cast):
    m = cast.plain_m
    profile_for(cast.province, m)
    profile_for(cast.province, cast.other_m)  # someone else's record: never shown here
    client.force_login(cast.member)
    response = client.get(URL)
    assert response.templates[0].name == "handbook/privacy.html"
    ctx = response.context
    assert ctx["subject"] == m
    assert len(ctx["reads"]) == 1
    assert ctx["reads"][0]["who"].startswith("Organization board staff — Tỉnh Bắc Hà")
    assert "sensitive fields shown" in ctx["reads"][0]["what"]
    text = response.content.decode()
    assert "Chi bộ Giáo viên 1" in text and "Tỉnh Nam Lâm" not in text
    assert "sees Citizen ID" in text or "masked" in text


def test_the_page_is_in_vietnamese(client, cast):
    client.force_login(cast.member)
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    assert response.context["LANGUAGE_CODE"] == "vi"


def test_an_exempted_member_still_sees_who_reads_their_record(client, cast):
    m = make_member(cast.tree.k, "Vũ Thị Hằng", sex="F", birth_date=dt.date(1948, 3, 3), status="exempted")
    user = make_user("exempted", member=m)
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200 and response.context["subject"] == m
    assert "member" not in response.context or response.context.get("member") is None  # no handbook menu


def test_older_reads_are_paged(client, cast):
    m = cast.plain_m
    for i in range(25):
        line("members.viewed", actor=cast.province, obj=m, unit_path=m.unit_path, days_ago=i + 1)
    client.force_login(cast.member)
    first = client.get(URL)
    assert len(first.context["reads"]) == 20 and first.context["next_cursor"]
    second = client.get(URL, {"after": first.context["next_cursor"]})
    assert len(second.context["reads"]) == 5 and second.context["next_cursor"] is None
    assert client.get(URL, {"after": "nonsense"}).status_code == 200


def test_query_count_is_fixed(client, cast, django_assert_max_num_queries):
    m = cast.plain_m
    for i in range(20):
        line("members.viewed", actor=[cast.province, cast.commune, cast.secretary][i % 3], obj=m,
             unit_path=m.unit_path, days_ago=i + 1)
        line("members.exported", actor=cast.commune, obj=cast.tree.c, unit_path=cast.tree.c.path,
             payload={"format": "xlsx", "masked": False, "count": 3}, days_ago=i + 1.5)
    client.force_login(cast.member)
    # session, user, record, visibility (4), reads (6), unread count
    with django_assert_max_num_queries(14):
        response = client.get(URL)
    assert len(response.context["reads"]) == 20
