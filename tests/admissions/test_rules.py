"""The admission rules at their boundaries (DOMAIN.md §4)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chibo.admissions import rules
from chibo.admissions.rules import Applicant, Introducer
from chibo.core.calendar import add_working_days, is_working_day, working_days_between

pytestmark = pytest.mark.django_db
D = dt.date
VOTE = D(2026, 3, 1)


def codes(findings) -> list[str]:
    return [f.code for f in findings]


def applicant(**overrides) -> Applicant:
    values = {"birth_date": D(1995, 6, 15), "education_grade": 12, "certificate_date": D(2025, 10, 1)}
    values.update(overrides)
    return Applicant(**values)


# ---- age, counted by month ------------------------------------------------------------------

@pytest.mark.parametrize(("birth", "vote", "expected"), [
    (D(2008, 3, 31), D(2026, 3, 1), []),  # DOMAIN's example: full 18 by month on the 1st
    (D(2008, 4, 1), D(2026, 3, 31), ["age.too_young"]),  # the day before the month of 18
    (D(2008, 3, 1), D(2026, 2, 28), ["age.too_young"]),
    (D(1966, 3, 31), D(2026, 3, 31), []),  # still full 60 in March 2026
    (D(1966, 3, 1), D(2026, 4, 1), ["age.over_60"]),  # over 60 from April
])
def test_age_is_counted_by_month(birth, vote, expected):
    assert codes(rules.age_findings(applicant(birth_date=birth), vote)) == expected


def test_over_60_with_the_recorded_approval_is_allowed():
    assert rules.age_findings(applicant(birth_date=D(1960, 1, 1), over_60_approved=True), VOTE) == []


def test_too_young_says_from_when():
    finding = rules.age_findings(applicant(birth_date=D(2008, 9, 20)), VOTE)[0]
    assert "01/09/2026" in finding.message  # the first of the month of 18, day first


@given(st.dates(D(1940, 1, 1), D(2012, 12, 31)), st.dates(D(2020, 1, 1), D(2030, 12, 31)))
def test_age_eligibility_matches_the_month_count(birth, vote):
    months = (vote.year - birth.year) * 12 + vote.month - birth.month
    found = codes(rules.age_findings(applicant(birth_date=birth), vote))
    assert found == (["age.too_young"] if months < 216 else ["age.over_60"] if months > 720 else [])


# ---- education, certificate, readmission -----------------------------------------------------

@pytest.mark.parametrize(("grade", "exception", "approved", "expected"), [
    (9, "", False, []), (8, "", False, ["education.too_low"]),
    (5, "primary_hardship_area", False, []), (4, "primary_fisherman", False, ["education.exception_not_met"]),
    (0, "literate_elder", False, ["education.approval_missing"]), (0, "literate_elder", True, []),
    (7, "something_else", False, ["education.too_low"]),
])
def test_education_and_its_exceptions(grade, exception, approved, expected):
    person = applicant(education_grade=grade, education_exception=exception, exception_approved=approved)
    assert codes(rules.education_findings(person, VOTE)) == expected


@pytest.mark.parametrize(("issued", "expected"), [
    (None, ["certificate.missing"]), (D(2021, 3, 2), []), (D(2021, 3, 1), ["certificate.expired"]),
    (D(2026, 3, 2), ["certificate.future"]),
])
def test_the_course_certificate_is_valid_five_years(issued, expected):
    assert codes(rules.certificate_findings(issued, VOTE)) == expected


@pytest.mark.parametrize(("left", "excluded", "expected"), [
    (D(2023, 3, 1), False, []), (D(2023, 3, 2), False, ["readmission.too_soon"]),
    (D(2000, 1, 1), True, ["readmission.excluded"]),
])
def test_readmission_waits_36_months_and_never_for_excluded_grounds(left, excluded, expected):
    assert codes(rules.readmission_findings(applicant(left_on=left, excluded_ground=excluded), VOTE)) == expected


@pytest.mark.parametrize(("left_as", "left", "excluded", "expected"), [
    ("removed", D(2023, 3, 1), False, []),
    ("expelled", D(2023, 3, 2), False, ["readmission.too_soon"]),
    ("resigned", D(2000, 1, 1), False, ["readmission.resigned"]),  # never, whatever the case ticks
    ("removed", None, False, ["readmission.left_unknown"]),  # the registry knows them, not the day
    ("expelled", D(2000, 1, 1), True, ["readmission.excluded"]),
])
def test_readmission_of_a_member_the_registry_knows(left_as, left, excluded, expected):
    person = applicant(left_as=left_as, left_on=left, excluded_ground=excluded)
    assert codes(rules.readmission_findings(person, VOTE)) == expected


def test_eligibility_collects_every_finding():
    person = applicant(birth_date=D(2010, 1, 1), education_grade=7, certificate_date=None)
    assert codes(rules.eligibility(person, VOTE)) == ["age.too_young", "education.too_low", "certificate.missing"]


# ---- introducers ---------------------------------------------------------------------------

CELL = 7
LONG_AGO = D(2024, 1, 1)


def official(member_id: int, together_since: dt.date = LONG_AGO, *, status: str = "official",
             unit_id: int = CELL) -> Introducer:
    return Introducer(member_id, status, unit_id, together_since)


def check(introducers, **kwargs):
    return codes(rules.introducer_findings(introducers, on=VOTE, applicant_member_id=kwargs.pop("me", 99),
                                           applicant_unit_id=CELL, **kwargs))


def test_two_official_members_of_the_unit_introduce():
    assert check([official(1), official(2)]) == []


@pytest.mark.parametrize(("since", "expected"), [
    (D(2025, 3, 1), []),  # exactly 12 months together on the introduction date
    (D(2025, 3, 2), ["introducers.too_short"]),  # a day short
    (D(2025, 4, 1), ["introducers.too_short"]),  # 11 months
])
def test_twelve_months_together(since, expected):
    assert check([official(1), official(2, since)]) == expected


def test_an_introducer_who_became_official_recently_may_introduce():
    # the rule is about the time together (12 months), not the time since becoming official:
    # official 11 months ago and official 12 months ago both introduce
    assert check([official(1, D(2023, 1, 1)), official(2, D(2023, 1, 1))]) == []


@pytest.mark.parametrize(("second", "expected"), [
    (official(2, status="probationary"), ["introducers.not_official"]),
    (official(2, status="exempted"), ["introducers.not_official"]),
    (official(2, unit_id=8), ["introducers.other_unit"]),
    (official(1), ["introducers.repeated"]),
    (official(99), ["introducers.self"]),
])
def test_who_cannot_introduce(second, expected):
    assert check([official(1), second]) == expected


def test_the_number_of_introducers():
    assert check([official(1)]) == ["introducers.count"]
    assert check([official(1), official(2), official(3)]) == ["introducers.count"]


def test_the_youth_union_path_needs_the_resolution_and_one_member():
    young = {"youth_union_path": True, "applicant_birth": D(2000, 1, 1), "applicant_in_youth_union": True}
    assert check([official(1)], youth_union_resolution=True, **young) == []
    assert check([official(1)], youth_union_resolution=False, **young) == ["introducers.youth_union_resolution"]
    assert check([official(1), official(2)], youth_union_resolution=True, **young) == ["introducers.count"]
    over_30 = {**young, "applicant_birth": D(1994, 1, 1)}
    assert check([official(1)], youth_union_resolution=True, **over_30) == ["introducers.youth_union_not_eligible"]


# ---- votes ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("members", "needed"), [(3, 2), (6, 4), (7, 5), (9, 6), (10, 7), (30, 20), (31, 21)])
def test_two_thirds_of_all_official_members_rounded_up(members, needed):
    assert rules.votes_needed(members, VOTE) == needed


def test_a_vote_of_exactly_two_thirds_passes_and_one_less_fails():
    assert rules.vote_findings(6, 9, VOTE) == []
    assert codes(rules.vote_findings(5, 9, VOTE)) == ["vote.not_passed"]
    assert codes(rules.vote_findings(10, 9, VOTE)) == ["vote.impossible"]
    assert codes(rules.vote_findings(0, 0, VOTE)) == ["vote.no_members"]


@given(st.integers(1, 500), st.integers(0, 500))
def test_the_threshold_is_the_least_count_of_two_thirds(members, yes):
    passed = rules.vote_findings(min(yes, members), members, VOTE) == []
    assert passed == (3 * min(yes, members) >= 2 * members)


def test_three_failed_recognition_votes_go_to_the_higher_committee():
    assert not rules.recognition_escalates(2, VOTE)
    assert rules.recognition_escalates(3, VOTE)


# ---- deadlines in working days ---------------------------------------------------------------

def test_a_deadline_spanning_tet_skips_the_holidays():
    # ceremony within 30 working days of receiving the decision on Friday 30 January 2026;
    # Tết Bính Ngọ closes Monday 16 to Friday 20 February
    due = rules.ceremony_due(D(2026, 1, 30))
    assert working_days_between(D(2026, 1, 30), due) == 30
    assert due == D(2026, 3, 20)  # six weeks of working days, plus the Tết week


def test_the_admission_decision_is_due_60_working_days_after_the_cell_resolution_or_90():
    resolution = D(2026, 6, 1)
    assert working_days_between(resolution, rules.decision_due(resolution)) == 60
    assert working_days_between(resolution, rules.decision_due(resolution, extended=True)) == 90


REASON = rules.Extension(reason="Chờ thẩm tra bổ sung")
CONSENT = rules.Extension(reason="Chờ thẩm tra bổ sung", consent_number="45-CV/HU", consent_on=D(2026, 4, 20))


@pytest.mark.parametrize(("on", "extension", "expected"), [
    (D(2026, 3, 2), rules.Extension(), []),  # on the deadline
    (D(2026, 3, 3), rules.Extension(), ["deadline.reason"]),
    (D(2026, 4, 13), REASON, []),  # the committee's own extension, to its cap
    (D(2026, 4, 14), REASON, ["deadline.consent"]),  # past the cap: the superior committee consents
    (D(2026, 4, 14), rules.Extension(consent_number="45-CV/HU", consent_on=D(2026, 4, 10)), ["deadline.reason"]),
    (D(2026, 4, 19), CONSENT, ["deadline.consent_date"]),  # a consent after the step
    (D(2026, 4, 20), CONSENT, []),
])
def test_a_late_step_gives_its_reason_and_past_the_cap_the_superior_committees_consent(on, extension, expected):
    deadline = rules.Deadline(due=D(2026, 3, 2), cap=D(2026, 4, 13))
    assert codes(rules.lateness_findings(deadline, on, extension)) == expected


def test_the_decisions_may_be_extended_30_working_days_and_the_ceremony_not_without_consent():
    decision = rules.decision_deadline(D(2026, 6, 1))
    assert working_days_between(decision.due, decision.cap) == 30
    recognition = rules.recognition_decision_deadline(D(2026, 6, 1))
    assert working_days_between(D(2026, 6, 1), recognition.cap) == 60
    ceremony = rules.ceremony_deadline(D(2026, 6, 1))
    assert ceremony.cap == ceremony.due
    late = add_working_days(ceremony.due, 1)
    assert codes(rules.lateness_findings(ceremony, late, REASON)) == ["deadline.consent"]
    assert rules.lateness_findings(ceremony, late, REASON)[0].message == (
        "The deadline was 13/07/2026: later, this step needs the consent of the directly superior committee. "
        "Record the number and date of its consent.")


@given(st.dates(D(2024, 1, 1), D(2027, 12, 31)))
def test_deadlines_land_on_working_days_the_right_number_of_days_later(start):
    due = rules.recognition_decision_due(start)
    assert is_working_day(due)
    assert working_days_between(start, due) == 30


@pytest.mark.parametrize(("ceremony", "end"), [
    (D(2025, 3, 15), D(2026, 3, 15)), (D(2024, 2, 29), D(2025, 2, 28)), (D(2025, 5, 31), D(2026, 5, 31)),
])
def test_probation_is_twelve_months_and_the_official_date_is_its_end(ceremony, end):
    assert rules.probation_end(ceremony) == end
    assert rules.official_date(ceremony) == end  # even when the recognition decision is late


def test_the_recognition_vote_is_due_30_working_days_after_probation():
    due = rules.recognition_vote_due(D(2025, 3, 15))
    assert working_days_between(D(2026, 3, 15), due) == 30


@pytest.mark.parametrize(("since", "on", "stale"), [
    (D(2025, 3, 1), D(2026, 3, 1), False), (D(2025, 3, 1), D(2026, 3, 2), True),
])
def test_a_dossier_is_stale_after_twelve_months_without_a_vote(since, on, stale):
    assert rules.dossier_stale(since, on) is stale


@given(st.dates(D(1990, 1, 1), D(2040, 12, 31)), st.integers(0, 240))
def test_add_months_keeps_the_day_or_ends_the_month(day, months):
    later = rules.add_months(day, months)
    assert (later.year - day.year) * 12 + later.month - day.month == months
    assert later.day == day.day or later.day < day.day and (later + dt.timedelta(days=1)).day == 1


def test_findings_speak_vietnamese():
    from django.utils import translation

    with translation.override("vi"):
        finding = rules.vote_findings(5, 9, VOTE)[0]
        too_young = rules.age_findings(applicant(birth_date=D(2008, 9, 20)), VOTE)[0]
    assert finding.message == ("5 trên 9 đảng viên chính thức tán thành; cần 6 "
                               "(hai phần ba tổng số đảng viên chính thức).")
    assert "chi bộ có thể biểu quyết từ ngày 01/09/2026" in too_young.message  # dd/mm/yyyy (7e15e30)
