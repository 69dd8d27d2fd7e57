"""The dues ground for removal from the list (DOMAIN.md §3): unpaid months in a year.

Called by the removal workflow (members.leaving) to offer the ground with its evidence, and by the
arrears pages to show it beside each member. A month counts as unpaid when the member owed dues
for it (a member on some day of it, not after leaving, its first day not after today), was not
exempt (a decision, or a party age of 50 years), and paid less than the month's amount. A closed
month counts as the close froze it.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from chibo.core.rulebook import rule
from chibo.dues.enums import MonthState
from chibo.dues.ledger import RateBook, member_months

UNPAID = (MonthState.UNPAID, MonthState.PARTLY)
FIRST_YEAR = 2011  # the first year the rulebook's dues rules (and so the ledger's years) cover


def unpaid_months(member_ids: list[int], year: int, *, today: dt.date | None = None,
                  book: RateBook | None = None) -> dict[int, list[dt.date]]:
    """For each of ``member_ids`` with unpaid months in ``year``: the first days of those months,
    in order. Members with none are left out. A fixed number of queries for any number of members."""
    if not member_ids:
        return {}
    months = member_months(list(member_ids), year, today=today or timezone.localdate(), book=book)
    out = {pk: [v.month for v in views if v.state in UNPAID] for pk, views in months.items()}
    return {pk: days for pk, days in out.items() if days}


def removal_threshold(year: int) -> int:
    """Unpaid months in a year that make the removal ground (rule ``dues.removal_unpaid_months``,
    in force at the end of ``year``)."""
    return int(rule("dues.removal_unpaid_months", on=dt.date(year, 12, 31)))


def removal_ground(member_ids: list[int], year: int, *, today: dt.date | None = None) -> dict[int, list[dt.date]]:
    """The members of ``member_ids`` who reach the threshold in ``year``, with their unpaid months."""
    threshold = removal_threshold(year)
    return {pk: days for pk, days in unpaid_months(member_ids, year, today=today).items() if len(days) >= threshold}
