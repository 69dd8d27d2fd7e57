"""The demo's cards and badges: made through the services, a second run adds nothing."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from chibo.demo.cards import make_demo
from chibo.members import tallies
from chibo.members.cards.models import CardCampaign, PartyCard


@pytest.fixture
def demo(db):
    call_command("demo", "--no-serve", "--members", "2500", stdout=StringIO())
    make_demo(timezone.localdate())
    return timezone.localdate()


def test_every_card_state_is_shown(demo):
    states = Counter(PartyCard.objects.values_list("state", flat=True))
    assert states["lost"] == 1 and states["replaced"] == 3 and states["issued"] == 3
    assert CardCampaign.objects.count() == 1
    assert PartyCard.objects.filter(campaign__isnull=False).count() == 4  # the exchanges and the new card
    assert tallies.verify() == []
    count = PartyCard.objects.count()
    make_demo(demo)
    assert PartyCard.objects.count() == count
