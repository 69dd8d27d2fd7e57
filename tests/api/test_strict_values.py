"""Dates are YYYY-MM-DD and a JSON body's yes/no is true or false: nothing else is read as one."""

from __future__ import annotations

import pytest

from chibo.members.models import Member
from chibo.notifications.models import Notification
from tests.factories.admissions import open_case

INVALID = "The request has invalid values: see the fields below."
DATE = {"detail": INVALID, "errors": {"date": ["Enter a date as YYYY-MM-DD."]}}


@pytest.mark.parametrize("day", ["0", "1700000000", "-1", "2024-01-01T00:00:00", "20240101", "2024-1-1", "١٩٧٠-٠١-٠١"])
def test_as_of_takes_only_an_iso_date(api, cast, day):
    response = api.province.get(f"/units/{cast.tree.k.pk}/as-of", date=day)

    assert (response.status, response.json) == (422, DATE)


def test_as_of_still_answers_for_an_iso_date(api, cast):
    response = api.province.get(f"/units/{cast.tree.k.pk}/as-of", date="2024-01-01")

    assert (response.status, response.json["date"]) == (200, "2024-01-01")


@pytest.mark.parametrize("value", [0, 1, "true", "yes", None])
def test_mark_read_all_must_be_a_json_boolean(api, cast, value):
    Notification.objects.create(user=cast.province, kind="decision", title="t", body="b", link="/", key="k")

    response = api.province.post("/notifications/read", {"all": value})

    assert (response.status, response.json) == (422, {"detail": INVALID, "errors": {"all": ["Enter true or false."]}})
    assert Notification.objects.filter(user=cast.province, read_at__isnull=True).count() == 1


def test_mark_read_all_true_still_marks_everything_read(api, cast):
    Notification.objects.create(user=cast.province, kind="decision", title="t", body="b", link="/", key="k")

    response = api.province.post("/notifications/read", {"all": True})

    assert (response.status, response.json) == (200, {"marked": 1, "unread": 0})


@pytest.mark.parametrize(("body", "errors"), [
    ({"is_army": 1}, {"is_army": ["Enter true or false."]}),
    ({"youth_union": "false"}, {"youth_union": ["Enter true or false."]}),
    ({"birth_date": 0}, {"birth_date": ["Enter a date as YYYY-MM-DD."]}),
    ({"admission_date": 1700000000}, {"admission_date": ["Enter a date as YYYY-MM-DD."]}),
    ({"official_date": "2024-01-01T00:00:00"}, {"official_date": ["Enter a date as YYYY-MM-DD."]}),
])
def test_a_member_change_takes_only_json_booleans_and_iso_dates(api, cast, body, errors):
    before = Member.objects.values().get(pk=cast.plain_m.pk)

    response = api.province.patch(f"/members/{cast.plain_m.pk}", body)

    assert (response.status, response.json) == (422, {"detail": INVALID, "errors": errors})
    assert Member.objects.values().get(pk=cast.plain_m.pk) == before


def test_a_step_takes_only_an_iso_date_and_json_booleans(api, cast):
    case = open_case(cast.tree.k)

    response = api.province.post(f"/admissions/cases/{case.pk}/steps", {
        "to": "course", "on": 0, "facts": {"course_done": 1}})

    assert (response.status, response.json) == (422, {"detail": INVALID, "errors": {
        "on": ["Enter a date as YYYY-MM-DD."], "facts.course_done": ["Enter true or false."]}})
