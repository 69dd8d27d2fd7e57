"""The command-line side: reminders by hand, admission tallies checked and rebuilt."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from chibo.admissions.models import AdmissionTally
from chibo.admissions.stages import Stage
from chibo.core.calendar import add_working_days
from chibo.notifications.models import Notification
from tests.factories.admissions import carry, open_case


def test_reminders_command_runs_a_given_day_once(cast):
    case = carry(open_case(cast.tree.k), Stage.CELL_VOTED)
    day = add_working_days(case.next_due, -7).isoformat()
    out = io.StringIO()
    call_command("reminders", "--date", day, stdout=out)
    assert out.getvalue().startswith(f"1 notifications for {day}")
    call_command("reminders", "--date", day, stdout=io.StringIO())
    assert Notification.objects.filter(user=cast.commune).count() == 1
    with pytest.raises(CommandError, match="not a date"):
        call_command("reminders", "--date", "23/11/2026")


def test_tallies_command_finds_and_repairs_a_wrong_admission_count(cast):
    case = carry(open_case(cast.tree.k), Stage.ADMITTED)
    call_command("tallies", stdout=io.StringIO())
    AdmissionTally.objects.filter(unit=cast.tree.p, day=case.decision_on).update(admitted=7)
    err = io.StringIO()
    with pytest.raises(CommandError, match="disagree"):
        call_command("tallies", stdout=io.StringIO(), stderr=err)
    assert "P " in err.getvalue() and "admissions admitted stored 7, recount 1" in err.getvalue()
    call_command("tallies", "--rebuild", stdout=io.StringIO())
    assert AdmissionTally.objects.get(unit=cast.tree.p, day=case.decision_on).admitted == 1
