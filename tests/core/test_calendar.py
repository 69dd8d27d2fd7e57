import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chibo.admissions import rules
from chibo.core.calendar import add_working_days, is_working_day, working_days_between

D = dt.date


def test_weekends_and_national_day_are_not_working_days():
    assert not is_working_day(D(2026, 11, 21))  # Saturday
    assert not is_working_day(D(2026, 11, 22))  # Sunday
    assert is_working_day(D(2026, 11, 23))
    assert not is_working_day(D(2025, 9, 2))  # National Day
    assert not is_working_day(D(2025, 4, 30))  # Reunification Day
    assert not is_working_day(D(2025, 5, 1))  # Labour Day


def test_tet_2026_is_skipped():
    # Tết Bính Ngọ: 17 February 2026 is the first day of the lunar year
    assert not is_working_day(D(2026, 2, 17))
    assert not is_working_day(D(2026, 2, 18))
    # Friday 13 Feb + 5 working days lands after the Tết holidays
    result = add_working_days(D(2026, 2, 13), 5)
    assert result > D(2026, 2, 20)
    assert all(is_working_day(d) for d in [result])


def test_extra_days_from_the_rulebook():
    assert not is_working_day(D(2025, 5, 2))  # make-up day off (rulebook calendar.extra_days_off)
    assert is_working_day(D(2025, 4, 26))  # Saturday worked in exchange


# Every day the government's notices of 2025 and 2026 moved, with its neighbours (the holidays
# package gives the public holidays and some of the swaps; the rulebook adds the rest).
NOTICES = {
    # 2025: Tết 25 Jan–2 Feb; 30 Apr–4 May with Fri 2 May off, worked on Sat 26 Apr; 30 Aug–2 Sep
    D(2025, 1, 24): True, D(2025, 1, 27): False, D(2025, 1, 31): False, D(2025, 2, 3): True,
    D(2025, 4, 26): True, D(2025, 4, 29): True, D(2025, 4, 30): False, D(2025, 5, 2): False,
    D(2025, 5, 5): True, D(2025, 8, 29): True, D(2025, 9, 1): False, D(2025, 9, 2): False,
    D(2025, 9, 3): True,
    # 2026: 1–4 Jan with Fri 2 Jan off, worked on Sat 10 Jan; Tết 14–22 Feb; National Day
    # 29 Aug–2 Sep with Mon 31 Aug off, worked on Sat 22 Aug
    D(2026, 1, 1): False, D(2026, 1, 2): False, D(2026, 1, 5): True, D(2026, 1, 10): True,
    D(2026, 1, 11): False, D(2026, 2, 13): True, D(2026, 2, 16): False, D(2026, 2, 20): False,
    D(2026, 2, 23): True, D(2026, 8, 22): True, D(2026, 8, 28): True, D(2026, 8, 31): False,
    D(2026, 9, 1): False, D(2026, 9, 2): False, D(2026, 9, 3): True,
}


def test_the_notices_of_2025_and_2026_day_by_day():
    assert {day: is_working_day(day) for day in NOTICES} == NOTICES


@pytest.mark.django_db
def test_a_deadline_across_the_make_up_saturday_of_10_january_2026():
    # Thu 8 Jan + 3 working days: Fri 9, Sat 10 (worked for 2 January), Mon 12
    assert add_working_days(D(2026, 1, 8), 3) == D(2026, 1, 12)
    assert working_days_between(D(2026, 1, 8), D(2026, 1, 12)) == 3
    # a ceremony due 30 working days after a decision received on Wed 31 Dec 2025
    assert rules.ceremony_due(D(2025, 12, 31)) == D(2026, 2, 12)  # 13 February without it


def test_add_working_days_counts_from_the_next_day():
    assert add_working_days(D(2026, 11, 20), 1) == D(2026, 11, 23)  # Friday → Monday
    assert add_working_days(D(2026, 11, 23), 0) == D(2026, 11, 23)
    assert add_working_days(D(2026, 11, 23), -1) == D(2026, 11, 20)


@given(st.dates(min_value=D(2024, 1, 1), max_value=D(2027, 12, 31)), st.integers(0, 90))
def test_add_and_count_are_inverse(start, n):
    end = add_working_days(start, n)
    assert working_days_between(start, end) == n
    assert end >= start
    if n:
        assert is_working_day(end)


@given(st.dates(min_value=D(2024, 1, 1), max_value=D(2027, 12, 31)),
       st.dates(min_value=D(2024, 1, 1), max_value=D(2027, 12, 31)))
def test_working_days_between_is_antisymmetric(a, b):
    assert working_days_between(a, b) == -working_days_between(b, a)
