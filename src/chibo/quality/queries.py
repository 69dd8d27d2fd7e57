"""Reads of the review that the console's pages need: the periods around a unit, the progress of
a subtree by step and by child (with who is late), a cell's review page, and the rows a committee
decides with the quota's head-room of every peer group.

Each answers in a fixed number of queries whatever the number of rows: grouping happens in SQL
(a prefix of ``unit_path`` names the child a row belongs to), never by reading the rows. The
caller resolves the unit through the access policy first (``org.queries.get_unit_for_user``);
every query here stays inside that unit's subtree (a path range) or its deciding rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, CharField, Count, DateField, F, Max, Q, QuerySet, Value, When
from django.utils import timezone

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core.errors import NotFound
from chibo.core.rulebook import rule
from chibo.meetings.models import Meeting, State
from chibo.members.enums import Status
from chibo.org import paths
from chibo.org.models import Unit
from chibo.quality import rules, tallies
from chibo.quality.enums import Level, Step
from chibo.quality.models import PENDING_STEPS, MemberReview, Period, UnitReview
from chibo.quality.periods import period_end
from chibo.quality.services import peer_group_label

AnyReview = UnitReview | MemberReview
LATE_SHOWN = 50  # the late rows listed on the progress page (all are counted)
PERIODS_BELOW_SHOWN = 20


# --- periods -------------------------------------------------------------------------------------


def periods_below(unit: Unit, *, limit: int = PERIODS_BELOW_SHOWN) -> list[Period]:
    """Periods opened by units inside ``unit``'s subtree (not by ``unit`` itself), newest first."""
    return list(Period.objects.filter(policy.subtree_q("unit_path", unit.path)).exclude(issuer=unit)
                .select_related("issuer").order_by("-year", "-quarter", "unit_path")[:limit])


def covering_period(unit: Unit, year: int, quarter: int = 0) -> Period | None:
    """The period of ``year`` (and quarter) whose subtree holds ``unit``: opened by it or above it."""
    return (Period.objects.filter(unit_path__in=paths.ancestors(unit.path), year=year, quarter=quarter)
            .select_related("issuer").first())


def member_review_for_user(user: Any, pk: int) -> MemberReview:
    """A member review in the user's view (404 otherwise), with its member."""
    review = (MemberReview.objects.filter(policy.scope_for(user, Perm.UNITS_VIEW).q("unit_path"), pk=pk)
              .select_related("member").first())
    if review is None:
        raise NotFound("review")
    return review


def unit_review_for_user(user: Any, unit_pk: int, year: int) -> UnitReview:
    """The year's review of a unit in the user's view (404 otherwise)."""
    unit = Unit.objects.filter(policy.scope_for(user, Perm.UNITS_VIEW).q("path"), pk=unit_pk).first()
    review = UnitReview.objects.filter(unit=unit, year=year, quarter=0).select_related("unit").first() if unit else None
    if review is None:
        raise NotFound("review")
    return review


# --- progress ------------------------------------------------------------------------------------


def late_q(model: type[AnyReview], today: dt.date) -> Q:
    """Rows whose next step's last day has passed: a member waits for the self-assessment, the
    cell's proposal, the verification and the decision; an organization skips the proposal."""
    late = (Q(step=Step.OPEN, period__self_until__lt=today)
            | Q(step=Step.VERIFIED, period__decide_until__lt=today))
    if model is MemberReview:
        return (late | Q(step=Step.SELF_ASSESSED, period__cell_until__lt=today)
                | Q(step=Step.PROPOSED, period__verify_until__lt=today))
    return late | Q(step=Step.SELF_ASSESSED, period__verify_until__lt=today)


def _due(model: type[AnyReview]) -> Case:
    """The last day of the step the row waits for."""
    after_self = "period__cell_until" if model is MemberReview else "period__verify_until"
    return Case(When(step=Step.OPEN, then=F("period__self_until")),
                When(step=Step.SELF_ASSESSED, then=F(after_self)),
                When(step=Step.PROPOSED, then=F("period__verify_until")),
                When(step=Step.VERIFIED, then=F("period__decide_until")), output_field=DateField())


