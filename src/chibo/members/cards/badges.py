"""The badge list of an award day (rules in ``cards.rules``): who is due which tier, by unit.

Two indexed reads, each a union of one range per tier on ``COALESCE(party_since, admission_date)``
(index ``member_party_since``), never a scan of every member's party age:

* the *on-time* read: the age reaches the tier after the previous award day and by this one
  (the living, and the dead who reached it; the rule decides the posthumous case);
* the *early* read: the age reaches the tier within the early window after the day, for members
  with a "seriously ill" record on the day (or on the day they died).

Both leave out members already awarded the tier, members with an open gap (their age stands still)
and members who are not (or no longer) official; rows come ordered by cell, name and id, so a page
is a keyset on that key and the two reads merge in order.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import BooleanField, Case, CharField, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from chibo.core.errors import DomainError
from chibo.core.rulebook import rule
from chibo.members.cards import rules
from chibo.members.cards.models import BadgeAward, SeriousIllness
from chibo.members.enums import Status
from chibo.members.models import Member, MembershipGap
from chibo.org.models import Unit

DUE_STATUSES = (Status.OFFICIAL, Status.EXEMPTED, Status.DECEASED)
FIELDS = ("pk", "full_name", "name_folded", "birth_date", "admission_date", "since", "status", "status_since",
          "unit_id", "unit_name", "unit_path", "tier", "ill_on_day", "ill_when_died")
Key = tuple[str, str, int]


@dataclass(frozen=True)
class Due:
    member_id: int
    full_name: str
    birth_date: dt.date
    admission_date: dt.date | None
    since: dt.date
    unit_id: int
    unit_name: str
    unit_path: str
    tier: int
    reached: dt.date
    kind: str
    died_on: dt.date | None


@dataclass(frozen=True)
class Plan:
    """What the list of ``day`` reads: its windows and rules (from the rulebook as of ``day``)."""

    day: dt.date
    previous: dt.date
    early: rules.Early
    on_time: list[rules.Window]
    beyond: list[rules.Window]  # the early windows' part after the day


# the first award day under the rulebook's badge rules (in force from 19 January 2011); far enough
FIRST_DAY, LAST_DAY = dt.date(2011, 2, 3), dt.date(2200, 12, 31)


def plan_for(day: dt.date) -> Plan:
    if not FIRST_DAY <= day <= LAST_DAY:
        from django.utils.translation import gettext as _

        raise DomainError(_("Choose an award day between %(first)s and %(last)s.")
                          % {"first": FIRST_DAY.strftime("%d/%m/%Y"), "last": LAST_DAY.strftime("%d/%m/%Y")})
    award_days = rule("members.badge_award_days", on=day)
    if not rules.is_award_day(day, award_days):
        raise DomainError(_not_award_day(award_days))
    tiers = rule("members.badge_years", on=day)
    early = rules.Early.of(rule("members.badge_early", on=day))
    previous = rules.previous_award_day(day, award_days)
    on_time = rules.on_time_windows(day, previous, tiers)
    beyond = [rules.Window(w.tier, ot.upto, w.upto)
              for w, ot in zip(rules.early_windows(day, previous, tiers, early), on_time, strict=True)]
    return Plan(day, previous, early, on_time, beyond)


def _not_award_day(days: Sequence[str]) -> str:
    from django.utils.translation import gettext as _

    return _("Badges are awarded on %(days)s: choose one of these days.") % {
        "days": ", ".join(f"{d[3:]}/{d[:2]}" for d in days)}


def _since() -> Coalesce:
    return Coalesce("party_since", "admission_date")  # the expression of index member_party_since


def _ranges(windows: Sequence[rules.Window]) -> tuple[Q, Case]:
    q, whens = Q(pk__in=[]), []
    for w in windows:
        q |= Q(since__gt=w.after, since__lte=w.upto)
        whens.append(When(since__gt=w.after, since__lte=w.upto, then=Value(w.tier)))
    return q, Case(*whens, output_field=IntegerField())


def _illness_on(day: Any) -> Exists:
    return Exists(SeriousIllness.objects.filter(member_id=OuterRef("pk"), valid_from__lte=day)
                  .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day)))


def _read(unit: Unit, windows: Sequence[rules.Window], day: dt.date, *, ill_only: bool,
          names: bool = True) -> QuerySet:
    """One read; ``names=False`` leaves the cells' names out (the whole list reads them apart: a
    hash join of every unit costs more than the list)."""
    in_range, tier = _ranges(windows)
    qs = (Member.objects.filter(unit_path__gte=unit.path, unit_path__lt=unit.path_upper, status__in=DUE_STATUSES)
          .annotate(since=_since()).filter(in_range).annotate(tier=tier)
          .exclude(Exists(BadgeAward.objects.filter(member_id=OuterRef("pk"), tier=OuterRef("tier"))))
          .exclude(Exists(MembershipGap.objects.filter(member_id=OuterRef("pk"), valid_to__isnull=True)))
          .annotate(ill_on_day=_illness_on(day) if ill_only else Value(False, output_field=BooleanField()),
                    ill_when_died=Case(When(status=Status.DECEASED, then=_illness_on(OuterRef("status_since"))),
                                       default=Value(False), output_field=BooleanField())))
    if ill_only:  # driven by the few "seriously ill" records, not by the early windows' wide ranges
        qs = qs.filter(pk__in=SeriousIllness.objects.filter(valid_from__lte=day).values("member_id"))
        qs = qs.filter(Q(ill_on_day=True) | Q(ill_when_died=True))
    qs = qs.annotate(unit_name=F("unit__name") if names else Value("", output_field=CharField()))
    return qs.order_by("unit_path", "name_folded", "pk").values_list(*FIELDS)


def _after(qs: QuerySet, key: Key | None) -> QuerySet:
    if key is None:
        return qs
    path, name, pk = key
    return qs.filter(Q(unit_path__gt=path) | Q(unit_path=path, name_folded__gt=name)
                     | Q(unit_path=path, name_folded=name, pk__gt=pk))


def _judge(row: tuple, plan: Plan) -> Due | None:
    (pk, full_name, _folded, birth, admitted, since, status, status_since, unit_id, unit_name, path, tier,
     ill_on_day, ill_when_died) = row
    died_on = status_since if status == Status.DECEASED else None
    if status == Status.DECEASED and died_on is None:
        return None
    kind = rules.due_kind(since, tier, day=plan.day, previous=plan.previous, early=plan.early,
                          ill_on_day=bool(ill_on_day), died_on=died_on, ill_when_died=bool(ill_when_died))
    if kind is None:
        return None
    return Due(pk, full_name, birth, admitted, since, unit_id, unit_name, path, tier,
               rules.reached_on(since, tier), kind, died_on)


def _key(row: tuple) -> Key:
    return row[10], row[2], row[0]


def _reads(unit: Unit, plan: Plan, *, names: bool = True) -> tuple[QuerySet, QuerySet]:
    return (_read(unit, plan.on_time, plan.day, ill_only=False, names=names),
            _read(unit, plan.beyond, plan.day, ill_only=True, names=names))


@dataclass(frozen=True)
class Page:
    rows: list[Due]
    next_key: Key | None


def due_page(unit: Unit, day: dt.date, *, after: Key | None = None, size: int = 100) -> Page:
    """One page of the list (two queries: each read's next ``size + 1`` rows, merged in order)."""
    plan = plan_for(day)
    fetched = heapq.merge(*(list(_after(qs, after)[: size + 1]) for qs in _reads(unit, plan)), key=_key)
    consumed = list(fetched)
    more = len(consumed) > size
    consumed = consumed[:size]
    rows = [due for due in (_judge(r, plan) for r in consumed) if due is not None]
    return Page(rows, _key(consumed[-1]) if more and consumed else None)


def due_all(unit: Unit, day: dt.date) -> list[Due]:
    """The whole list of ``unit``'s subtree (exports, the bench), in order: each read fetched whole
    (a server-side cursor would make PostgreSQL plan for the first rows: the whole table walked in
    cell order), then the cells' names in one query."""
    plan = plan_for(day)
    fetched = heapq.merge(*(list(qs) for qs in _reads(unit, plan, names=False)), key=_key)
    rows = [due for due in (_judge(r, plan) for r in fetched) if due is not None]
    names = _names(unit, rows)
    return [replace(r, unit_name=names.get(r.unit_id, "")) for r in rows]


def count_due(unit: Unit, day: dt.date) -> int:
    """At most how many rows the whole list has (the two reads counted; the rule may still leave
    out a few): what a background export checks and shows its progress against."""
    plan = plan_for(day)
    return sum(qs.count() for qs in _reads(unit, plan, names=False))


def _names(unit: Unit, rows: list[Due]) -> dict[int, str]:
    """The cells' names: by id for a few, else the subtree's units as a range (an IN list of tens
    of thousands of ids costs seconds)."""
    ids = {r.unit_id for r in rows}
    units = Unit.objects.filter(pk__in=ids) if len(ids) <= 1000 else Unit.objects.subtree(unit)
    return dict(units.values_list("pk", "name"))


def due_for_members(unit: Unit, day: dt.date, member_ids: Sequence[int]) -> list[Due]:
    """The rows of the chosen members that are due on ``day`` (the award action checks them)."""
    plan = plan_for(day)
    rows = [r for qs in _reads(unit, plan) for r in qs.filter(pk__in=list(member_ids))]
    return [due for due in (_judge(r, plan) for r in rows) if due is not None]
