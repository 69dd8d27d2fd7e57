"""Members' months, computed: what each owes for a month, what they paid, and the state.

One read for a set of members and months (five queries whatever their number): the members, their
bases, reliefs and payments, and the frozen lines of closed months. A closed month shows what the
close froze; an open month is computed from the basis and the reliefs in force for it and the
rule ``dues.rates`` in force on its first day. The month close computes the same figures in SQL
(:mod:`chibo.dues.closing`); tests hold the two together.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from chibo.core.rulebook import UnknownRule, rule, versions
from chibo.dues import rules
from chibo.dues.enums import Category, MonthState, ReliefGround, ReliefKind
from chibo.dues.models import Basis, MonthLine, Payment, Relief
from chibo.members import party_age
from chibo.members.enums import Status
from chibo.members.models import Member

LEFT = (Status.REMOVED, Status.EXPELLED, Status.RESIGNED, Status.DECEASED)


@dataclass(frozen=True)
class MonthView:
    month: dt.date
    state: str  # MonthState
    full: int  # the amount before reliefs
    due: int  # after reliefs
    paid: int
    relief: str = ""  # the ground or "party_age"
    percent: int = 0
    closed: bool = False


@dataclass(frozen=True)
class MemberFacts:
    id: int
    admitted: dt.date | None
    since: dt.date | None
    left: dt.date | None


def left_on(status: str, status_since: dt.date | None) -> dt.date | None:
    return status_since if status in LEFT else None


def rates_on(month: dt.date) -> dict:
    return rule("dues.rates", on=month)


class RateBook:
    """The dues rules by month: each key's versions are read once (one query), then picked per month."""

    def __init__(self) -> None:
        self._versions: dict[str, list[Any]] = {}

    def _value(self, key: str, month: dt.date) -> Any:
        if key not in self._versions:
            try:
                self._versions[key] = versions(key)
            except UnknownRule:
                self._versions[key] = []
        found = [v for v in self._versions[key] if v.effective_from <= month]
        if not found:
            raise UnknownRule(f"{key} has no version in force on {month.isoformat()}")
        return found[-1].value

    def rates(self, month: dt.date) -> dict:
        return self._value("dues.rates", month)

    def age_years(self, month: dt.date) -> int | None:
        try:
            return int(self._value("dues.exempt_party_age_years", month)) or None
        except UnknownRule:
            return None

    def ledger_from(self, year: int) -> dt.date:
        """The first month the registry keeps dues for (rule ``dues.ledger_from``)."""
        try:
            return dt.date.fromisoformat(str(self._value("dues.ledger_from", dt.date(year, 12, 31))))
        except UnknownRule:
            return dt.date.min

    def threshold(self, year: int) -> int:
        return int(self._value("dues.removal_unpaid_months", dt.date(year, 12, 31)))


def month_view(month: dt.date, *, facts: MemberFacts, basis: Basis | None, relief: Relief | None,
               paid: int, book: RateBook) -> MonthView:
    """A member's open month (pure but for the rate book)."""
    rates = book.rates(month)
    category, income = (basis.category, basis.income) if basis else (Category.OTHER, 0)
    full = rules.amount(category, income, rates)
    years = book.age_years(month)
    if years and facts.since and facts.since <= party_age.reaches_on(years, rules.month_end(month)):
        return MonthView(month, MonthState.EXEMPT, full, 0, paid, ReliefGround.PARTY_AGE, 100)
    ground, percent = "", 0
    if relief is not None:
        ground, percent = relief.ground, (100 if relief.kind == ReliefKind.EXEMPTION else relief.percent)
    due = rules.reduced(full, percent, int(rates["round_to_vnd"]))
    if due == 0:
        return MonthView(month, MonthState.EXEMPT, full, 0, paid, ground, percent)
    state = MonthState.PAID if paid >= due else (MonthState.PARTLY if paid else MonthState.UNPAID)
    return MonthView(month, state, full, due, paid, ground, percent)


def facts_of(member_ids: list[int]) -> dict[int, MemberFacts]:
    rows = Member.objects.filter(pk__in=member_ids).values_list(
        "pk", "admission_date", "party_since", "status", "status_since")
    return {pk: MemberFacts(pk, adm, since or adm, left_on(st, st_since))
            for pk, adm, since, st, st_since in rows}


def member_months(member_ids: list[int], year: int, *, today: dt.date,
                  book: RateBook | None = None) -> dict[int, list[MonthView]]:
    """Every owed month of ``year`` (see :func:`rules.member_months`) of each member, in order."""
    facts = facts_of(member_ids)
    first, stop = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    bases: dict[int, list[Basis]] = defaultdict(list)
    for b in Basis.objects.filter(member_id__in=member_ids, valid_from__lt=stop).order_by("valid_from"):
        bases[b.member_id].append(b)
    reliefs: dict[int, list[Relief]] = defaultdict(list)
    for r in Relief.objects.filter(member_id__in=member_ids, valid_from__lt=stop).order_by("valid_from"):
        reliefs[r.member_id].append(r)
    paid: dict[tuple[int, dt.date], int] = {
        (m, mo): a for m, mo, a in Payment.objects.filter(
            member_id__in=member_ids, month__gte=first, month__lt=stop).values_list("member_id", "month", "amount")}
    frozen = {(m, mo): (due, pd, st) for m, mo, due, pd, st in MonthLine.objects.filter(
        member_id__in=member_ids, close__month__gte=first, close__month__lt=stop,
        close__reopened_at__isnull=True).values_list("member_id", "close__month", "due", "paid", "state")}
    book = book or RateBook()
    kept_from = book.ledger_from(year)
    out: dict[int, list[MonthView]] = {}
    for pk, f in facts.items():
        views = []
        for month in rules.member_months(year, admitted=f.admitted, left=f.left, today=today, kept_from=kept_from):
            view = month_view(month, facts=f, basis=rules.in_force(bases[pk], month),
                              relief=rules.in_force(reliefs[pk], month), paid=paid.get((pk, month), 0), book=book)
            if (pk, month) in frozen:
                due, pd, st = frozen[(pk, month)]
                view = MonthView(month, st, view.full, due, pd, view.relief, view.percent, closed=True)
            views.append(view)
        out[pk] = views
    return out
