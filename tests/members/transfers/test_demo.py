"""The demo's transfers: one of each situation, made through the services, the tallies exact."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from chibo.demo.transfers import make_demo
from chibo.members import tallies
from chibo.members.models import Transfer
from chibo.members.transfers import queries


@pytest.fixture
def demo(db):
    """The demo, scaled down to 2,500 members, with its transfers."""
    call_command("demo", "--no-serve", "--members", "2500", stdout=StringIO())
    make_demo(timezone.localdate())
    return timezone.localdate()


def test_every_situation_is_shown_and_the_tallies_verify(demo):
    states = Counter(Transfer.objects.values_list("state", flat=True))
    assert states == {"left": 1, "accepted": 2, "decided": 1, "cancelled": 1}
    assert Transfer.objects.filter(queries.overdue_q(demo)).count() == 1
    assert Transfer.objects.get(kind="temporary").member.temp_unit_id is not None
    assert tallies.verify() == []
    make_demo(demo)  # a second run adds nothing
    assert Transfer.objects.count() == 5
