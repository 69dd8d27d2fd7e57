"""Who is told of a study assignment, and when.

- A new assignment: every member of the unit's subtree who studies (official and probationary,
  the exempted excepted) and has an account, in one bulk notification, right after the commit.
- Three days before the study date: those of them who have not confirmed yet, by the daily job
  :func:`run` (once: the notification's key is the assignment's).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from chibo.accounts.policy import subtree_q
from chibo.library.models import StudyAssignment, StudyConfirmation
from chibo.library.rules import STUDYING
from chibo.members.models import Member
from chibo.notifications.models import Kind
from chibo.notifications.services import Message, notify

DUE_AHEAD_DAYS = 3


def _link(assignment: StudyAssignment) -> str:
    return reverse("handbook:document", args=[assignment.document_id])  # where members confirm their study


def member_users(assignment: StudyAssignment, *, pending_only: bool = False) -> list[int]:
    """The accounts of the members the assignment reaches (only those who have not confirmed yet
    with ``pending_only``): one query."""
    members = Member.objects.filter(subtree_q("unit_path", assignment.unit_path), status__in=STUDYING)
    if pending_only:
        members = members.exclude(pk__in=StudyConfirmation.objects.filter(assignment=assignment)
                                  .values("member_id"))
    users = get_user_model().objects.filter(member__in=members.values("pk"), is_active=True)
    return list(users.values_list("pk", flat=True))


def _due(assignment: StudyAssignment) -> str:
    return date_format(assignment.due_on, "SHORT_DATE_FORMAT")


def assigned(assignment_id: int) -> int:
    """Tell the members of a new assignment; returns how many notifications were new."""
    assignment = StudyAssignment.objects.select_related("document").get(pk=assignment_id)
    title = _("To study: %(title)s") % {"title": assignment.document.title}
    body = _("Study this document by %(day)s and confirm it.") % {"day": _due(assignment)}
    if assignment.note:
        body = f"{body}\n{assignment.note}"
    message = Message(Kind.STUDY_ASSIGNED, title, body, _link(assignment), f"study:{assignment.pk}")
    return notify(member_users(assignment), [message])


def run(today: dt.date) -> int:
    """Remind the members who have not confirmed the assignments due within three days (each
    assignment once: a missed day is caught up, a second run the same day sends nothing)."""
    due = StudyAssignment.objects.filter(due_on__gt=today, due_on__lte=today + dt.timedelta(days=DUE_AHEAD_DAYS))
    sent = 0
    for assignment in due.select_related("document").order_by("due_on", "id"):
        title = _("Study due on %(day)s: %(title)s") % {"day": _due(assignment), "title": assignment.document.title}
        body = _("You have not confirmed that you studied this document yet.")
        message = Message(Kind.STUDY_DUE, title, body, _link(assignment), f"study-due:{assignment.pk}")
        sent += notify(member_users(assignment, pending_only=True), [message])
    return sent
