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
from chibo.members.enums import Status
from chibo.members.models import Member, UnitMemberTally
from chibo.members.rules import age_years
from chibo.org import paths
from chibo.org.models import Unit

ACTIVE_DAYS = 30
THREADS_SHOWN = 50
# the levels a member may write to: their cell up to the province (the central level is not a mailbox)
TOP_ASKABLE_DEPTH = 2


def party_age(member: Member, on: dt.date | None = None) -> int | None:
    """Whole years since the admission decision (gaps are not recorded yet, so none are deducted)."""
    if member.admission_date is None:
        return None
    return max(age_years(member.admission_date, on or timezone.localdate()), 0)


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
