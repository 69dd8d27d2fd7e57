"""Reads of meetings, their documents and attendance, scoped by the access policy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core.errors import NotFound
from chibo.core.rulebook import rule
from chibo.library import queries as library_queries
from chibo.library.models import Document
from chibo.library.paging import page
from chibo.meetings.models import Attendance, Invitation, Meeting, MeetingDocument
from chibo.members.models import Member
from chibo.org import paths
from chibo.org.models import Unit

ATTACH_CHOICES = 10  # documents offered by a search on the meeting page


def meetings_for_user(user: Any) -> QuerySet[Meeting]:
    return Meeting.objects.filter(policy.scope_for(user, Perm.UNITS_VIEW).q("unit_path"))


def get_meeting_for_user(user: Any, pk: int) -> Meeting:
    meeting = meetings_for_user(user).select_related("unit").filter(pk=pk).first()
    if meeting is None:
        raise NotFound("meeting")
    return meeting


def _links(meeting_ids: list[int]) -> QuerySet[MeetingDocument]:
    return (MeetingDocument.objects.filter(meeting_id__in=meeting_ids).select_related("document")
            .defer(*(f"document__{f}" for f in library_queries.LIST_DEFERRED)).order_by("meeting_id", "position", "id"))


def attached_documents(meeting: Meeting) -> list[Document]:
    """The documents attached to ``meeting``, in the order they were attached (one query)."""
    return [link.document for link in _links([meeting.pk])]


def documents_to_read(meetings: list[Meeting]) -> dict[int, list[Document]]:
    """Meeting id → the documents attached to it that its cell's members may read, in order (one
    query for all). A document whose audience was moved away since it was attached is left out."""
    unit_paths = {m.pk: m.unit_path for m in meetings}
    found: dict[int, list[Document]] = {pk: [] for pk in unit_paths}
    if not meetings:
        return found
    for link in _links(list(unit_paths)):
        if paths.is_within(unit_paths[link.meeting_id], link.document.unit_path):
            found[link.meeting_id].append(link.document)
    return found


def get_attached_document(meeting: Meeting, pk: int) -> Document:
    document = meeting.documents.filter(pk=pk).first()
    if document is None:
        raise NotFound("document")
    return document


def attachable_documents(user: Any, meeting: Meeting, text: str) -> list[Document]:
    """The library documents ``user`` may read that the meeting's cell may read too (addressed to
    the cell or a unit above it), matching ``text`` (a number, words of the title or of the text),
    best first; the ones attached already are left out. At most :data:`ATTACH_CHOICES`."""
    qs = (library_queries.visible_documents(user).filter(unit_path__in=paths.ancestors(meeting.unit_path))
          .exclude(meeting_links__meeting=meeting).select_related("unit").defer(*library_queries.LIST_DEFERRED))
    return page(library_queries.search_phases(qs, text), after=None, size=ATTACH_CHOICES).rows


def _today_start() -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time()))


def invitations_of(member: Member) -> QuerySet[Invitation]:
    """The member's own invitations, each with its meeting and cell."""
    return Invitation.objects.filter(member=member).select_related("meeting__unit")


def get_invitation_of(member: Member, meeting_id: int) -> Invitation:
    """The member's invitation to that meeting, else :class:`NotFound` (others' meetings look missing)."""
    invitation = invitations_of(member).filter(meeting_id=meeting_id).first()
    if invitation is None:
        raise NotFound("meeting")
    return invitation


def upcoming_for_member(member: Member, *, limit: int) -> list[Invitation]:
    """The member's meetings from today on, soonest first."""
    return list(invitations_of(member).filter(meeting__starts_at__gte=_today_start())
                .order_by("meeting__starts_at")[:limit])


def past_for_member(member: Member, *, limit: int) -> list[Invitation]:
    """The member's meetings before today, latest first."""
    return list(invitations_of(member).filter(meeting__starts_at__lt=_today_start())
                .order_by("-meeting__starts_at")[:limit])


@dataclass
class MemberAttendance:
    member_id: int
    name: str
    present: int
    excused: int
    unexcused: int

    @property
    def flagged(self) -> bool:
        """Three or more absences without reason in the year: for the cell's attention (DOMAIN §3)."""
        return self.unexcused >= self.threshold

    threshold: int = 3


def attendance(unit: Unit, year: int, *, limit: int = 200) -> list[MemberAttendance]:
    """The attendance of the members at the meetings of ``unit``'s subtree in ``year`` (one GROUP
    BY), the most absences without reason first, at most ``limit`` members."""
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    end = timezone.make_aware(dt.datetime(year + 1, 1, 1))
    rows = (Invitation.objects.filter(member__isnull=False, meeting__starts_at__gte=start, meeting__starts_at__lt=end)
            .filter(policy.subtree_q("meeting__unit_path", unit.path))
            .values("member_id", "member__full_name")
            .annotate(present=Count("id", filter=Q(attendance=Attendance.PRESENT)),
                      excused=Count("id", filter=Q(attendance=Attendance.EXCUSED)),
                      unexcused=Count("id", filter=Q(attendance=Attendance.UNEXCUSED)))
            .order_by("-unexcused", "member__full_name")[:limit])  # the flagged first; never the whole nation
    flag = int(rule("meetings.unexcused_absences_flag", on=dt.date(year, 12, 31)))
    return [MemberAttendance(r["member_id"], r["member__full_name"], r["present"], r["excused"], r["unexcused"],
                             flag) for r in rows]


def rate(unit: Unit, year: int) -> tuple[int, int]:
    """(present, marked) over the subtree's meetings of the year: the attendance rate's parts."""
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    end = timezone.make_aware(dt.datetime(year + 1, 1, 1))
    sums = (Invitation.objects.filter(member__isnull=False, meeting__starts_at__gte=start, meeting__starts_at__lt=end)
            .filter(policy.subtree_q("meeting__unit_path", unit.path)).exclude(attendance="")
            .aggregate(present=Count("id", filter=Q(attendance=Attendance.PRESENT)), marked=Count("id")))
    return sums["present"], sums["marked"]