@dataclass
class StepCounts:
    """Rows by step, and how many of them are late."""

    by_step: dict[str, int] = field(default_factory=dict)
    late: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_step.values())

    def add(self, step: str, n: int, late: int) -> None:
        self.by_step[step] = self.by_step.get(step, 0) + n
        self.late += late

    def cells(self, steps: Sequence[str]) -> list[int]:
        return [self.by_step.get(s, 0) for s in steps]


@dataclass
class ProgressLine:
    """A child of the unit (``unit``), or the unit's own rows (``unit`` None)."""

    unit: Unit | None
    path: str
    organizations: StepCounts = field(default_factory=StepCounts)
    members: StepCounts = field(default_factory=StepCounts)


@dataclass
class Progress:
    lines: list[ProgressLine]
    organizations: StepCounts
    members: StepCounts
    late_organizations: list[UnitReview]
    late_members: list[MemberReview]
    today: dt.date

    @property
    def empty(self) -> bool:
        return not self.organizations.total and not self.members.total


def _waiting_for(period: Period, subject: str) -> dict[str, dt.date]:
    """The last day of the step each waiting step leads to, in ``period``."""
    after_self = period.cell_until if subject == "member" else period.verify_until
    days: dict[str, dt.date] = {Step.OPEN: period.self_until, Step.SELF_ASSESSED: after_self,
                                Step.PROPOSED: period.verify_until, Step.VERIFIED: period.decide_until}
    return {step: days[step] for step in PENDING_STEPS[subject]}


def _late_steps(period: Period, subject: str, today: dt.date) -> list[str]:
    return [step for step, day in _waiting_for(period, subject).items() if day < today]


def _counts(vector: dict[str, int], subject: str) -> StepCounts:
    """A tally's rows by step: waiting at each step, decided, not classified."""
    counts = StepCounts()
    found = {step: vector.get(f"{subject}_{step}", 0) for step in PENDING_STEPS[subject]}
    found[Step.DECIDED] = sum(vector.get(f"{subject}_{level}", 0) for level in Level.values)
    if subject == "member":
        found[Step.NOT_CLASSIFIED] = vector.get("member_not_classified", 0)
    for step, n in found.items():
        if n:
            counts.add(step, n, 0)
    return counts


def progress(unit: Unit, year: int, quarter: int = 0, *, today: dt.date | None = None,
             late_shown: int = LATE_SHOWN) -> Progress:
    """How many organizations and members of ``unit``'s subtree wait at each step or are decided,
    per child, and how many are late: from the review tallies (the unit's, its children's and
    those of the units that opened the periods below it), whatever the number of rows; then the
    first late rows of each kind, one query per late step that has rows."""
    today = today or timezone.localdate()
    covering = covering_period(unit, year, quarter)
    below = [] if covering else list(Period.objects.filter(policy.subtree_q("unit_path", unit.path), year=year,
                                                           quarter=quarter).exclude(issuer=unit))
    children = list(Unit.objects.filter(parent=unit).order_by("name"))
    wanted = {unit.pk, *(c.pk for c in children), *(p.issuer_id for p in below)}
    stored = tallies.results_for([Unit(pk=pk) for pk in wanted], year, quarter)
    own = {k: n - sum(stored[c.pk][k] for c in children) for k, n in stored[unit.pk].items()}
    lines = [ProgressLine(c, c.path) for c in children if any(stored[c.pk].values())]
    if any(own.values()):
        lines.insert(0, ProgressLine(None, unit.path))
    for line in lines:
        vector = stored[line.unit.pk] if line.unit else own
        for kind, subject in (("organizations", "org"), ("members", "member")):
            counts = _counts(vector, subject)
            if covering:
                counts.late = sum(vector.get(f"{subject}_{step}", 0)
                                  for step in _late_steps(covering, subject, today))
            elif line.unit is not None:  # each period opened below counts its own late rows
                counts.late = sum(stored[p.issuer_id].get(f"{subject}_{step}", 0) for p in below
                                  if paths.is_within(p.unit_path, line.path)
                                  for step in _late_steps(p, subject, today))
            setattr(line, kind, counts)
    totals = {"organizations": StepCounts(), "members": StepCounts()}
    for line in lines:
        for kind, total in totals.items():
            counts = getattr(line, kind)
            for step, n in counts.by_step.items():
                total.add(step, n, 0)
            total.late += counts.late
    periods = [covering] if covering else below
    return Progress(lines, totals["organizations"], totals["members"],
                    _late_rows(UnitReview, unit, year, quarter, today, late_shown, periods, totals["organizations"]),
                    _late_rows(MemberReview, unit, year, quarter, today, late_shown, periods, totals["members"]),
                    today)


