"""Opening a review period: the review rows of every organization and member of the subtree,
made in bulk (a few statements, whatever the size of the subtree)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext as _

from chibo.accounts import policy
from chibo.accounts.models import RoleGrant
from chibo.accounts.roles import Perm, Role
from chibo.core import audit
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.core.rulebook import rule
from chibo.members.enums import Occupation, Status
from chibo.org import paths
from chibo.org.enums import UnitKind
from chibo.org.models import Unit
from chibo.quality import frameworks, rules, tallies
from chibo.quality.access import acting_user
from chibo.quality.enums import Exclusion, Form, FrameworkKind, Step
from chibo.quality.models import Framework, MemberReview, Period, UnitReview

LEADER_ROLES = (Role.CELL_SECRETARY, Role.COMMITTEE_LEADER)


def period_end(year: int, quarter: int) -> dt.date:
    if not quarter:
        return dt.date(year, 12, 31)
    first_of_next = dt.date(year + quarter // 4, quarter % 4 * 3 + 1, 1)
    return first_of_next - dt.timedelta(days=1)


def _check(actor: Any, issuer: Unit, year: int, quarter: int, timeline: list[dt.date]) -> None:
    if not policy.can(actor, Perm.UNITS_VIEW, issuer.path):
        raise NotFound("unit")
    if not policy.can(actor, Perm.QUALITY_OPEN, issuer.path):
        raise PermissionDenied(_("You may not open a review for this unit."))
    if issuer.kind in UnitKind.member_holding() and issuer.kind != UnitKind.GRASSROOTS_CELL:
        raise DomainError(_("A review is opened by a committee, not by a cell."))
    if quarter not in (0, 1, 2, 3, 4):
        raise DomainError(_("Choose the whole year or a quarter from 1 to 4."))
    if not 2000 <= year <= 2100:
        raise DomainError(_("Give the year of the review."))
    if timeline != sorted(timeline):
        raise DomainError(_("The steps' last days must follow one another: self-assessment, the cell's "
                            "proposal, verification, decision."))
    overlapping = (Period.objects.filter(year=year, quarter=quarter)
                   .filter(Q(unit_path__in=paths.ancestors(issuer.path)) | policy.subtree_q("unit_path", issuer.path))
                   .select_related("issuer").first())
    if overlapping is not None:
        raise DomainError(_("%(unit)s has already opened this review, which covers this unit or part of its "
                            "subtree.") % {"unit": overlapping.issuer.name})


def _frameworks(kind: str, day: dt.date, issuer_path: str) -> dict[str, Framework]:
    """Issuer path ('' for the national default) → the framework of ``kind`` in force on ``day``:
    the deepest issuer above a unit wins (the same choice as ``frameworks.in_force``)."""
    return frameworks.in_force_under(kind, day, issuer_path)


def _nearest(path: str, by_path: dict[str, Any], default: Any = None) -> Any:
    for ancestor in reversed(paths.ancestors(path)):
        if ancestor in by_path:
            return by_path[ancestor]
    return by_path.get("", default)


@transaction.atomic
def open_period(*, actor: Any, issuer: Unit, year: int, quarter: int = 0, self_until: dt.date,
                cell_until: dt.date, verify_until: dt.date, decide_until: dt.date) -> Period:
    """Open the year's (or a quarter's) review for ``issuer``'s subtree."""
    ends_on = period_end(year, quarter)
    _check(actor, issuer, year, quarter, [self_until, cell_until, verify_until, decide_until])
    period = Period.objects.create(
        issuer=issuer, unit_path=issuer.path, year=year, quarter=quarter, ends_on=ends_on, self_until=self_until,
        cell_until=cell_until, verify_until=verify_until, decide_until=decide_until,
        opened_by=acting_user(actor))
    units = list(Unit.objects.subtree(issuer).open_on(ends_on).values_list("id", "path", "kind", "depth", "parent_id"))
    if not quarter:
        period.units = _open_units(period, issuer, units)
    period.members = _open_members(period, issuer, units)
    period.save(update_fields=["units", "members"])
    tallies.add_subtree(issuer, year, quarter)
    audit.record("quality.period_opened", actor=actor, obj=period, unit_path=issuer.path,
                 payload={"year": year, "quarter": quarter, "units": period.units, "members": period.members})
    return period


def _open_units(period: Period, issuer: Unit, units: list[tuple]) -> int:
    frameworks = _frameworks(FrameworkKind.COLLECTIVE, period.ends_on, issuer.path)
    rows = [
        UnitReview(period=period, year=period.year, quarter=0, unit_id=uid, unit_path=path, kind=kind, depth=depth,
                   decider_id=parent_id, peer_group=f"{kind}@{parent_id}",
                   framework=_nearest(path, frameworks))
        for uid, path, kind, depth, parent_id in units
        if uid != issuer.pk and kind != UnitKind.PARTY_GROUP
    ]
    UnitReview.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def _cell_deciders(issuer: Unit, units: list[tuple]) -> list[tuple[int, int]]:
    """Each member-holding unit → the grassroots organization that decides its members' levels
    (itself for a grassroots cell; its parent when no grassroots unit is above it)."""
    grassroots = {path: uid for uid, path, kind, _d, _p in units if kind in UnitKind.grassroots()}
    grassroots.update({u.path: u.pk for u in Unit.objects.filter(path__in=paths.ancestors(issuer.path),
                                                                  kind__in=UnitKind.grassroots())})
    return [(uid, _nearest(path, grassroots, parent_id) or uid) for uid, path, kind, _d, parent_id in units
            if kind in UnitKind.member_holding()]


