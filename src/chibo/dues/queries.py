"""Scoped and aggregated reads of party dues: a member's dues, a cell's register, a unit's arrears
and remittance summary. Views, the handbook and the API start here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core.errors import NotFound
from chibo.core.rulebook import rule
from chibo.dues import arrears, grounds, rules
from chibo.dues.enums import MonthState
from chibo.dues.ledger import LEFT, MonthView, RateBook, member_months, month_view
from chibo.dues.models import Arrear, Basis, MonthClose, Payment, Relief
from chibo.members import party_age
from chibo.members.enums import Status
from chibo.members.models import Member
from chibo.org import paths
from chibo.org.models import Unit


def get_unit_for_user(user: Any, pk: int) -> Unit:
    unit = Unit.objects.filter(pk=pk).first()
    if unit is None or not policy.can(user, Perm.MEMBERS_VIEW, unit.path):
        raise NotFound("unit")
    return unit


# ---- one member -----------------------------------------------------------------------------

@dataclass
class MemberDues:
    member: Member
    today: dt.date
    basis: Basis | None
    now: MonthView | None  # this month, as computed
    rates: dict
    bases: list[Basis]
    reliefs: list[Relief]
    payments: list[Payment]
    months: list[MonthView]  # this year's owed months
    unpaid: dict[int, list[dt.date]]  # year -> unpaid months (this year and last)
    threshold: int
    party_age_exempt_from: dt.date | None = None

    @property
    def unpaid_count(self) -> int:
        return sum(len(v) for v in self.unpaid.values())


def member_dues(member: Member, *, today: dt.date) -> MemberDues:
    """Everything the member's dues page shows (a fixed number of queries)."""
    this_month = rules.month_of(today)
    book = RateBook()
    bases = list(Basis.objects.filter(member_id=member.pk).order_by("-valid_from"))
    reliefs = list(Relief.objects.filter(member_id=member.pk).order_by("-valid_from"))
    payments = list(Payment.objects.filter(member_id=member.pk, month__gte=dt.date(today.year - 1, 1, 1))
                    .order_by("-month"))
    months = member_months([member.pk], today.year, today=today, book=book).get(member.pk, [])
    unpaid = {today.year: [v.month for v in months if v.state in grounds.UNPAID]}
    last = grounds.unpaid_months([member.pk], today.year - 1, today=today, book=book).get(member.pk, [])
    if last:
        unpaid[today.year - 1] = last
    basis = rules.in_force(bases, this_month)
    now = next((v for v in months if v.month == this_month), None)
    if now is None and member.status not in LEFT and member.admission_date:
        now = month_view(this_month, facts=_facts(member), basis=basis, relief=rules.in_force(reliefs, this_month),
                         paid=0, book=book)
    since = member.party_since or member.admission_date
    years = book.age_years(this_month)
    exempt_from = _years_after(since, years) if since and years else None
    if exempt_from is not None and exempt_from > rules.add_months(this_month, 12):
        exempt_from = None  # shown from a year before
    return MemberDues(member, today, basis, now, book.rates(this_month), bases, reliefs, payments,
                      months, unpaid, book.threshold(today.year), exempt_from)


def _years_after(day: dt.date, years: int) -> dt.date:
    """The month in which a party age counted from ``day`` reaches ``years``."""
    try:
        return rules.month_of(day.replace(year=day.year + years))
    except ValueError:  # 29 February
        return rules.month_of(day.replace(year=day.year + years, day=28))


def _facts(member: Member) -> Any:
    from chibo.dues.ledger import MemberFacts, left_on

    return MemberFacts(member.pk, member.admission_date, member.party_since or member.admission_date,
                       left_on(member.status, member.status_since))


def age_now(member: Member, today: dt.date) -> party_age.PartyAge | None:
    return party_age.of_member(member, today)


# ---- a cell's register ----------------------------------------------------------------------

@dataclass
class RegisterRow:
    member: Member
    months: dict[dt.date, MonthView]
    unpaid: int = 0


@dataclass
class Register:
    unit: Unit
    year: int
    months: list[dt.date]
    rows: list[RegisterRow]
    closes: dict[dt.date, MonthClose] = field(default_factory=dict)


