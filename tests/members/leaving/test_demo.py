"""The demo's leaving records: made through the services, a second run adds nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from chibo.demo.leaving import make_demo
from chibo.members import tallies
from chibo.members.leaving.models import Complaint, Departure, Exemption, Removal
from chibo.members.models import Discipline


@pytest.fixture
def demo(db):
    call_command("demo", "--no-serve", "--members", "2500", stdout=StringIO())
    make_demo(timezone.localdate())
    return timezone.localdate()


def test_every_situation_is_shown_once(demo):
    assert Exemption.objects.count() == 2
    assert sorted(Removal.objects.values_list("state", flat=True)) == ["decided", "proposed"]
    assert (Complaint.objects.count(), Departure.objects.count(), Discipline.objects.count()) == (1, 1, 1)
    assert tallies.verify() == []
    make_demo(demo)
    assert Exemption.objects.count() == 2 and Removal.objects.count() == 2