def _late_rows(model: type[AnyReview], unit: Unit, year: int, quarter: int, today: dt.date, limit: int,
               periods: list[Period], counts: StepCounts) -> list[Any]:
    """The first late rows of each late step (in tree order), then earliest last day first."""
    if not counts.late:
        return []
    subject = "member" if model is MemberReview else "org"
    steps = sorted({step for p in periods for step in _late_steps(p, subject, today) if counts.by_step.get(step)},
                   key=PENDING_STEPS[subject].index)
    related = ("unit", "period", "member") if model is MemberReview else ("unit", "period")
    qs: Any = model.objects
    found: list[Any] = []
    for step in steps:
        found += list(qs.filter(policy.subtree_q("unit_path", unit.path), year=year, quarter=quarter, step=step)
                      .filter(late_q(model, today)).annotate(due=_due(model)).select_related(*related)
                      .order_by("unit_path", "id")[:limit])
    return sorted(found, key=lambda r: (r.due, r.unit_path, r.id))[:limit]


# --- the cell's page -----------------------------------------------------------------------------


@dataclass
class RemovalGround:
    member_id: int
    name: str
    years: int
    first_year: int


@dataclass
class CellReviews:
    period: Period | None
    own: UnitReview | None  # the collective's own review (annual only)
    members: list[MemberReview]
    meetings: list[Meeting]
    removal_grounds: list[RemovalGround]
    streak_years: int


def cell_meetings(cell: Unit, year: int, period: Period | None) -> QuerySet[Meeting]:
    """The cell's meetings from the start of ``year`` to the end of the review (the review
    meeting of a year is often held in the next January)."""
    last = max(dt.date(year, 12, 31), period.decide_until if period else dt.date(year, 12, 31))
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    end = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))
    return (Meeting.objects.filter(unit=cell, starts_at__gte=start, starts_at__lt=end)
            .exclude(state=State.CANCELLED).order_by("-starts_at"))


def removal_grounds(cell: Unit, year: int) -> tuple[list[RemovalGround], int]:
    """The cell's current members rated non-completion in each of the rulebook's number of
    consecutive years ending with ``year`` (grounds for a removal proposal, Charter Art. 8)."""
    years = int(rule("quality.removal_non_completion_years", on=period_end(year, 0)))
    rows = (MemberReview.objects.filter(member__unit=cell, member__status__in=Status.active(), quarter=0,
                                        year__gt=year - years, year__lte=year, step=Step.DECIDED,
                                        level=Level.NON_COMPLETION)
            .values("member_id", "member__full_name").annotate(n=Count("year", distinct=True))
            .filter(n__gte=years).order_by("member__full_name", "member_id"))
    return [RemovalGround(r["member_id"], r["member__full_name"], r["n"], year - years + 1) for r in rows], years


def cell_reviews(cell: Unit, year: int, quarter: int = 0) -> CellReviews:
    """Everything the cell's review page shows, in six queries whatever the cell's size."""
    period = covering_period(cell, year, quarter)
    own = None
    if not quarter:
        own = (UnitReview.objects.filter(unit=cell, year=year, quarter=0)
               .select_related("framework__extends__extends", "period").first())
    members = list(MemberReview.objects.filter(unit=cell, year=year, quarter=quarter).select_related("member")
                   .order_by("member__name_folded", "id"))
    grounds, years = removal_grounds(cell, year) if not quarter else ([], 0)
    return CellReviews(period, own, members, list(cell_meetings(cell, year, period)), grounds, years)


