"""The inbox: the member's notifications, newest first, marked read one by one or all at once."""

from __future__ import annotations

from django.urls import reverse

from chibo.notifications.models import Kind, Notification
from chibo.notifications.services import Message, notify


def _send(user, n: int) -> list[Notification]:
    notify([user.pk], [Message(Kind.DECISION, f"Tin {i}", "", "", f"test:{i}") for i in range(n)])
    return list(Notification.objects.filter(user=user))


def test_the_inbox_lists_only_the_members_notifications(cast, as_user):
    mine = _send(cast.member, 2)
    _send(cast.secretary, 1)
    response = as_user(cast.member).get(reverse("handbook:inbox"))
    assert [n.pk for n in response.context["rows"]] == [n.pk for n in mine]
    assert response.context["unread"] == 2


def test_marking_one_notification_read(cast, as_user):
    first, second = _send(cast.member, 2)
    client = as_user(cast.member)
    response = client.post(reverse("handbook:mark_read"), {"id": [second.pk]})
    assert response.status_code == 302
    assert response["Location"] == reverse("handbook:inbox")
    assert list(Notification.objects.filter(read_at__isnull=True).values_list("pk", flat=True)) == [first.pk]


def test_marking_all_read_leaves_other_peoples_alone(cast, as_user):
    _send(cast.member, 3)
    theirs = _send(cast.secretary, 1)[0]
    as_user(cast.member).post(reverse("handbook:mark_read"))
    assert not Notification.objects.filter(user=cast.member, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_a_member_cannot_mark_someone_elses_notification(cast, as_user):
    theirs = _send(cast.secretary, 1)[0]
    as_user(cast.member).post(reverse("handbook:mark_read"), {"id": [theirs.pk]})
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_home_shows_the_unread_count_and_the_latest_three(cast, as_user):
    sent = _send(cast.member, 5)
    response = as_user(cast.member).get(reverse("handbook:home"))
    assert response.context["unread"] == 5
    assert [n.pk for n in response.context["latest"]] == [n.pk for n in sent[:3]]