def register(unit: Unit, year: int, *, today: dt.date) -> Register:
    """The cell's members × the months of ``year`` (members who left that year included)."""
    members = list(Member.objects.filter(unit_id=unit.pk).filter(
        Q(status__in=Status.active()) | Q(status__in=LEFT, status_since__gte=dt.date(year, 1, 1)))
        .only("pk", "full_name", "status", "status_since", "unit_id").order_by("name_folded", "pk"))
    views = member_months([m.pk for m in members], year, today=today) if members else {}
    months = [dt.date(year, m, 1) for m in range(1, 13)]
    rows = []
    for m in members:
        by_month = {v.month: v for v in views.get(m.pk, [])}
        rows.append(RegisterRow(m, by_month, sum(1 for v in by_month.values() if v.state in grounds.UNPAID)))
    closes = {c.month: c for c in MonthClose.objects.filter(unit_id=unit.pk, month__year=year,
                                                            reopened_at__isnull=True)}
    return Register(unit, year, months, rows, closes)


# ---- arrears ----------------------------------------------------------------------------------

@dataclass
class ArrearsPage:
    unit: Unit
    year: int
    total: arrears.Counts
    children: list[tuple[Unit, arrears.Counts]]
    rows: list[tuple[Arrear, list[dt.date]]]  # the arrears row and the member's unpaid months (live)
    next_cursor: str | None
    threshold: int


def arrears_page(unit: Unit, year: int, *, after: str | None = None, today: dt.date,
                 size: int = arrears.PAGE_SIZE, with_children: bool = True) -> ArrearsPage:
    """The unit's arrears tally, its child units' tallies and a page of members (keyset)."""
    kids = list(Unit.objects.filter(parent_id=unit.pk).order_by("path")) if with_children else []
    counts = arrears.counts([unit, *kids], year)
    rows, cursor = arrears.page(unit, year, after=after, size=size)
    live = grounds.unpaid_months([a.member_id for a in rows], year, today=today) if rows else {}
    return ArrearsPage(unit, year, counts[unit.pk], [(k, counts[k.pk]) for k in kids if counts[k.pk].members],
                       [(a, live.get(a.member_id, [])) for a in rows], cursor, grounds.removal_threshold(year))


# ---- remittance -------------------------------------------------------------------------------

@dataclass
class Remittance:
    unit: Unit
    month: dt.date
    cells: int
    members: int
    due: int
    paid: int
    unpaid: int
    kept_by_cells: int
    kept_between: int
    kept_here: int
    remitted_up: int
    shares: list[int]
    own_close: MonthClose | None = None


def remittance(unit: Unit, month: dt.date) -> Remittance:
    """The month's closed figures of ``unit``'s subtree and the shares kept at each level (the rule
    ``dues.shares`` applied to each depth's total; see docs/decisions/0011-dues.md)."""
    per_mille = list(rule("dues.shares", on=month)["retained_per_mille"])
    with connection.cursor() as cur:
        cur.execute(
            "SELECT LENGTH(unit_path), COUNT(*), SUM(members), SUM(due), SUM(paid), SUM(unpaid) FROM dues_monthclose "
            "WHERE month = %s AND reopened_at IS NULL AND unit_path >= %s AND unit_path < %s "
            "GROUP BY LENGTH(unit_path)",
            [month, unit.path, paths.upper_bound(unit.path)])
        groups = cur.fetchall()
    here = paths.depth(unit.path)
    r = Remittance(unit, month, 0, 0, 0, 0, 0, 0, 0, 0, 0, per_mille)
    for length, cells, members, due, paid, unpaid in groups:
        depth = int(length) // paths.STEP
        r.cells += int(cells)
        r.members += int(members or 0)
        r.due += int(due or 0)
        r.paid += int(paid or 0)
        r.unpaid += int(unpaid or 0)
        chain = rules.shares(int(paid or 0), per_mille, depth)  # from the cell (index 0) up to the root
        r.kept_by_cells += chain[0][0]
        steps_up = depth - here  # 0 when the unit is the cell itself
        r.kept_between += sum(kept for kept, _up in chain[1:steps_up])
        if steps_up > 0:
            r.kept_here += chain[steps_up][0]
        r.remitted_up += chain[steps_up][1]
    if unit.holds_members:
        r.own_close = MonthClose.objects.filter(unit_id=unit.pk, month=month, reopened_at__isnull=True).first()
    return r


def unpaid_state(state: str) -> bool:
    return state in (MonthState.UNPAID, MonthState.PARTLY)
