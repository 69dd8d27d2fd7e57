"""My card: the fields of DOMAIN.md §7, the citizen ID partly masked, the party age."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from chibo.handbook.queries import party_age


def _fields(response) -> dict[str, str]:
    return {str(label): value for label, value, _css in response.context["fields"]}


def test_the_card_shows_the_members_own_record(cast, as_user):
    cast.plain_m.card_number = "01234567"
    cast.plain_m.save(update_fields=["card_number"])
    response = as_user(cast.member).get(reverse("handbook:card"))
    fields = _fields(response)
    age = party_age(cast.plain_m)
    assert fields == {
        "date of birth": "09/07/1990",
        "sex": "Male",
        "admission decision date": "19/05/2010",
        "official member date": "01/06/2011",
        "party card number": "01234567",
        "cell": "Chi bộ Giáo viên 1",
        "citizen ID": "••••••••" + cast.plain_m.citizen_id[-4:],
        "phone": "0987654321",
        "status": "Official",
        "party age": f"{age} years",
    }
    page = response.content.decode()
    assert "Đặng Văn An" in page
    assert cast.plain_m.citizen_id not in page


def test_a_probationary_member_has_no_official_date_or_card(cast, as_user):
    cast.plain_m.status, cast.plain_m.official_date = "probationary", None
    cast.plain_m.save(update_fields=["status", "official_date"])
    fields = _fields(as_user(cast.member).get(reverse("handbook:card")))
    assert fields["official member date"] == ""
    assert fields["party card number"] is None
    assert fields["status"] == "Probationary"


@pytest.mark.parametrize(("on", "years"), [
    (dt.date(2010, 5, 19), 0),
    (dt.date(2011, 5, 18), 0),
    (dt.date(2011, 5, 19), 1),
    (dt.date(2020, 5, 18), 9),
    (dt.date(2020, 5, 19), 10),
])
def test_party_age_counts_whole_years_from_the_admission_decision(cast, on, years):
    assert party_age(cast.plain_m, on=on) == years


def test_party_age_is_unknown_without_an_admission_date(cast):
    cast.plain_m.admission_date = None
    assert party_age(cast.plain_m) is None


def test_the_home_page_summarises_the_card(cast, as_user):
    response = as_user(cast.member).get(reverse("handbook:home"))
    assert response.context["party_age"] == party_age(cast.plain_m, on=timezone.localdate())
    page = response.content.decode()
    assert "Hello, Đặng Văn An" in page
    assert "Chi bộ Giáo viên 1" in page
