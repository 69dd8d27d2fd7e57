"""The standard year-end statistical tables, "as at 31 December" (DOMAIN.md §5).

Each table is a :class:`Table`: a title, its columns as (key, label), its rows as dicts (each with
a ``key``, a ``label``, a ``level`` — 0, or 1 for an "of which" row — and a value per column) and
an optional total row; ``key`` names the table. Counts are ints, shares ratios (``share``: 0.255
is 25.5 %, the exports' percent convention). Titles and labels are English msgids for the
official Vietnamese names (the catalogue translates them).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chibo.admissions import tallying
from chibo.members.enums import ETHNICITY_CHOICES, ETHNICITY_KINH, Occupation, PoliticalTheory, Qualification, Religion
from chibo.org.enums import Sector, UnitKind
from chibo.org.models import Unit
from chibo.quality import results, tallies
from chibo.quality.enums import Level
from chibo.reports.statistics.composition import Breakdown, Organization, breakdown, organizations
from chibo.reports.statistics.counts import DECREASES, INCREASES, Balance, balance, balance_and_breakdown

Label = str | Promise


@dataclass
class Table:
    """One statistical table: ``columns`` are (key, label) pairs, ``rows`` dicts holding a value
    per column key plus ``key`` and ``level``; ``total`` is the total row, if the rows add up."""

    title: Label
    columns: list[tuple[str, Label]]
    rows: list[dict[str, Any]]
    total: dict[str, Any] | None = None
    key: str = ""


def year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def _share(n: int, whole: int) -> float | None:
    """A ratio (0.255 is 25.5 %, the exports' percent convention), None of nothing."""
    return round(n / whole, 4) if whole else None


def _row(key: str, label: Label, level: int = 0, **values: Any) -> dict[str, Any]:
    return {"key": key, "label": label, "level": level, **values}


# ---- a. increase and decrease ---------------------------------------------------------------

CAUSE_LABELS: dict[str, Label] = {
    "admitted": _("Newly admitted"),
    "readmitted": _("Readmitted"),
    "transferred_in": _("Transferred in"),
    "moved_in": _("Came in with their units (restructuring)"),
    "deceased": _("Deceased"),
    "expelled": _("Expelled"),
    "removed": _("Removed from the list"),
    "resigned": _("Resigned"),
    "transferred_out": _("Transferred out"),
    "moved_out": _("Left with their units (restructuring)"),
}


def _members_row(key: str, label: Label, counts: dict[str, int]) -> dict[str, Any]:
    """Totals with official members counting the exempted ones (exemption does not end official
    membership)."""
    return _row(key, label, total=counts["total"], official=counts["official"] + counts["exempted"],
                probationary=counts["probationary"])


def changes_table(b: Balance) -> Table:
    """Table a: members at the start and end of the period and the changes by cause."""
    rows = [_members_row("opening", _("Party members at the start of the year (31 December of the previous year)"),
                         b.opening)]
    for group, label, causes in (("increase", _("Increase"), INCREASES), ("decrease", _("Decrease"), DECREASES)):
        rows.append(_row(group, label, total=sum(b.changes[c] for c in causes)))
        rows += [_row(c, CAUSE_LABELS[c], 1, total=b.changes[c]) for c in causes]
    rows.append(_members_row("closing", _("Party members at the end of the year (31 December)"), b.closing))
    rows.append(_row("recognized", _("Recognized as official members during the year"), total=b.changes["recognized"]))
    columns: list[tuple[str, Label]] = [("label", _("Item")), ("total", _("Party members")),
                                        ("official", _("Official (incl. exempted)")),
                                        ("probationary", _("Probationary"))]
    return Table(_("Increase and decrease of party members"), columns, rows, None, "changes")


def member_changes_table(unit: Unit, year: int) -> Table:
    return changes_table(balance(unit, dt.date(year, 1, 1), year_end(year)))


# ---- b. newly admitted by category ----------------------------------------------------------

CATEGORY_LABELS: dict[str, Label] = {
    "women": _("Women"),
    "ethnic_minority": _("Ethnic minorities"),
    "religious": _("Religious followers"),
    "youth_union": _("Youth-union members"),
    "student": _("Students"),
    "non_state_enterprise": _("In non-state enterprises"),
    "residential": _("In villages and residential areas"),
    "civil_servant": _("Civil servants and public employees"),
    "entrepreneur": _("Business owners"),
}


def admissions_table(counts: dict[str, int]) -> Table:
    """Table b, from the admission tallies of the year to 31 December (categories overlap)."""
    admitted = counts.get("admitted", 0)
    rows = [_row("admitted", _("Newly admitted party members"), count=admitted, share=_share(admitted, admitted))]
    rows += [_row(k, CATEGORY_LABELS[k], 1, count=counts.get(k, 0), share=_share(counts.get(k, 0), admitted))
             for k in tallying.CATEGORIES]
    columns: list[tuple[str, Label]] = [("label", _("Item")), ("count", _("Party members")),
                                        ("share", _("Share of the newly admitted"))]
    return Table(_("Newly admitted party members by category"), columns, rows, None, "admitted")


def admitted_table(unit: Unit, year: int) -> Table:
    return admissions_table(tallying.year_to_date(unit, year_end(year)))


# ---- c, d. members by profile ---------------------------------------------------------------

COUNT_COLUMNS: list[tuple[str, Label]] = [("label", _("Item")), ("count", _("Party members")),
                                          ("share", _("Share of the party members"))]


def _count_table(key: str, title: Label, rows: list[dict[str, Any]], whole: int) -> Table:
    for row in rows:
        row["share"] = _share(row["count"], whole)
    total = _row("total", _("Total"), count=whole, share=_share(whole, whole))
    return Table(title, COUNT_COLUMNS, rows, total, key)


def _partition(counts: Counter[str], choices: Iterable[tuple[str, Label]]) -> list[dict[str, Any]]:
    return [_row(value, label, count=counts.get(value, 0)) for value, label in choices]


EDUCATION_LABELS: list[tuple[str, Label]] = [
    ("primary", _("Primary (grade 5 or below)")),
    ("lower_secondary", _("Lower secondary (grades 6–9)")),
    ("upper_secondary", _("Upper secondary (grades 10–12)")),
]


def profile_tables_of(b: Breakdown) -> list[Table]:
    """Tables c: general education, professional qualification, political theory, occupation."""
    by, whole = b.by, b.total
    return [
        _count_table("education", _("Party members by general education"),
                     _partition(by["education"], EDUCATION_LABELS), whole),
        _count_table("qualification", _("Party members by professional qualification"),
                     _partition(by["qualification"], Qualification.choices), whole),
        _count_table("political_theory", _("Party members by political theory level"),
                     _partition(by["political_theory"], PoliticalTheory.choices), whole),
        _count_table("occupation", _("Party members by occupation (composition)"),
                     _partition(by["occupation"], Occupation.choices), whole),
    ]


def ethnicity_table_of(b: Breakdown) -> Table:
    """Table d (1): Kinh, ethnic minorities, and each minority group with members."""
    counts = b.by["ethnicity"]
    kinh = counts.get(ETHNICITY_KINH, 0)
    groups = [_row(code, name, 1, count=counts[code]) for code, name in ETHNICITY_CHOICES
              if code != ETHNICITY_KINH and counts.get(code)]
    rows = [_row(ETHNICITY_KINH, _("Kinh"), count=kinh),
            _row("minority", _("Ethnic minorities"), count=b.total - kinh), *groups]
    return _count_table("ethnicity", _("Party members by ethnicity"), rows, b.total)


def religion_table_of(b: Breakdown) -> Table:
    """Table d (2): members without a religion, religious followers, and each religion."""
    counts = b.by["religion"]
    none = counts.get(Religion.NONE, 0)
    rows = [_row(Religion.NONE.value, _("No religion"), count=none),
            _row("religious", _("Religious followers"), count=b.total - none)]
    rows += [_row(value, label, 1, count=counts.get(value, 0)) for value, label in Religion.choices
             if value != Religion.NONE]
    return _count_table("religion", _("Party members by religion"), rows, b.total)


def profile_tables(unit: Unit, year: int) -> list[Table]:
    return profile_tables_of(breakdown(unit, year_end(year)))


def ethnicity_religion_tables(unit: Unit, year: int) -> list[Table]:
    b = breakdown(unit, year_end(year))
    return [ethnicity_table_of(b), religion_table_of(b)]


# ---- e. grassroots organizations ------------------------------------------------------------

ORGANIZATION_COLUMNS: list[tuple[str, Label]] = [("label", _("Item")), ("organizations", _("Organizations")),
                                                 ("members", _("Party members"))]


def _organization_table(key: str, title: Label, orgs: list[Organization], attribute: str,
                        choices: Iterable[tuple[str, Label]]) -> Table:
    rows = []
    for value, label in choices:
        mine = [o for o in orgs if getattr(o, attribute) == value]
        rows.append(_row(value, label, organizations=len(mine), members=sum(o.members for o in mine)))
    total = _row("total", _("Total"), organizations=len(orgs), members=sum(o.members for o in orgs))
    return Table(title, ORGANIZATION_COLUMNS, rows, total, key)


def grassroots_tables_of(orgs: list[Organization]) -> list[Table]:
    """Tables e: grassroots organizations and their members, by kind and by sector."""
    kinds = [(k, label) for k, label in UnitKind.choices if k in UnitKind.grassroots()]
    return [
        _organization_table("grassroots_by_kind", _("Grassroots party organizations by kind"), orgs, "kind", kinds),
        _organization_table("grassroots_by_sector", _("Grassroots party organizations by sector"), orgs, "sector",
                            Sector.choices),
    ]


def grassroots_tables(unit: Unit, year: int) -> list[Table]:
    day = year_end(year)
    return grassroots_tables_of(organizations(unit, day, breakdown(unit, day).by["cell"]))


# ---- f. classification results --------------------------------------------------------------

CLASSIFICATION_COLUMNS: list[tuple[str, Label]] = [("label", _("Item")), ("count", pgettext_lazy("how many", "Number")),
                                                   ("share", _("Share of the classified"))]
REVIEWED_LABELS: dict[str, Label] = {
    "org": _("Party organizations reviewed"),
    "grassroots": _("Grassroots party organizations reviewed"),
    "member": _("Party members reviewed"),
}


def classification_table_of(figures: dict[str, int]) -> Table:
    """Table f: organizations (all, and grassroots ones) and members by the level decided in the
    year's review, from its tally (``quality.results``); shares are of those classified."""
    rows = []
    for subject, label in REVIEWED_LABELS.items():
        done = results.classified(figures, subject)
        rows.append(_row(subject, label, count=figures[f"{subject}_total"]))
        if subject == "member":
            rows.append(_row("member_not_classified", _("Reviewed, not classified"), 1,
                             count=figures["member_not_classified"]))
        rows += [_row(f"{subject}_{level}", Level(level).label, 1, count=figures[f"{subject}_{level}"],
                      share=_share(figures[f"{subject}_{level}"], done)) for level in Level.values]
    return Table(_("Classification of party organizations and party members"), CLASSIFICATION_COLUMNS, rows, None,
                 "classification")


def classification_table(unit: Unit, year: int) -> Table:
    return classification_table_of(tallies.results(unit, year))


# ---- all of them ----------------------------------------------------------------------------

def year_end_tables(unit: Unit, year: int) -> list[Table]:
    """Every year-end table of ``unit``'s subtree for ``year``, as at 31 December: one pass for
    the balance and the members by profile and cell, then the organizations, the admission
    tallies and the review's tally (six queries whatever the size of the subtree; on PostgreSQL the
    big one comes with its planner settings). The classification is the year's review as decided
    so far, in today's structure (its tallies follow the units that moved)."""
    day = year_end(year)
    changes, members = balance_and_breakdown(unit, dt.date(year, 1, 1), day)
    return [
        changes_table(changes),
        admitted_table(unit, year),
        *profile_tables_of(members),
        ethnicity_table_of(members),
        religion_table_of(members),
        *grassroots_tables_of(organizations(unit, day, members.by["cell"])),
        classification_table(unit, year),
    ]
