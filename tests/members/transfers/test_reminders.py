"""The daily reminders: the sender before and after the start-by day, the receiver for the
present-by day, both sides before a temporary stay ends; the member too; a re-run adds nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.members.tasks import daily_transfer_reminders
from chibo.members.transfers import reminders, services
from chibo.members.transfers.enums import Reason, TransferKind
from chibo.notifications.models import Kind, Notification
from tests.members.transfers.conftest import decide, sent

pytestmark = pytest.mark.django_db


def _inbox(user) -> list[str]:
    return list(Notification.objects.filter(user=user, kind=Kind.TRANSFER).order_by("pk").values_list("title",
                                                                                                        flat=True))


def test_start_by_reminders_before_and_on_the_first_day_overdue(cast):
    decide(cast.plain_m, cast.tree.qc)  # start by Friday 03/04/2026
    assert reminders.run(dt.date(2026, 3, 24)) == 0  # 8 working days before
    assert reminders.run(dt.date(2026, 3, 25)) == 2  # 7 working days before: the province's staff and the member
    assert _inbox(cast.province) == ["Transfer deadline in 7 working days: Đặng Văn An"]
    assert reminders.run(dt.date(2026, 3, 25)) == 0  # a re-run adds nothing
    assert reminders.run(dt.date(2026, 4, 2)) == 2  # 1 working day before
    assert reminders.run(dt.date(2026, 4, 3)) == 0  # the day itself is not overdue
    assert reminders.run(dt.date(2026, 4, 4)) == 0  # a Saturday: nothing sent …
    assert reminders.run(dt.date(2026, 4, 6)) == 2  # … the next working day says it is overdue
    assert _inbox(cast.member)[-1] == "Transfer overdue: Đặng Văn An"
    assert _inbox(cast.outsider) == []  # the receiver is not told of the sender's deadline


def test_present_by_reminders_go_to_the_receiver_across_tet(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent(cast.plain_m, cast.tree.qc)  # left 26/01/2026, present by Monday 16/03/2026
    before = len(_inbox(cast.outsider))  # the letter handed over was announced
    assert _inbox(cast.outsider)[0] == "Incoming transfer: Đặng Văn An"
    assert reminders.run(dt.date(2026, 3, 5)) == 2  # 7 working days before
    assert reminders.run(dt.date(2026, 3, 17)) == 2  # the first day overdue
    assert len(_inbox(cast.outsider)) == before + 2 and _inbox(cast.province) == []


def test_temporary_end_reminders_go_to_both_sides(cast):
    transfer = sent(cast.plain_m, cast.tree.qk, kind=TransferKind.TEMPORARY, reason=Reason.WORK_AWAY,
                    until=dt.date(2026, 7, 6))
    services.accept_transfer(transfer, actor=SYSTEM, cell=cast.tree.qk, on=dt.date(2026, 2, 2))
    assert reminders.run(dt.date(2026, 6, 22)) == 3  # 10 working days before: P, Q and the member
    assert "ends on" in Notification.objects.filter(user=cast.province).last().body


def test_the_periodic_task_runs_the_reminders(cast):
    assert daily_transfer_reminders.call_local() == 0
