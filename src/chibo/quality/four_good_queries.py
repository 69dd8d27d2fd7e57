"""Reads of the "4 good" movement, each in a fixed number of queries whatever the number of cells:
where a unit stands in a year (its checklists, votes, level and what keeps it from recognition),
the units a committee may recognise, and a committee's progress as of a day, per child.

The services (``four_good``) take a unit's standing from here, so a page and a refusal always say
the same thing.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, TextField
from django.db.models.functions import Cast, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.meetings.models import Kind, Meeting, State
from chibo.org import paths
from chibo.org.enums import UnitKind
from chibo.org.models import Unit, UnitPathPeriod
from chibo.quality import frameworks, rules
from chibo.quality.enums import FrameworkKind, Level, Step
from chibo.quality.models import (
    FourGoodApproval,
    FourGoodMonth,
    FourGoodRecognition,
    FourGoodRegistration,
    Framework,
    UnitReview,
)

# the organizations that take part: cells, grassroots cells and grassroots committees
ELIGIBLE = frozenset(UnitKind.member_holding() | UnitKind.grassroots())


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    first = month_start(day)
    return (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def approved(votes_for: int, votes_present: int, rule: dict[str, Any]) -> bool:
    """A half-year vote approves the results when more than ``approval_percent`` (the rule's,
    50 when it gives none: more than half) of the members present voted for."""
    return votes_present > 0 and votes_for * 100 > Decimal(str(rule.get("approval_percent", 50))) * votes_present


def in_force_for(units: list[Unit], day: dt.date) -> dict[int, Framework | None]:
    """The "4 good" framework in force for each unit on ``day`` (``frameworks.in_force_for``)."""
    return frameworks.in_force_for(FrameworkKind.FOUR_GOOD, units, day)


def name_of(framework: Framework | None) -> str:
    """The framework's name in the reader's language."""
    return frameworks.display_name(framework) if framework is not None else ""


def top_criteria(framework: Framework | None) -> list[dict[str, str]]:
    """The top-level criteria (key and label in the reader's language) of a checklist."""
    if framework is None:
        return []
    return [{"key": c["key"], "label": frameworks.label(c)}
            for c in frameworks.top_level(frameworks.criteria(framework))]


@dataclass
class Standing:
    """Where a unit stands in the movement for a year, and what keeps it from recognition."""

    unit: Unit
    year: int
    framework: Framework | None  # in force on the year's last day: its criteria and its rule count
    registration: FourGoodRegistration | None
    months: list[FourGoodMonth] = field(default_factory=list)
    approvals: list[FourGoodApproval] = field(default_factory=list)
    level: str = ""  # the unit's decided review level of the year
    recognition: FourGoodRecognition | None = None

    @property
    def rule(self) -> dict[str, Any]:
        return self.framework.rule if self.framework else {}

    @property
    def criteria(self) -> list[dict[str, str]]:
        return top_criteria(self.framework)

    @property
    def passed(self) -> dict[str, int]:
        """Criterion key → months it passed in."""
        counts = {c["key"]: 0 for c in self.criteria}
        for month in self.months:
            for key in month.passed:
                counts[key] = counts.get(key, 0) + 1
        return counts

    @property
    def by_criterion(self) -> list[dict[str, Any]]:
        """The top-level criteria with the months each passed in, in the framework's order."""
        passed = self.passed
        return [{**c, "passed": passed.get(c["key"], 0)} for c in self.criteria]

    @property
    def framework_name(self) -> str:
        return name_of(self.framework)

    @property
    def approval_percent(self) -> Decimal:
        return Decimal(str(self.rule.get("approval_percent", 50)))

    @property
    def level_label(self) -> str:
        return str(Level(self.level).label) if self.level else ""

    @property
    def min_level_label(self) -> str:
        return str(Level(self.rule["min_level"]).label) if self.rule.get("min_level") else ""

    @property
    def approved(self) -> int:
        return sum(1 for a in self.approvals if approved(a.votes_for, a.votes_present, self.rule))

    @property
    def missing(self) -> list[str]:
        """The reasons (``rules.four_good_holds``'s codes, and ``registration`` and ``framework``)
        the unit is not "4 good" for the year; empty when the rule holds."""
        if self.registration is None:
            return ["registration"]
        if self.framework is None:
            return ["framework"]
        return rules.four_good_holds(self.passed, [c["key"] for c in self.criteria], self.level or None,
                                     self.approved, self.rule)

    @property
    def may_be_recognised(self) -> bool:
        return self.recognition is None and not self.missing

    def evidence(self) -> dict[str, Any]:
        """What the recognition rests on, stored with it."""
        return {"framework": self.framework.pk if self.framework else None, "rule": self.rule,
                "months_passed": self.passed, "checklists": len(self.months), "level": self.level,
                "approvals": self.approved}

    def reasons(self) -> list[str]:
        """The missing conditions in words, each saying what the rule asks."""
        labels = {c["key"]: c["label"] for c in self.criteria}
        passed, rule = self.passed, self.rule
        out = []
        for code in self.missing:
            if code == "registration":
                out.append(_("Not registered for the movement in %(year)d.") % {"year": self.year})
            elif code == "framework":
                out.append(_("No “4 good” criteria are in force for this unit at the end of %(year)d.")
                           % {"year": self.year})
            elif code.startswith("months:"):
                key = code.split(":", 1)[1]
                out.append(_("“%(criterion)s” passed in %(n)d months; the rule asks for at least "
                             "%(min)d.") % {"criterion": labels.get(key, key), "n": passed.get(key, 0),
                                            "min": int(rule.get("months_min", 0))})
            elif code == "level":
                values = {"level": self.level_label, "year": self.year, "min": self.min_level_label}
                out.append(_("Rated “%(level)s” in the %(year)d review; the rule asks for "
                             "“%(min)s” or better.") % values if self.level else
                           _("No review level decided for %(year)d yet; the rule asks for “%(min)s” or "
                             "better.") % values)
            elif code == "approvals":
                out.append(_("%(n)d half-year votes approved the results; the rule asks for %(min)d.")
                           % {"n": self.approved, "min": int(rule.get("approvals", 0))})
        return out


def registrations_in(year: int) -> Q:
    return Q(first_year__lte=year, last_year__gte=year)


def standings(units: list[Unit], year: int) -> dict[int, Standing]:
    """The standing of each unit for ``year`` (six queries for the whole list)."""
    ids = [u.pk for u in units]
    in_force = in_force_for(units, year_end(year))
    registered = {r.unit_id: r for r in FourGoodRegistration.objects.filter(registrations_in(year), unit_id__in=ids)}
    out = {u.pk: Standing(u, year, in_force[u.pk], registered.get(u.pk)) for u in units}
    for month in FourGoodMonth.objects.filter(unit_id__in=ids, month__gte=dt.date(year, 1, 1),
                                              month__lte=year_end(year)).order_by("month"):
        out[month.unit_id].months.append(month)
    for vote in FourGoodApproval.objects.filter(unit_id__in=ids, year=year).order_by("half"):
        out[vote.unit_id].approvals.append(vote)
    for unit_id, level in UnitReview.objects.filter(unit_id__in=ids, year=year, quarter=0,
                                                    step=Step.DECIDED).values_list("unit_id", "level"):
        out[unit_id].level = level
    for recognition in FourGoodRecognition.objects.filter(unit_id__in=ids, year=year):
        out[recognition.unit_id].recognition = recognition
    return out


def standing(unit: Unit, year: int) -> Standing:
    return standings([unit], year)[unit.pk]


def candidates(committee: Unit, year: int) -> list[Standing]:
    """The units ``committee`` recognises (its children in the movement in ``year``), with their
    standing: the recognised ones, those the rule lets it recognise, then the others."""
    registered = FourGoodRegistration.objects.filter(registrations_in(year), unit=OuterRef("pk"))
    units = list(Unit.objects.filter(Exists(registered), parent=committee, kind__in=ELIGIBLE)
                 .order_by("name_folded", "pk"))
    found = standings(units, year)
    return [found[u.pk] for u in units]


def registrations(unit: Unit) -> list[FourGoodRegistration]:
    return list(FourGoodRegistration.objects.filter(unit=unit).order_by("-first_year"))


def meetings_between(unit: Unit, first: dt.date, last: dt.date) -> list[Meeting]:
    """The unit's meetings held or planned from ``first`` to ``last`` (local days), in order."""
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))
    return list(Meeting.objects.filter(unit=unit, starts_at__gte=start, starts_at__lt=end)
                .exclude(state=State.CANCELLED).order_by("starts_at", "pk"))


