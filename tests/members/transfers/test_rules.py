"""The deadlines at their boundaries in working days (across Tết 2026), the temporary periods,
the letter's type, lateness."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.members.transfers import rules
from chibo.members.transfers.enums import LetterType, Reason, State, TransferKind

pytestmark = pytest.mark.django_db  # the rulebook's overrides are read from the database


def test_start_by_is_60_working_days_after_the_decision_across_tet():
    # 01/12/2025 + 60 working days: New Year 1–2 January 2026 off; without them it would be 27/02
    assert rules.start_by(dt.date(2025, 12, 1)) == dt.date(2026, 3, 3)
    assert rules.start_by(dt.date(2026, 1, 5)) == dt.date(2026, 4, 3)  # Tết 14–22 February 2026 skipped


def test_present_by_is_30_working_days_after_the_letter_across_tet():
    assert rules.present_by(dt.date(2026, 1, 26)) == dt.date(2026, 3, 16)  # not 9 March: Tết is 5 working days
    assert rules.present_by(dt.date(2026, 1, 23)) == dt.date(2026, 3, 13)  # a Friday: the weekend is not counted


def test_overdue_the_day_after_the_deadline_not_on_it():
    start_by, present_by = dt.date(2026, 4, 3), dt.date(2026, 3, 16)
    assert not rules.is_overdue(state=State.DECIDED, start_by=start_by, present_by=None, today=start_by)
    assert rules.is_overdue(state=State.DECIDED, start_by=start_by, present_by=None, today=dt.date(2026, 4, 4))
    assert not rules.is_overdue(state=State.LEFT, start_by=start_by, present_by=present_by, today=present_by)
    assert rules.is_overdue(state=State.LEFT, start_by=start_by, present_by=present_by, today=dt.date(2026, 3, 17))
    assert not rules.is_overdue(state=State.ACCEPTED, start_by=start_by, present_by=present_by,
                                today=dt.date(2027, 1, 1))


def test_late_periods_are_the_days_after_each_deadline():
    start_by = rules.start_by(dt.date(2026, 1, 5))  # 03/04/2026

    def late(left_on, presented_on):
        return rules.late_periods(start_by=start_by, left_on=left_on, present_by=rules.present_by(left_on),
                                  presented_on=presented_on)

    assert late(dt.date(2026, 4, 3), rules.present_by(dt.date(2026, 4, 3))) == []
    # handed over the day after the start-by day: no day missed
    assert late(dt.date(2026, 4, 4), rules.present_by(dt.date(2026, 4, 4))) == []
    assert late(dt.date(2026, 4, 6), dt.date(2026, 5, 25)) == [
        (dt.date(2026, 4, 4), dt.date(2026, 4, 6)), (dt.date(2026, 5, 22), dt.date(2026, 5, 25))]


@pytest.mark.parametrize(("reason", "until", "ok"), [
    (Reason.WORK_AWAY, dt.date(2026, 4, 5), True), (Reason.WORK_AWAY, dt.date(2026, 4, 4), False),
    (Reason.WORK_AWAY, dt.date(2027, 1, 5), True), (Reason.WORK_AWAY, dt.date(2027, 1, 6), False),
    (Reason.STUDY, dt.date(2028, 1, 5), True), (Reason.STUDY, dt.date(2028, 1, 6), False),
    (Reason.STUDY, dt.date(2026, 4, 4), False), (Reason.WORK_AWAY, None, False),
])
def test_temporary_stay_lasts_3_to_12_months_study_3_to_24(reason, until, ok):
    assert (rules.temporary_problem(reason, dt.date(2026, 1, 5), until) is None) is ok


def test_letter_type_by_distance():
    here = rules.Place(grassroots="g1", province="p1")
    assert rules.letter_type(TransferKind.OFFICIAL, here, rules.Place("g1", "p1")) == LetterType.GRASSROOTS
    assert rules.letter_type(TransferKind.OFFICIAL, here, rules.Place(None, "p1")) == LetterType.PROVINCE
    assert rules.letter_type(TransferKind.OFFICIAL, here, rules.Place("g9", "p2")) == LetterType.OTHER_PROVINCE
    assert rules.letter_type(TransferKind.TEMPORARY, here, rules.Place("g1", "p1")) == LetterType.TEMPORARY


def test_steps_by_state():
    assert rules.allowed_steps(State.DECIDED, TransferKind.OFFICIAL) == ["hand_over", "cancel"]
    assert rules.allowed_steps(State.ACCEPTED, TransferKind.OFFICIAL) == []
    assert rules.allowed_steps(State.ACCEPTED, TransferKind.TEMPORARY) == ["return"]
