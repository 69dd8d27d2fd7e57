"""Who is told of a meeting: every invited member with an account, in one bulk write."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from chibo.meetings.models import Invitation, Meeting
from chibo.notifications.models import Kind
from chibo.notifications.services import Message, notify

INVITATION = Kind.INVITATION.value


def invited(meeting_id: int) -> int:
    meeting = Meeting.objects.select_related("unit").get(pk=meeting_id)
    member_ids = Invitation.objects.filter(meeting=meeting, member__isnull=False).values("member_id")
    users = list(get_user_model().objects.filter(member_id__in=member_ids, is_active=True).values_list("pk", flat=True))
    when = date_format(timezone.localtime(meeting.starts_at), "SHORT_DATETIME_FORMAT")
    title = _("Meeting of %(unit)s on %(when)s") % {"unit": meeting.unit.name, "when": when}
    message = Message(INVITATION, title, meeting.topic, f"/handbook/meetings/{meeting.pk}/", f"meeting:{meeting.pk}")
    return notify(users, [message])


def invited_many(meeting_ids: list[int]) -> int:
    """:func:`invited` for many meetings: one INSERT … SELECT of notifications per meeting, leaving
    out the users who muted invitations; the e-mail goes out after the commit, as for ``notify``."""
    from django.db import connection, transaction

    from chibo.notifications.models import Preference
    from chibo.notifications.services import queue_email

    muted = [p.user_id for p in Preference.objects.all() if INVITATION in (p.muted or [])] or [0]
    marks = ", ".join(["%s"] * len(muted))
    sent = 0
    meetings = Meeting.objects.filter(pk__in=meeting_ids).select_related("unit")
    rows: list[list[Any]] = []
    for meeting in meetings:
        when = date_format(timezone.localtime(meeting.starts_at), "SHORT_DATETIME_FORMAT")
        title = _("Meeting of %(unit)s on %(when)s") % {"unit": meeting.unit.name, "when": when}
        rows.append([INVITATION, title[:255], meeting.topic, f"/handbook/meetings/{meeting.pk}/",
                     f"meeting:{meeting.pk}", timezone.now(), meeting.pk, *muted])
    with connection.cursor() as cursor:
        for row in rows:
            cursor.execute(
                "INSERT INTO notifications_notification (user_id, kind, title, body, link, key, created_at) "
                # CROSS JOIN: SQLite keeps this order (the meeting's invitations, then each one's account by
                # its unique member index) instead of scanning every account for each meeting
                "SELECT u.id, %s, %s, %s, %s, %s, %s FROM meetings_invitation i CROSS JOIN accounts_user u "
                "WHERE i.meeting_id = %s AND u.member_id = i.member_id AND u.is_active "
                f"AND u.id NOT IN ({marks}) ON CONFLICT DO NOTHING", row)
            sent += max(cursor.rowcount, 0)
    if sent:
        transaction.on_commit(queue_email)
    return sent
