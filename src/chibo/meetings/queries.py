"""Reads of meetings and attendance, scoped by the access policy."""

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
from chibo.meetings.models import Attendance, Invitation, Meeting
from chibo.members.models import Member
from chibo.org.models import Unit


def meetings_for_user(user: Any) -> QuerySet[Meeting]:
    return Meeting.objects.filter(policy.scope_for(user, Perm.UNITS_VIEW).q("unit_path"))


def get_meeting_for_user(user: Any, pk: int) -> Meeting:
    meeting = meetings_for_user(user).select_related("unit").filter(pk=pk).first()
    if meeting is None:
        raise NotFound("meeting")
    return meeting


def upcoming_for_member(member_id: int, *, limit: int = 5) -> list[Invitation]:
    """The member's next meetings (from today), each with their invitation."""
    start = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time()))
    return list(Invitation.objects.filter(member_id=member_id, meeting__starts_at__gte=start)
                .select_related("meeting__unit").order_by("meeting__starts_at")[:limit])


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


def members_of(meeting: Meeting) -> QuerySet[Member]:
    return Member.objects.filter(invitations__meeting=meeting)
