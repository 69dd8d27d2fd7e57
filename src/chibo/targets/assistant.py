"""The allocation assistant: a proposed breakdown of a committee's target to its subordinates.

- ``rate``: the parent's target is its members on 1 January × the rate (3–4 %, rulebook), or its
  target already set; it is split over the children in proportion to their members.
- ``last_year``: each child gets last year's admissions + N; the parent's proposal is their sum.
The officer edits the proposal before saving it (``services.set_targets``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from chibo.core.rulebook import rule
from chibo.org.models import Unit
from chibo.targets import progress, rules
from chibo.targets.models import Indicator, Method, Target


@dataclass
class Proposal:
    parent: int
    children: dict[int, int]
    method: str
    rate_percent: float | None = None

    @property
    def children_sum(self) -> int:
        return sum(self.children.values())


def propose(unit: Unit, year: int, method: str, *, rate_percent: float | None = None, extra: int = 0) -> Proposal:
    start = dt.date(year, 1, 1)
    children = [c[0] for c in progress._children_on(unit, start)] or \
        list(Unit.objects.filter(parent=unit, closed_on__isnull=True).values_list("pk", flat=True))
    ids = [unit.pk, *children]
    if method == Method.LAST_YEAR:
        last = progress._sums(ids, dt.date(year - 1, 1, 1), dt.date(year - 1, 12, 31))
        results = {c: last.get(c, {}).get("admitted", 0) for c in children}
        proposed = rules.last_year_plus(results, extra)
        return Proposal(sum(proposed.values()), proposed, method)
    rate = rate_percent if rate_percent is not None else float(rule("targets.admission_rate_percent", on=start))
    bases = progress._bases(ids, start, start)
    current = Target.objects.filter(unit=unit, year=year, indicator=Indicator.ADMISSIONS).first()
    total = current.value if current else rules.by_rate(bases.get(unit.pk, 0), rate)
    return Proposal(total, rules.split(total, {c: bases.get(c, 0) for c in children}), Method.RATE, rate)


def course_target(admission_target: int, year: int) -> int:
    """The awareness-course target that goes with an admission target (at least twice it)."""
    return admission_target * int(rule("targets.course_multiple", on=dt.date(year, 1, 1)))