def _year_of(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(YEAR FROM {column}) AS integer)"
    return f"CAST(strftime('%%Y', {column}) AS integer)"


def _open_members(period: Period, issuer: Unit, units: list[tuple]) -> int:
    """One INSERT … SELECT of the subtree's members through a temporary table of each cell's
    deciding unit; then the leaders' form (2A)."""
    deciders = _cell_deciders(issuer, units)
    framework = _frameworks(FrameworkKind.INDIVIDUAL, period.ends_on, issuer.path)
    by_cell = [(cell, decider, getattr(_nearest(path, framework), "pk", None))
               for (cell, decider), path in zip(deciders, _paths_of(deciders, units), strict=True)]
    cutoff = rules.classification_cutoff(period.ends_on, int(rule("quality.min_months_admitted", on=period.ends_on)))
    occupations = list(rule("quality.quarterly_occupations", on=period.ends_on)) if period.quarter else []
    if period.quarter and not occupations:
        return 0  # no one has a quarterly review (an empty IN () is not SQL everywhere)
    params: dict[str, Any] = {"period": period.pk, "year": period.year, "quarter": period.quarter, "cutoff": cutoff,
              "end": period.ends_on, "lo": issuer.path, "hi": paths.upper_bound(issuer.path)}
    quarterly = ""
    if period.quarter:
        params.update({f"occupation{i}": o for i, o in enumerate(occupations)})
        quarterly = f"AND m.occupation IN ({', '.join(f'%(occupation{i})s' for i in range(len(occupations)))})"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE quality_open_cells (cell_id integer PRIMARY KEY, decider_id integer, "
                       "framework_id integer)")
        try:
            cursor.executemany("INSERT INTO quality_open_cells VALUES (%s, %s, %s)", by_cell)
            cursor.execute(_MEMBER_INSERT.format(year=_year_of("m.admission_date"), quarterly=quarterly), params)
            added = max(cursor.rowcount, 0)
        finally:
            cursor.execute("DROP TABLE quality_open_cells")
    _mark_leaders(period, issuer)
    if period.quarter:
        MemberReview.objects.filter(period=period).update(is_first=False)
    return added


def _paths_of(deciders: list[tuple[int, int]], units: list[tuple]) -> list[str]:
    path_of = {uid: path for uid, path, *_rest in units}
    return [path_of[cell] for cell, _d in deciders]


# every literal is one of our own enum values; every value from the case is a parameter
_SUSPENDED = "s.member_id IS NOT NULL"  # joined below: the members suspended on the period's last day
_MEMBER_INSERT = (
    "INSERT INTO quality_memberreview (period_id, year, quarter, unit_path, decider_id, peer_group, framework_id, "
    "member_id, unit_id, form, excluded, step, admitted_year, is_first, "
    "self_text, self_scores, verify_note, capped_by, level, self_level, cell_note) "
    "SELECT %(period)s, %(year)s, %(quarter)s, m.unit_path, c.decider_id, 'members@' || c.decider_id, "
    "c.framework_id, m.id, m.unit_id, "
    f"CASE WHEN m.occupation = '{Occupation.CIVIL_SERVANT.value}' THEN '{Form.OFFICIAL.value}' "
    f"ELSE '{Form.OTHER.value}' END, "
    f"CASE WHEN m.admission_date > %(cutoff)s THEN '{Exclusion.RECENT.value}' "
    f"WHEN {_SUSPENDED} THEN '{Exclusion.SUSPENDED.value}' ELSE '' END, "
    f"CASE WHEN m.admission_date > %(cutoff)s OR {_SUSPENDED} THEN '{Step.NOT_CLASSIFIED.value}' "
    f"ELSE '{Step.OPEN.value}' END, "
    "{year}, NOT EXISTS (SELECT 1 FROM quality_memberreview p WHERE p.member_id = m.id AND p.quarter = 0 "
    f"AND p.year < %(year)s AND p.step <> '{Step.NOT_CLASSIFIED.value}'), '', '{{{{}}}}', '', '', '', '', '' "
    "FROM members_member m JOIN quality_open_cells c ON c.cell_id = m.unit_id "
    "LEFT JOIN (SELECT DISTINCT member_id FROM members_suspension WHERE valid_from <= %(end)s "
    "AND (valid_to IS NULL OR valid_to >= %(end)s)) s ON s.member_id = m.id "
    "WHERE m.unit_path >= %(lo)s AND m.unit_path < %(hi)s "
    f"AND m.status IN ('{Status.OFFICIAL.value}', '{Status.PROBATIONARY.value}') {{quarterly}}"
)


def leaders_q(day_from: dt.date, day_to: dt.date) -> Q:
    """Grants that make a member part of a unit's leadership at some time between the two days."""
    return (Q(role__in=LEADER_ROLES, user__member__isnull=False, valid_from__lte=day_to)
            & (Q(valid_to__isnull=True) | Q(valid_to__gt=day_from)))


def _mark_leaders(period: Period, issuer: Unit) -> None:
    """Members holding a leadership post (a secretary's or committee leader's grant) use form 2A
    and are compared with the other leaders decided by the same unit."""
    leaders = (RoleGrant.objects.filter(leaders_q(period.ends_on, period.ends_on))
               .filter(policy.subtree_q("unit__path", issuer.path)).values("user__member_id"))
    MemberReview.objects.filter(period=period, member_id__in=leaders).update(
        form=Form.LEADER, peer_group=Concat(Value("leaders@"), Cast("decider_id", output_field=CharField())))