def meeting_of_month(meetings: list[Meeting], first: dt.date, linked: int | None = None) -> Meeting | None:
    """The meeting a month's checklist follows: the one it was filled after, else the month's
    first regular meeting."""
    month = [m for m in meetings if month_start(timezone.localtime(m.starts_at).date()) == first]
    return next((m for m in month if m.pk == linked), None) or next((m for m in month if m.kind == Kind.REGULAR),
                                                                    None)


def checklist_month(meeting: Meeting) -> dt.date | None:
    """The month whose checklist follows this meeting: a regular meeting of a unit registered for
    the movement that year (one query); ``None`` otherwise."""
    if meeting.kind != Kind.REGULAR or meeting.unit.kind not in ELIGIBLE:
        return None
    day = timezone.localtime(meeting.starts_at).date()
    if not FourGoodRegistration.objects.filter(registrations_in(day.year), unit_id=meeting.unit_id).exists():
        return None
    return month_start(day)


# --- a committee's progress as of a day ---------------------------------------------------------

@dataclass
class ProgressRow:
    unit_id: int
    name: str
    path: str
    kind: str
    organizations: int = 0  # cells and grassroots committees in the subtree on the day
    registered: int = 0  # of them, registered for the year on the day
    checklists: int = 0  # monthly checklists of the year, months up to the day
    passed: dict[str, int] = field(default_factory=dict)  # criterion → checklists where it passed
    recognised: int = 0  # recognised for the year by the day
    by_criterion: list[tuple[int, Decimal | None]] = field(default_factory=list)  # in the criteria's order

    @property
    def registered_percent(self) -> Decimal | None:
        return _percent(self.registered, self.organizations)

    def passed_percent(self, key: str) -> Decimal | None:
        return _percent(self.passed.get(key, 0), self.checklists)

    @property
    def leaf(self) -> bool:
        return self.kind in UnitKind.member_holding()

    def add(self, other: ProgressRow) -> None:
        self.organizations += other.organizations
        self.registered += other.registered
        self.checklists += other.checklists
        self.recognised += other.recognised
        for key, n in other.passed.items():
            self.passed[key] = self.passed.get(key, 0) + n