# --- the deciding committee's page ---------------------------------------------------------------

UNITS, MEMBERS = "units", "members"


@dataclass(frozen=True)
class PeerGroup(rules.Headroom):
    """A quota's peer group among the rows a unit decides: its head-room (``rules.Headroom``:
    ``group`` is the key), and its rows by step."""

    subject: str = UNITS  # UNITS or MEMBERS
    label: str = ""
    by_step: dict[str, int] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.group

    @property
    def total(self) -> int:
        return sum(self.by_step.values())


def _step_counts() -> dict[str, Count]:
    counts = {f"n_{s}": Count("id", filter=Q(step=s)) for s in Step.values}
    decided = Q(step=Step.DECIDED)
    counts["excellent"] = Count("id", filter=decided & Q(level=Level.EXCELLENT))
    counts["good"] = Count("id", filter=decided & Q(level=Level.GOOD))
    return counts


def decision_groups(decider: Unit, year: int, quarter: int = 0) -> list[PeerGroup]:
    """Every peer group of the rows ``decider`` decides: rows by step, those decided excellent and
    good, and the quota's limit (one grouped query over both kinds of rows, and the rulebook)."""
    mine = {"decider": decider, "year": year, "quarter": quarter}
    units = (UnitReview.objects.filter(**mine).values("peer_group")
             .annotate(subject=Value(UNITS, output_field=CharField()), kind=Max("kind"), **_step_counts()).order_by())
    members = (MemberReview.objects.filter(**mine).values("peer_group")
               .annotate(subject=Value(MEMBERS, output_field=CharField()), kind=Value("", output_field=CharField()),
                         **_step_counts()).order_by())
    quota = rule("quality.excellent_quota", on=period_end(year, quarter))
    groups = []
    both: Any = units.union(members, all=True)
    for row in both:
        good = row["good"]
        groups.append(PeerGroup(
            row["peer_group"], row["excellent"], good,
            rules.quota_limit(good, percent=quota["percent"], rounding=quota["rounding"]), subject=row["subject"],
            label=peer_group_label(row["peer_group"], row["kind"], decider.name),
            by_step={s: row[f"n_{s}"] for s in Step.values if row[f"n_{s}"]}))
    return sorted(groups, key=lambda g: (g.subject != UNITS, g.label))


def decision_rows(decider: Unit, year: int, quarter: int = 0, *, subject: str = UNITS, step: str = "",
                  page: int = 1, size: int = 200) -> tuple[list[AnyReview], bool]:
    """One page of the rows ``decider`` decides (organizations or members), in tree order, and
    whether another page follows (one query)."""
    qs: Any
    if subject == MEMBERS:
        qs = (MemberReview.objects.filter(decider=decider, year=year, quarter=quarter)
              .select_related("member", "unit").order_by("unit_path", "member__name_folded", "id"))
    else:
        qs = UnitReview.objects.filter(decider=decider, year=year, quarter=quarter).select_related("unit") \
            .order_by("unit_path", "id")
    if step:
        qs = qs.filter(step=step)
    start = (max(page, 1) - 1) * size
    rows = list(qs[start:start + size + 1])
    return rows[:size], len(rows) > size


def rows_by_id(decider: Unit, year: int, quarter: int, subject: str, ids: list[int]) -> dict[int, AnyReview]:
    """The rows of ``ids`` that ``decider`` decides (the others are simply missing)."""
    qs: Any = (MemberReview.objects.select_related("member", "unit") if subject == MEMBERS
               else UnitReview.objects.select_related("unit"))
    return {r.pk: r for r in qs.filter(decider=decider, year=year, quarter=quarter, pk__in=ids)}
