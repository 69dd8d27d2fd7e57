"""The handbook card: the party age in years and months (paused during a gap), the card's state."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from chibo.accounts.policy import SYSTEM
from chibo.members import party_age
from chibo.members.cards import services
from chibo.members.enums import GapKind
from chibo.members.models import Member


def _as(client, user):
    client.force_login(user)
    return client


def test_the_card_shows_party_age_in_years_and_months_and_the_cards_state(client, cast, issued):
    page = _as(client, cast.member).get(reverse("handbook:card")).content.decode()
    age = party_age.of_member(Member.objects.get(pk=cast.plain_m.pk), dt.date.today())
    assert f"{age.years} years {age.months} months" in page
    assert "Chip card · Issued, waiting to be handed over" in page
    assert "hands it over at its next meeting" in page


def test_an_open_gap_pauses_the_age(client, cast):
    party_age.open_gap(cast.plain_m, kind=GapKind.LOST_CONTACT, on=dt.date(2020, 5, 19))
    page = _as(client, cast.member).get(reverse("handbook:card")).content.decode()
    assert "10 years 0 months" in page and "paused since 19/05/2020" in page


def test_badges_appear_on_the_card(client, cast):
    Member.objects.filter(pk=cast.plain_m.pk).update(admission_date=dt.date(1996, 3, 1))
    services.award_badges(cast.tree.c, actor=SYSTEM, day=dt.date(2026, 5, 19), member_ids=[cast.plain_m.pk],
                          decision="9-QĐ")
    page = _as(client, cast.member).get(reverse("handbook:card")).content.decode()
    assert "30 years" in page