@dataclass
class Progress:
    unit: ProgressRow
    children: list[ProgressRow]
    itself: ProgressRow | None  # the unit's own row, when it takes part (a grassroots committee)
    criteria: list[dict[str, str]]
    year: int
    day: dt.date


def _percent(part: int, whole: int) -> Decimal | None:
    return (Decimal(100) * part / whole).quantize(Decimal("0.1")) if whole else None


def _valid_on(day: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}valid_from__lte": day}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": day}))


def _open_on(day: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}opened_on__lte": day}) & (
        Q(**{f"{prefix}closed_on__isnull": True}) | Q(**{f"{prefix}closed_on__gt": day}))


def _needle(key: str) -> str:
    """A criterion key as it is written inside the stored JSON list (``"g1"``, quotes included, so
    ``g1`` does not match ``g1a``): PostgreSQL's jsonb prints non-ASCII characters as they are,
    the JSON text stored on SQLite escapes them."""
    return json.dumps(key, ensure_ascii=connection.vendor != "postgresql")


def progress(unit: Unit, year: int, day: dt.date) -> Progress:
    """The movement in ``unit``'s subtree as it stood on ``day`` (the organization of that day), for
    ``year``: each child's row and the unit's total (five queries)."""
    here = (UnitPathPeriod.objects.filter(_valid_on(day), unit=unit).values_list("path", flat=True).first()
            or unit.path)
    width = len(here) + paths.STEP
    children = [ProgressRow(uid, name, path, kind) for uid, name, path, kind in
                UnitPathPeriod.objects.filter(_valid_on(day), parent=unit).order_by("name", "path")
                .values_list("unit_id", "name", "path", "unit__kind")]
    criteria = top_criteria(frameworks.in_force(FrameworkKind.FOUR_GOOD, unit.path, day))
    rows: dict[str, ProgressRow] = {c.path: c for c in children}
    own = ProgressRow(unit.pk, unit.name, here, unit.kind, passed={c["key"]: 0 for c in criteria})
    branches: dict[str, ProgressRow] = {}

    def row_of(branch: str) -> ProgressRow:
        return branches.setdefault(branch, ProgressRow(0, "", branch, ""))

    registered = FourGoodRegistration.objects.filter(registrations_in(year), unit_id=OuterRef("unit_id"),
                                                     signed_on__lte=day)
    recognised = FourGoodRecognition.objects.filter(unit_id=OuterRef("unit_id"), year=year, decided_on__lte=day)
    for branch, organizations, n_registered, n_recognised in (
            UnitPathPeriod.objects.filter(_valid_on(day), _open_on(day, "unit__"), path__gte=here,
                                          path__lt=paths.upper_bound(here), unit__kind__in=ELIGIBLE)
            .annotate(branch=Substr("path", 1, width)).values("branch")
            .annotate(n=Count("id"), registered=Count("id", filter=Exists(registered)),
                      recognised=Count("id", filter=Exists(recognised)))
            .values_list("branch", "n", "registered", "recognised")):
        row = row_of(branch)
        row.organizations, row.registered, row.recognised = organizations, n_registered, n_recognised
    months = (FourGoodMonth.objects
              .filter(_valid_on(day, "unit__path_periods__"), _open_on(day, "unit__"),
                      unit__path_periods__path__gte=here, unit__path_periods__path__lt=paths.upper_bound(here),
                      month__gte=dt.date(year, 1, 1), month__lte=min(day, year_end(year)))
              .annotate(branch=Substr("unit__path_periods__path", 1, width), text=Cast("passed", TextField()))
              .values("branch"))
    counts = {f"c{i}": Count("id", filter=Q(text__contains=_needle(c["key"]))) for i, c in enumerate(criteria)}
    for values in months.annotate(n=Count("id"), **counts).values("branch", "n", *counts):
        row = row_of(values["branch"])
        row.checklists = values["n"]
        row.passed = {c["key"]: values[f"c{i}"] for i, c in enumerate(criteria)}
    for branch, found in branches.items():
        own.add(found)
        if branch in rows:
            rows[branch].add(found)
    itself = None
    if unit.kind in ELIGIBLE:
        itself = ProgressRow(unit.pk, unit.name, here, unit.kind)
        if here in branches:
            itself.add(branches[here])
    for row in (own, *children, *([itself] if itself else [])):
        row.by_criterion = [(row.passed.get(c["key"], 0), row.passed_percent(c["key"])) for c in criteria]
    return Progress(own, children, itself, criteria, year, day)
