"""The caller's notifications through the API: only their own, newest first, paged; marking read."""

from __future__ import annotations

import pytest

from chibo.admissions.stages import Stage
from chibo.notifications.models import Kind, Notification
from chibo.notifications.services import Message, notify
from tests.api.conftest import PERSONAS
from tests.api.test_admissions import step_body
from tests.factories.admissions import carry, open_case

INVALID = "The request has invalid values: see the fields below."


def _send(user, n: int, prefix: str = "Hạn") -> list[Notification]:
    notify([user.pk], [Message(Kind.DEADLINE_SOON, f"{prefix} {i}", f"Việc {i}", f"/admissions/{i}/", f"t:{prefix}:{i}")
                       for i in range(n)])
    return list(Notification.objects.filter(user=user).order_by("-created_at", "-id"))


def _titles(response) -> list[str]:
    return [n["title"] for n in response.json["items"]]


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_everyone_signed_in_reads_only_their_own_notifications(api, cast, persona):
    for p in PERSONAS:
        _send(getattr(cast, p), 1, prefix=p)

    response = getattr(api, persona).get("/notifications")

    if persona == "anonymous":
        assert response.status == 401
    else:
        assert (response.status, _titles(response), response.json["unread"]) == (200, [f"{persona} 0"], 1)


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_everyone_signed_in_marks_only_their_own_notifications_read(api, cast, persona):
    for p in PERSONAS:
        _send(getattr(cast, p), 1, prefix=p)
    everyone = list(Notification.objects.values_list("pk", flat=True))

    response = getattr(api, persona).post("/notifications/read", {"ids": everyone})

    if persona == "anonymous":
        assert response.status == 401
        assert Notification.objects.filter(read_at__isnull=False).count() == 0
    else:
        assert (response.status, response.json) == (200, {"marked": 1, "unread": 0})
        read = Notification.objects.filter(read_at__isnull=False).values_list("user__username", flat=True)
        assert list(read) == [persona]


def test_the_list_is_newest_first_with_every_field(api, cast):
    rows = _send(cast.secretary, 2)

    response = api.secretary.get("/notifications")

    newest = rows[0]
    assert response.json["items"][0] == {
        "id": newest.pk, "kind": "deadline_soon", "kind_label": "A deadline is approaching", "title": newest.title,
        "body": newest.body, "link": newest.link, "created_at": response.json["items"][0]["created_at"],
        "read": False, "read_at": None}
    assert [n["id"] for n in response.json["items"]] == [r.pk for r in rows]
    assert response.json["next"] is None


def test_the_list_pages_with_a_cursor_and_filters_unread(api, cast):
    rows = _send(cast.secretary, 5)
    api.secretary.post("/notifications/read", {"ids": [rows[1].pk, rows[3].pk]})

    seen, after = [], None
    while True:
        page = api.secretary.get("/notifications", limit=2, **({"after": after} if after else {}))
        seen += [n["id"] for n in page.json["items"]]
        after = page.json["next"]
        if after is None:
            break
    unread = api.secretary.get("/notifications", unread="true")
    read = api.secretary.get("/notifications", unread="false")

    assert seen == [r.pk for r in rows]
    assert [n["id"] for n in unread.json["items"]] == [rows[0].pk, rows[2].pk, rows[4].pk]
    assert unread.json["unread"] == 3
    assert [(n["id"], n["read"]) for n in read.json["items"]] == [(rows[1].pk, True), (rows[3].pk, True)]


def test_an_unreadable_cursor_starts_from_the_beginning(api, cast):
    _send(cast.secretary, 3)
    # garbage, a number, a naive time, a time no database holds, an id no column holds
    for cursor in ("!!!", "MQ", "WyIyMDI0LTAxLTAxVDAwOjAwOjAwIiwgMV0", "WyIwMDAxLTAxLTAxVDAwOjAwOjAwKzE0OjAwIiwgMV0",
                   "WyIyMDI0LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgMTAwMDAwMDAwMDAwMDAwMDAwMDAwXQ"):
        response = api.secretary.get("/notifications", after=cursor)
        assert (response.status, len(response.json["items"])) == (200, 3)


def test_marking_all_read(api, cast):
    _send(cast.secretary, 3)
    _send(cast.commune, 2)

    response = api.secretary.post("/notifications/read", {"all": True})
    again = api.secretary.post("/notifications/read", {"all": True})

    assert (response.json, again.json) == ({"marked": 3, "unread": 0}, {"marked": 0, "unread": 0})
    assert api.commune.get("/notifications").json["unread"] == 2


@pytest.mark.parametrize(("body", "errors"), [
    ({}, {"__all__": ['Send either the ids to mark read or "all": true.']}),
    ({"ids": [1], "all": True}, {"__all__": ['Send either the ids to mark read or "all": true.']}),
    ({"ids": ["one"]}, {"ids.0": ["Enter a whole number."]}),
    ({"ids": [0]}, {"ids.0": ["Enter a number of at least 1."]}),
    ({"all": True, "everything": True}, {"everything": ["This field is not allowed here."]}),
])
def test_the_mark_read_body_is_checked(api, cast, body, errors):
    response = api.secretary.post("/notifications/read", body)

    assert (response.status, response.json) == (422, {"detail": INVALID, "errors": errors})


def test_a_decision_recorded_through_the_api_reaches_the_cell_secretary(api, cast,
                                                                         django_capture_on_commit_callbacks):
    case = carry(open_case(cast.tree.k), Stage.COMMITTEE_RESOLVED)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.commune.post(f"/admissions/cases/{case.pk}/steps",
                                    step_body(case, "admitted", case.stage_on))

    inbox = api.secretary.get("/notifications").json
    assert response.status == 200
    assert [(n["kind"], n["title"], n["link"]) for n in inbox["items"]] == [
        ("decision", "Vũ Thị Hạnh: Admission decision", f"/admissions/{case.pk}/")]
    assert api.commune.get("/notifications").json["items"] == []


def test_the_list_takes_the_same_queries_for_one_or_many(api, cast, django_assert_max_num_queries):
    _send(cast.secretary, 1)
    api.secretary.get("/notifications")  # warm-up: the token's "last used" stamp
    for count in (1, 20):
        with django_assert_max_num_queries(3):  # token, the page, the unread count
            response = api.secretary.get("/notifications")
        assert len(response.json["items"]) == count
        _send(cast.secretary, 20, prefix="Thêm")
        Notification.objects.filter(title="Hạn 0").delete()
