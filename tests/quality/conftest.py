"""A year's review opened by the commune over the cast's tree (tests/conftest.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.quality import periods

YEAR = 2026


def open_year(unit, year: int = YEAR, quarter: int = 0, actor=SYSTEM):
    return periods.open_period(actor=actor, issuer=unit, year=year, quarter=quarter,
                               self_until=dt.date(year, 12, 10), cell_until=dt.date(year, 12, 15),
                               verify_until=dt.date(year, 12, 20), decide_until=dt.date(year, 12, 28))


@pytest.fixture
def period(cast):
    return open_year(cast.tree.c)
