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
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.accounts import policy
from chibo.core.rulebook import rule
from chibo.meetings.models import Meeting, State
from chibo.members.enums import Status
from chibo.org import paths
from chibo.org.enums import UnitKind
from chibo.org.models import Unit
from chibo.quality import rules
from chibo.quality.enums import Level, Step
from chibo.quality.models import MemberReview, Period, UnitReview
from chibo.quality.periods import period_end

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


def _grouped(model: type[AnyReview], unit: Unit, year: int, quarter: int, today: dt.date) -> list[dict[str, Any]]:
    width = len(unit.path) + paths.STEP
    rows: Any = (model.objects.filter(policy.subtree_q("unit_path", unit.path), year=year, quarter=quarter)
                .annotate(prefix=Substr("unit_path", 1, width)).values("prefix", "step")
                .annotate(n=Count("id"), late=Count("id", filter=late_q(model, today))).order_by())
    return list(rows)


def _late_rows(model: type[AnyReview], unit: Unit, year: int, quarter: int, today: dt.date,
               limit: int) -> list[Any]:
    related = ("unit", "period", "member") if model is MemberReview else ("unit", "period")
    qs: Any = model.objects
    return list(qs.filter(policy.subtree_q("unit_path", unit.path), year=year, quarter=quarter)
                .filter(late_q(model, today)).annotate(due=_due(model)).select_related(*related)
                .order_by("due", "unit_path", "id")[:limit])


def progress(unit: Unit, year: int, quarter: int = 0, *, today: dt.date | None = None,
             late_shown: int = LATE_SHOWN) -> Progress:
    """How many organizations and members of ``unit``'s subtree are at each step, per child
    (five queries: two groupings, the children's names, the first late rows of each kind)."""
    today = today or timezone.localdate()
    lines: dict[str, ProgressLine] = {}
    totals = {"organizations": StepCounts(), "members": StepCounts()}
    for kind, model in (("organizations", UnitReview), ("members", MemberReview)):
        for row in _grouped(model, unit, year, quarter, today):
            line = lines.setdefault(row["prefix"], ProgressLine(None, row["prefix"]))
            getattr(line, kind).add(row["step"], row["n"], row["late"])
            totals[kind].add(row["step"], row["n"], row["late"])
    children = {u.path: u for u in Unit.objects.filter(path__in=[p for p in lines if p != unit.path])}
    for path, line in lines.items():
        line.unit = children.get(path)
    ordered = sorted(lines.values(), key=lambda ln: (ln.unit is not None, ln.unit.name if ln.unit else ""))
    return Progress(ordered, totals["organizations"], totals["members"],
                    _late_rows(UnitReview, unit, year, quarter, today, late_shown),
                    _late_rows(MemberReview, unit, year, quarter, today, late_shown), today)


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


@dataclass
class PeerGroup:
    """A quota's peer group among the rows a unit decides, with its rows by step and its head-room."""

    key: str
    subject: str  # UNITS or MEMBERS
    label: str
    by_step: dict[str, int]
    excellent: int
    good: int
    limit: int

    @property
    def left(self) -> int:
        return self.limit - self.excellent

    @property
    def total(self) -> int:
        return sum(self.by_step.values())


def _step_counts() -> dict[str, Count]:
    counts = {f"n_{s}": Count("id", filter=Q(step=s)) for s in Step.values}
    decided = Q(step=Step.DECIDED)
    counts["excellent"] = Count("id", filter=decided & Q(level=Level.EXCELLENT))
    counts["good"] = Count("id", filter=decided & Q(level=Level.GOOD))
    return counts


def peer_group_label(group: str, kind: str, decider: Unit) -> str:
    """A peer group in words (the quota's messages say the same: ``services.group_label``)."""
    if group.startswith(("leaders@", "members@")):
        who = _("leaders") if group.startswith("leaders@") else _("members")
        return _("%(who)s decided by %(unit)s") % {"who": who, "unit": decider.name}
    name = UnitKind(kind).label if kind in UnitKind.values else kind
    return _("%(kind)s decided by %(unit)s") % {"kind": name, "unit": decider.name}


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
            row["peer_group"], row["subject"], peer_group_label(row["peer_group"], row["kind"], decider),
            {s: row[f"n_{s}"] for s in Step.values if row[f"n_{s}"]}, row["excellent"], good,
            rules.quota_limit(good, percent=quota["percent"], rounding=quota["rounding"])))
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
