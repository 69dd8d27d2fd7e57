import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

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
