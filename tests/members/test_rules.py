import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from chibo.members.rules import (
    age_in_months,
    birth_range_for_age_band,
    citizen_id_for,
    citizen_id_problem,
    profile_problems,
)

D = dt.date
TODAY = D(2026, 11, 20)


def valid(**overrides):
    data = {
        "full_name": "Nguyễn Thị Hoa", "sex": "F", "birth_date": D(1990, 1, 2),
        "citizen_id": "001190000123", "status": "official", "admission_date": D(2015, 5, 19),
        "official_date": D(2016, 5, 19),
    }
    data.update(overrides)
    return data


def test_a_complete_profile_has_no_problems():
    assert profile_problems(valid(), today=TODAY) == {}


def test_citizen_id_must_be_twelve_digits():
    for bad in ("", "12345678901", "1234567890123", "00119000012a"):
        assert str(citizen_id_problem(bad)) == "The citizen ID must be exactly 12 digits."


def test_citizen_id_checks_province_sex_and_year():
    assert citizen_id_problem("000190000123") is not None  # province 000
    assert citizen_id_problem("001490000123") is not None  # century digit 4
    assert str(citizen_id_problem("001090000123", sex="F")) == (
        "The citizen ID does not match the sex entered (fourth digit).")
    assert citizen_id_problem("001190000123", sex="F", birth_date=D(1991, 1, 1)) is not None
    assert citizen_id_problem("001390000123", sex="F", birth_date=D(2090, 1, 1)) is None


@given(st.dates(min_value=D(1900, 1, 1), max_value=D(2099, 12, 31)), st.sampled_from("MF"),
       st.integers(1, 96), st.integers(0, 999_999))
def test_generated_citizen_ids_are_valid(birth, sex, province, serial):
    cid = citizen_id_for(province=province, sex=sex, birth_date=birth, serial=serial)
    assert citizen_id_problem(cid, sex=sex, birth_date=birth) is None


def test_messages_name_the_fields():
    problems = profile_problems(valid(full_name="A", phone="12345", birth_date=D(2015, 1, 1),
                                      citizen_id="001115000001", card_number="123",
                                      status="probationary", official_date=None), today=TODAY)
    assert sorted(problems) == ["birth_date", "card_number", "full_name", "phone"]


def test_official_needs_official_date_and_order_of_dates():
    problems = profile_problems(valid(official_date=None), today=TODAY)
    assert list(problems) == ["official_date"]
    problems = profile_problems(valid(official_date=D(2014, 1, 1)), today=TODAY)
    assert [str(m) for m in problems["official_date"]] == [
        "The official date cannot be before the admission decision."]


def test_future_dates_refused():
    problems = profile_problems(valid(admission_date=D(2027, 1, 1), official_date=None,
                                      status="probationary"), today=TODAY)
    assert [str(m) for m in problems["admission_date"]] == ["This date is in the future."]


def test_age_counted_by_month():
    assert age_in_months(D(2008, 3, 31), D(2026, 3, 1)) == 216
    assert age_in_months(D(2008, 4, 1), D(2026, 3, 31)) == 215


def test_age_bands_partition_birth_dates():
    lo30, _ = birth_range_for_age_band("lt30", TODAY)
    assert lo30 == D(1996, 11, 20)
    after, upto = birth_range_for_age_band("30-45", TODAY)
    assert (after, upto) == (D(1980, 11, 20), D(1996, 11, 20))
