"""Reads for the handbook and for the console's handbook pages, each scoped to its reader."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core.errors import NotFound
from chibo.handbook.models import HandbookUse, Thread
from chibo.library import queries as library_queries
from chibo.library.models import Document, StudyAssignment, StudyConfirmation
from chibo.meetings import queries as meeting_queries
from chibo.meetings.models import Meeting
from chibo.members import party_age as member_party_age
from chibo.members.enums import Status
from chibo.members.models import Member, UnitMemberTally
from chibo.org import paths
from chibo.org.models import Unit

ACTIVE_DAYS = 30
THREADS_SHOWN = 50
# the levels a member may write to: their cell up to the province (the central level is not a mailbox)
TOP_ASKABLE_DEPTH = 2


def party_age(member: Member, on: dt.date | None = None) -> int | None:
    """Whole years of party age (``members.party_age``: from the first admission, minus the gaps)."""
    age = member_party_age.of_member(member, on or timezone.localdate())
    return None if age is None else age.years


def askable_units(member: Member) -> list[Unit]:
    """The member's cell and the open committees above it, nearest first."""
    wanted = [p for p in paths.ancestors(member.unit_path) if paths.depth(p) >= TOP_ASKABLE_DEPTH]
    return list(Unit.objects.filter(path__in=wanted, closed_on__isnull=True).order_by("-path"))


def threads_of(member: Member) -> QuerySet[Thread]:
    return Thread.objects.filter(member=member).select_related("unit").order_by("-last_post_at", "-pk")


def get_thread_of(member: Member, pk: int) -> Thread:
    """One of the member's own threads, else :class:`NotFound` (another member's looks missing)."""
    thread = threads_of(member).filter(pk=pk).first()
    if thread is None:
        raise NotFound("thread")
    return thread


def threads_for_user(user: Any) -> QuerySet[Thread]:
    """Threads addressed to units the officer sees (a grant covers the unit's subtree)."""
    scope = policy.scope_for(user, Perm.MEMBERS_VIEW)
    return Thread.objects.filter(scope.q("unit__path")).select_related("unit", "member")


def get_thread_for_user(user: Any, pk: int) -> Thread:
    thread = threads_for_user(user).filter(pk=pk).first()
    if thread is None:
        raise NotFound("thread")
    return thread


@dataclass(frozen=True)
class ToStudy:
    """A line of the member's "to study" list: a study assignment (study by ``due``), or a document
    attached to one of their coming meetings (read before the meeting, on ``due``)."""

    document: Document
    due: dt.date
    assignment: StudyAssignment | None = None
    meeting: Meeting | None = None
    confirmed: bool = False


def to_study(member: Member, *, limit: int, meetings: int = 10) -> list[ToStudy]:
    """What ``member`` has to study, soonest first: the study assignments that reach them, still to
    confirm or not yet due, and the documents attached to their next ``meetings`` meetings that
    they have not confirmed studying (through an assignment of the same document). A document is
    listed once. Three or four queries."""
    today = timezone.localdate()
    assignments = list(library_queries.assignments_for_member(member)
                       .filter(Q(confirmed=False) | Q(due_on__gte=today))[:limit])
    items = [ToStudy(a.document, a.due_on, assignment=a, confirmed=bool(getattr(a, "confirmed", False)))
             for a in assignments]
    upcoming = [inv.meeting for inv in meeting_queries.upcoming_for_member(member, limit=meetings)]
    to_read = meeting_queries.documents_to_read(upcoming)
    attached = {d.pk for docs in to_read.values() for d in docs}
    seen = {a.document_id for a in assignments}
    if attached:
        seen |= set(StudyConfirmation.objects.filter(member=member, assignment__document_id__in=attached)
                    .values_list("assignment__document_id", flat=True))
    for meeting in upcoming:
        for document in to_read[meeting.pk]:
            if document.pk not in seen:
                seen.add(document.pk)
                items.append(ToStudy(document, timezone.localdate(meeting.starts_at), meeting=meeting))
    return sorted(items, key=lambda item: item.due)[:limit]


@dataclass(frozen=True)
class Adoption:
    """One row of the adoption report: active, non-exempt members and how many use the handbook."""

    unit: Unit
    members: int
    ever: int
    recent: int

    @property
    def ever_pct(self) -> float | None:
        return 100 * self.ever / self.members if self.members else None

    @property
    def recent_pct(self) -> float | None:
        return 100 * self.recent / self.members if self.members else None


def adoption(unit: Unit, *, now: dt.datetime | None = None) -> list[Adoption]:
    """The unit and each of its open children: handbook users among their members (one GROUP BY).

    Members are counted where they are placed (``unit_path``), as the tallies count them; a user
    is "active" when they opened the handbook in the last 30 days.
    """
    since = (now or timezone.now()) - dt.timedelta(days=ACTIVE_DAYS)
    children = list(Unit.objects.filter(parent=unit, closed_on__isnull=True).order_by("name_folded", "pk"))
    tallies = {t.unit_id: t.total - t.exempted
               for t in UnitMemberTally.objects.filter(unit_id__in=[unit.pk, *[c.pk for c in children]])}
    rows = (HandbookUse.objects
            .filter(policy.subtree_q("user__member__unit_path", unit.path),
                    user__member__status__in=(Status.PROBATIONARY, Status.OFFICIAL))
            .annotate(branch=Substr("user__member__unit_path", 1, len(unit.path) + paths.STEP))
            .order_by().values("branch")
            .annotate(ever=Count("pk"), recent=Count("pk", filter=Q(last_at__gte=since))))
    used = {r["branch"]: (r["ever"], r["recent"]) for r in rows}
    total = (sum(e for e, _ in used.values()), sum(r for _, r in used.values()))
    return [Adoption(unit, tallies.get(unit.pk, 0), *total),
            *[Adoption(c, tallies.get(c.pk, 0), *used.get(c.path, (0, 0))) for c in children]]
