"""The pure rules of a transfer: deadlines in working days, the temporary period, the letter's
type, lateness (no I/O beyond the rulebook and the working-day calendar, both data)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from chibo.core.calendar import add_months, add_working_days
from chibo.core.rulebook import rule
from chibo.members.transfers.enums import LetterType, Reason, State, Step, TransferKind

# the steps each state allows (one transition table; the services check it)
NEXT: dict[str, dict[str, str]] = {
    State.DECIDED: {Step.HAND_OVER: State.LEFT, Step.CANCEL: State.CANCELLED},
    State.LEFT: {Step.PRESENT: State.PRESENTED, Step.ACCEPT: State.ACCEPTED, Step.CANCEL: State.CANCELLED},
    State.PRESENTED: {Step.ACCEPT: State.ACCEPTED, Step.CANCEL: State.CANCELLED},
    State.ACCEPTED: {},
    State.RETURNED: {},
    State.CANCELLED: {},
}
SENDER_STEPS = frozenset({Step.HAND_OVER, Step.CANCEL})
RECEIVER_STEPS = frozenset({Step.PRESENT, Step.ACCEPT})


def allowed_steps(state: str, kind: str) -> list[str]:
    steps = list(NEXT[state])
    if state == State.ACCEPTED and kind == TransferKind.TEMPORARY:
        steps.append(Step.RETURN)
    return steps


def start_by(decided_on: dt.date) -> dt.date:
    """The last day to start (the letter handed over): 60 working days after the decision."""
    return add_working_days(decided_on, rule("members.official_transfer_start_working_days", on=decided_on))


def present_by(left_on: dt.date) -> dt.date:
    """The last day to present the letter to the receiving committee: 30 working days after it
    was handed over."""
    return add_working_days(left_on, rule("members.transfer_present_working_days", on=left_on))


def temporary_limits(reason: str, on: dt.date) -> tuple[int, int]:
    key = "members.temporary_study_transfer_months" if reason == Reason.STUDY else "members.temporary_transfer_months"
    limits = rule(key, on=on)
    return int(limits["min"]), int(limits["max"])


def temporary_problem(reason: str, start: dt.date, until: dt.date | None) -> str | None:
    """Why a temporary stay from ``start`` until ``until`` is refused, or None (3–12 months; study
    3–24): ``until`` at least ``min`` months and at most ``max`` months after ``start``."""
    low, high = temporary_limits(reason, start)
    if until is None:
        return _("Give the day the temporary stay ends.")
    if until < add_months(start, low) or until > add_months(start, high):
        return _("A temporary stay lasts from %(low)d to %(high)d months: give an end between %(first)s and "
                 "%(last)s.") % {"low": low, "high": high, "first": add_months(start, low).strftime("%d/%m/%Y"),
                                 "last": add_months(start, high).strftime("%d/%m/%Y")}
    return None


@dataclass(frozen=True)
class Place:
    """Where a unit lies, as the letter's type needs it: its grassroots organization's path (the
    grassroots committee or grassroots cell at or above it) and its province's path."""

    grassroots: str | None
    province: str | None


def letter_type(kind: str, sender: Place, receiver: Place) -> str:
    if kind == TransferKind.TEMPORARY:
        return LetterType.TEMPORARY
    if sender.grassroots is not None and sender.grassroots == receiver.grassroots:
        return LetterType.GRASSROOTS
    if sender.province is not None and sender.province == receiver.province:
        return LetterType.PROVINCE
    return LetterType.OTHER_PROVINCE


def late_periods(*, start_by: dt.date, left_on: dt.date, present_by: dt.date,
                 presented_on: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The periods beyond the deadlines (first day late, first day counted again): the start
    after its start-by day, the presentation after its present-by day. They do not count in party
    age (docs/decisions/0010-transfers.md)."""
    periods = []
    for deadline, done in ((start_by, left_on), (present_by, presented_on)):
        first_late = deadline + dt.timedelta(days=1)
        if done > first_late:  # done the day after the deadline: no day was missed
            periods.append((first_late, done))
    return periods


def is_overdue(*, state: str, start_by: dt.date, present_by: dt.date | None, today: dt.date) -> bool:
    if state == State.DECIDED:
        return today > start_by
    if state == State.LEFT:
        return present_by is not None and today > present_by
    return False
