"""Builders for the leaving tests: meetings with absences, a decided removal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from chibo.accounts.policy import SYSTEM
from chibo.meetings.models import Invitation, Meeting
from chibo.members.leaving import services


def held_meeting(unit, day: dt.date, topic: str = "Sinh hoạt thường kỳ", state: str = "held") -> Meeting:
    return Meeting.objects.get_or_create(
        unit=unit, kind="regular", starts_at=timezone.make_aware(dt.datetime.combine(day, dt.time(14))),
        defaults={"unit_path": unit.path, "topic": topic, "state": state})[0]


def absences(member, days: list[dt.date], attendance: str = "unexcused") -> list[Meeting]:
    meetings = [held_meeting(member.unit, d) for d in days]
    Invitation.objects.bulk_create(Invitation(meeting=m, member=member, attendance=attendance) for m in meetings)
    return meetings


def removed(member, on: dt.date, *, proposed_on: dt.date | None = None, note: str = "Bỏ sinh hoạt nhiều tháng"):
    removal = services.propose_removal(member, actor=SYSTEM, ground="absences", proposed_on=proposed_on or on,
                                       proposal="03-NQ/CB", note=note)
    return services.decide_removal(removal, actor=SYSTEM, decided_on=on, decision="15-QĐ/ĐU")


@pytest.fixture
def on():
    return dt.date(2026, 3, 2)
