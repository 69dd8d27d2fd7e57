from __future__ import annotations

import datetime as dt

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.members.cards import services
from tests.api.conftest import api  # noqa: F401 (the API's persona clients, for test_api)


@pytest.fixture
def issued(cast):
    """A card issued to the plain member (by the commune, the committee above G)."""
    return services.issue_card(cast.plain_m, actor=SYSTEM, number="100001", issued_on=dt.date(2026, 3, 2),
                               decision="12-QĐ/ĐU")
