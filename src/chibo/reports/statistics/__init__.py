"""Member statistics of any subtree on any day, and the standard year-end tables (DOMAIN.md §5).

Pure reads, scoped by the caller: the functions take a :class:`~chibo.org.models.Unit` and dates;
the views check access. Every figure is a few GROUP BYs over the member and placement tables
restricted to the subtree by a path range, a constant number of queries whatever its size.

- :func:`members_as_of` — official / probationary / exempted / total members on a day, with the
  structure of that day (for today: the unit's tally).
- :func:`changes_by_cause` and :func:`balance` — the changes between two days by cause, and the
  opening and closing totals they reconcile.
- :func:`year_end_tables` — tables a–f as at 31 December, each a :class:`Table` (f: the review's
  classification, from its tallies).

A past day is rebuilt from the dated placements, the units' position periods and each member's
own dates; the approximations this implies are listed in :mod:`chibo.reports.statistics.counts`.
"""

from chibo.reports.statistics.composition import Breakdown, Organization, breakdown, organizations
from chibo.reports.statistics.counts import (
    CAUSES,
    DECREASES,
    INCREASES,
    Balance,
    balance,
    balance_and_breakdown,
    changes_by_cause,
    members_as_of,
)
from chibo.reports.statistics.tables import (
    Table,
    admitted_table,
    classification_table,
    ethnicity_religion_tables,
    grassroots_tables,
    member_changes_table,
    profile_tables,
    year_end_tables,
)

__all__ = [
    "CAUSES", "DECREASES", "INCREASES", "Balance", "Breakdown", "Organization", "Table", "admitted_table", "balance",
    "balance_and_breakdown", "breakdown", "changes_by_cause", "classification_table", "ethnicity_religion_tables",
    "grassroots_tables", "member_changes_table", "members_as_of", "organizations", "profile_tables", "year_end_tables",
]
