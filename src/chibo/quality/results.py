"""The review's results for any unit and year: organizations and members by level, beside the
previous year, for the unit and each of its children; the quality of the new members; the share
of grassroots organizations rated good or better (an indicator with a target, read by
``targets.progress``).

The figures by level come from the tallies (``quality.tallies``: one row per unit and year, so a
province's or the nation's results are a handful of rows), never from the review rows. Only the
new members' quality, which the tallies do not keep, is one grouped query over the first reviews
of the year's admitted members (index ``memberreview_admitted``), by child unit.

Reads only, scoped by the caller (the views resolve the unit through the access policy).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from chibo.core.numbers import percent
from chibo.org import paths
from chibo.org.enums import UnitKind
from chibo.org.models import Unit
from chibo.quality.enums import Exclusion, Level, Step
from chibo.quality.models import TALLY_COLUMNS, MemberReview, QualityTally

Vector = dict[str, int]
GOOD_OR_BETTER = (Level.EXCELLENT.value, Level.GOOD.value)
SUBJECTS: tuple[tuple[str, Promise], ...] = (
    ("org", _("Party organizations")),
    ("grassroots", _("Grassroots party organizations")),
    ("member", _("Party members")),
)


def empty() -> Vector:
    return dict.fromkeys(TALLY_COLUMNS, 0)


def classified(v: Vector, subject: str) -> int:
    """How many of ``subject`` (org, grassroots, member) have a decided level."""
    return sum(v[f"{subject}_{level}"] for level in Level.values)


def good_or_better(v: Vector, subject: str) -> int:
    return sum(v[f"{subject}_{level}"] for level in GOOD_OR_BETTER)


@dataclass(frozen=True)
class LevelLine:
    """One level of one subject: this year's count and share of the classified, and last year's."""

    level: str
    label: str
    count: int
    percent: Decimal | None
    last_count: int
    last_percent: Decimal | None


@dataclass(frozen=True)
class SubjectFigures:
    """Organizations (all or grassroots) or members of a subtree, by level, beside last year."""

    subject: str
    label: str
    reviewed: int
    classified: int
    not_classified: int  # members only: reviewed, not classified (recent, suspended)
    last_reviewed: int
    last_classified: int
    lines: list[LevelLine]
    good_or_better: int
    good_percent: Decimal | None  # good or better, of the classified
    last_good_percent: Decimal | None

    @property
    def undecided(self) -> int:
        """Rows still waiting for the decision."""
        return self.reviewed - self.not_classified - self.classified


def subject_figures(now: Vector, before: Vector, subject: str, label: str) -> SubjectFigures:
    done, last_done = classified(now, subject), classified(before, subject)
    lines = [LevelLine(level, str(Level(level).label), now[f"{subject}_{level}"],
                       percent(now[f"{subject}_{level}"], done), before[f"{subject}_{level}"],
                       percent(before[f"{subject}_{level}"], last_done)) for level in Level.values]
    return SubjectFigures(
        subject, label, now[f"{subject}_total"], done, now.get(f"{subject}_not_classified", 0),
        before[f"{subject}_total"], last_done, lines, good_or_better(now, subject),
        percent(good_or_better(now, subject), done), percent(good_or_better(before, subject), last_done))


@dataclass
class UnitResults:
    """A unit's (whole subtree's) results for a year and the previous one."""

    unit_id: int
    name: str
    path: str
    now: Vector
    before: Vector
    subjects: list[SubjectFigures] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.subjects = [subject_figures(self.now, self.before, key, str(label)) for key, label in SUBJECTS]

    def of(self, subject: str) -> SubjectFigures:
        return next(s for s in self.subjects if s.subject == subject)

    @property
    def reviewed(self) -> bool:
        """Whether any review was opened for this subtree in the year."""
        return any(self.now.values())

    @property
    def grassroots_share(self) -> Decimal | None:
        """The indicator: grassroots organizations rated good or better, of those reviewed."""
        return indicator_share(self.now)


def indicator_share(v: Vector) -> Decimal | None:
    """(grassroots excellent + good) / grassroots reviewed, as a percentage (the indicator whose
    target a province sets: "over 75% of the grassroots organizations rated good or better")."""
    return percent(good_or_better(v, "grassroots"), v["grassroots_total"])


@dataclass(frozen=True)
class NewMembers:
    """Of the members admitted in a year: reviewed for the first time (classified rows), decided,
    rated good or better at that first review."""

    unit_id: int
    name: str
    path: str
    reviewed: int = 0
    decided: int = 0
    good: int = 0

    @property
    def percent(self) -> Decimal | None:
        return percent(self.good, self.decided)


@dataclass
class Results:
    year: int
    unit: UnitResults
    children: list[UnitResults]
    new_members: NewMembers
    new_members_by_child: list[NewMembers]


def _tallies(ids: list[int], years: Iterable[int]) -> dict[tuple[int, int], Vector]:
    """The year tallies (quarter 0) of the given units and years: one query."""
    rows = QualityTally.objects.filter(unit_id__in=ids, year__in=list(years), quarter=0)
    return {(t.unit_id, t.year): t.as_dict() for t in rows}


def children_of(unit: Unit) -> list[Unit]:
    """The units to drill down to: the open children, and closed ones that kept figures (party
    groups hold no review rows)."""
    return list(Unit.objects.filter(parent=unit).exclude(kind=UnitKind.PARTY_GROUP)
                .order_by("name_folded", "pk"))


def results(unit: Unit, year: int) -> Results:
    """``unit``'s results for ``year`` and each child's, beside ``year - 1``; the new members of
    ``year``: four queries whatever the size of the subtree."""
    kids = children_of(unit)
    ids = [unit.pk, *[k.pk for k in kids]]
    figures = _tallies(ids, (year, year - 1))

    def one(u: Unit) -> UnitResults:
        return UnitResults(u.pk, u.name, u.path, figures.get((u.pk, year), empty()),
                           figures.get((u.pk, year - 1), empty()))

    rows = [one(k) for k in kids]
    rows = [r for r, k in zip(rows, kids, strict=True) if k.closed_on is None or r.reviewed or any(r.before.values())]
    own, by_child = new_members(unit, kids, year)
    return Results(year, one(unit), rows, own, by_child)


def new_members(unit: Unit, kids: list[Unit], year: int) -> tuple[NewMembers, list[NewMembers]]:
    """Members admitted in ``year`` whose first classified annual review is in ``unit``'s subtree:
    in all and by child (one grouped query on the children's path prefix)."""
    width = len(unit.path) + paths.STEP
    good, decided = Q(step=Step.DECIDED, level__in=GOOD_OR_BETTER), Q(step=Step.DECIDED)
    rows = (MemberReview.objects
            .filter(admitted_year=year, is_first=True, quarter=0, excluded=Exclusion.NONE,
                    unit_path__gte=unit.path, unit_path__lt=paths.upper_bound(unit.path))
            .annotate(prefix=Substr("unit_path", 1, width)).values("prefix")
            .annotate(reviewed=Count("id"), decided=Count("id", filter=decided), good=Count("id", filter=good))
            .order_by())
    counts = {r["prefix"]: (r["reviewed"], r["decided"], r["good"]) for r in rows}
    total = tuple(sum(c[i] for c in counts.values()) for i in range(3))
    own = NewMembers(unit.pk, unit.name, unit.path, *total)
    return own, [NewMembers(k.pk, k.name, k.path, *counts.get(k.path, (0, 0, 0))) for k in kids
                 if k.path in counts or k.closed_on is None]


def indicator_for(unit_ids: list[int], year: int) -> dict[int, Decimal | None]:
    """The indicator (grassroots organizations rated good or better, %) of each unit for ``year``
    (one query; None where nothing was reviewed)."""
    figures = _tallies(unit_ids, (year,))
    return {i: indicator_share(figures[(i, year)]) if (i, year) in figures else None for i in unit_ids}


def years_with_results(unit: Unit) -> list[int]:
    """The years that have a year review in ``unit``'s subtree, newest first."""
    return list(QualityTally.objects.filter(unit=unit, quarter=0).order_by("-year")
                .values_list("year", flat=True))
