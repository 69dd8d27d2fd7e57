"""Who is told of a meeting: every invited member with an account, in one bulk write."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from chibo.meetings.models import Invitation, Meeting
from chibo.notifications.services import Message, notify

INVITATION = "invitation"


def invited(meeting_id: int) -> int:
    meeting = Meeting.objects.select_related("unit").get(pk=meeting_id)
    member_ids = Invitation.objects.filter(meeting=meeting, member__isnull=False).values("member_id")
    users = list(get_user_model().objects.filter(member_id__in=member_ids, is_active=True).values_list("pk", flat=True))
    when = date_format(timezone.localtime(meeting.starts_at), "SHORT_DATETIME_FORMAT")
    title = _("Meeting of %(unit)s on %(when)s") % {"unit": meeting.unit.name, "when": when}
    message = Message(INVITATION, title, meeting.topic, f"/handbook/meetings/{meeting.pk}/", f"meeting:{meeting.pk}")
    return notify(users, [message])
