"""Meetings: the month's meetings from the schedule, agenda, invitations (exempted and
temporarily transferred members, guests), answers, check-in codes, attendance, the absence flag,
minutes and the quality score."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from chibo.accounts.policy import SYSTEM
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.meetings import queries, services
from chibo.meetings.models import Attendance, Invitation, Meeting, Schedule, State
from chibo.members.services import change_status, transfer_member
from chibo.notifications.models import Notification
from chibo.quality.models import Framework
from tests.factories.registry import make_member

MONTH = dt.date(2026, 12, 1)


@pytest.fixture
def meeting(cast):
    Schedule.objects.create(unit=cast.tree.k, day=4, time=dt.time(19, 30), place="Phòng họp trường")
    assert services.generate_month(MONTH) == 1
    return Meeting.objects.get(unit=cast.tree.k)


def test_the_month_is_generated_once_from_the_schedules(cast, meeting):
    assert services.generate_month(MONTH) == 0
    local = timezone.localtime(meeting.starts_at)
    assert (local.day, local.hour, local.minute, meeting.place) == (4, 19, 30, "Phòng họp trường")
    assert services.agenda_deadline(meeting) == dt.date(2026, 11, 20)


def test_invitations_go_to_active_non_exempt_members_and_visitors(cast, meeting, django_capture_on_commit_callbacks):
    exempt = make_member(cast.tree.k, "Lê Văn Miễn")
    change_status(exempt, actor=SYSTEM, status="exempted", on=dt.date(2025, 1, 1))
    away = make_member(cast.tree.k, "Tạ Văn Đi")
    transfer_member(away, actor=SYSTEM, to_unit=cast.tree.k2, on=dt.date(2026, 1, 5), kind="temporary")
    visitor = make_member(cast.tree.k2, "Vi Thị Đến", sex="F")
    transfer_member(visitor, actor=SYSTEM, to_unit=cast.tree.k, on=dt.date(2026, 1, 5), kind="temporary")
    with pytest.raises(DomainError, match="topic"):
        services.invite(meeting, actor=cast.secretary)
    services.set_agenda(meeting, actor=cast.secretary, topic="Sinh hoạt chuyên đề tháng 12", agenda="1. …")
    with django_capture_on_commit_callbacks(execute=True):
        added = services.invite(meeting, actor=cast.secretary, guests=["Đại diện Đoàn trường"])
    names = set(Invitation.objects.filter(meeting=meeting, member__isnull=False).values_list("member__full_name",
                                                                                             flat=True))
    assert names == {"Trần Thị Bình", "Đặng Văn An", "Lê Hoàng Cường", "Vi Thị Đến"} and added == 4
    assert Invitation.objects.filter(meeting=meeting, guest="Đại diện Đoàn trường").exists()
    assert Notification.objects.filter(user=cast.member, key=f"meeting:{meeting.pk}").exists()
    assert services.invite(meeting, actor=cast.secretary) == 0  # again: nobody twice


def test_only_the_cell_manages_its_meeting(cast, meeting):
    with pytest.raises(PermissionDenied):  # an auditor of the commune sees the meeting, cannot manage it
        services.set_agenda(meeting, actor=_viewer(cast), topic="x", agenda="")
    with pytest.raises(NotFound):
        services.set_agenda(meeting, actor=cast.outsider, topic="x", agenda="")


def _viewer(cast):
    from tests.factories.registry import make_user

    return make_user("auditor", role="auditor", unit=cast.tree.c)


def _invited(cast, meeting):
    services.set_agenda(meeting, actor=cast.secretary, topic="Tháng 12", agenda="")
    services.invite(meeting, actor=cast.secretary)


def test_answers_need_a_reason_when_absent(cast, meeting):
    _invited(cast, meeting)
    with pytest.raises(DomainError) as err:
        services.answer(meeting, actor=cast.member, attending=False)
    assert "reason" in err.value.field_errors
    invitation = services.answer(meeting, actor=cast.member, attending=False, reason="Đi công tác")
    assert (invitation.answer, invitation.reason) == ("absent", "Đi công tác")
    with pytest.raises(NotFound):
        services.answer(meeting, actor=cast.outsider, attending=True)


def test_check_in_codes_wrong_expired_and_replayed(cast, meeting):
    _invited(cast, meeting)
    other = services.create_meeting(actor=cast.secretary, unit=cast.tree.k, kind="thematic",
                                    starts_at=meeting.starts_at + dt.timedelta(days=1))
    other = services.open_check_in(other, actor=cast.secretary)
    meeting = services.open_check_in(meeting, actor=cast.secretary)
    with pytest.raises(DomainError, match="not the code of this meeting"):
        services.check_in(meeting, actor=cast.member, code=other.code if other.code != meeting.code else "x")
    invitation, new = services.check_in(meeting, actor=cast.member, code=meeting.code)
    assert new and invitation.attendance == Attendance.PRESENT
    assert services.check_in(meeting, actor=cast.member, code=meeting.code)[1] is False  # replayed: no change
    Meeting.objects.filter(pk=meeting.pk).update(code_expires_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(DomainError, match="closed"):
        services.check_in(meeting, actor=cast.secretary, code=meeting.code)


def test_after_five_wrong_codes_the_member_is_refused_even_the_right_code(cast, meeting):
    _invited(cast, meeting)
    meeting = services.open_check_in(meeting, actor=cast.secretary)
    wrong = "000000" if meeting.code != "000000" else "111111"
    for _ in range(4):
        with pytest.raises(DomainError, match="not the code"):
            services.check_in(meeting, actor=cast.member, code=wrong)
    invitation = Invitation.objects.get(meeting=meeting, member=cast.member.member)
    assert (invitation.wrong_codes, invitation.attendance) == (4, "")  # the count survives the refusal
    with pytest.raises(DomainError, match="not the code"):
        services.check_in(meeting, actor=cast.member, code=wrong)  # the fifth
    with pytest.raises(DomainError, match="Too many wrong codes"):
        services.check_in(meeting, actor=cast.member, code=meeting.code)
    invitation.refresh_from_db()
    assert (invitation.wrong_codes, invitation.attendance) == (5, "")
    services.record_attendance(meeting, actor=cast.secretary, marks={invitation.pk: Attendance.PRESENT})
    assert services.check_in(meeting, actor=cast.member, code=meeting.code)[1] is False  # recorded: nothing to do


def test_three_absences_without_reason_in_a_year_flag_the_member(cast):
    starts = [timezone.make_aware(dt.datetime(2026, m, 4, 19, 30)) for m in (3, 4, 5)]
    for i, when in enumerate(starts):
        meeting = services.create_meeting(actor=cast.secretary, unit=cast.tree.k, kind="regular", starts_at=when)
        _invited(cast, meeting)
        marks = {inv.pk: (Attendance.UNEXCUSED if inv.member_id == cast.plain_m.pk and i < 3 else Attendance.PRESENT)
                 for inv in meeting.invitations.all()}
        if i == 2:
            marks = {k: (Attendance.EXCUSED if v == Attendance.UNEXCUSED else v) for k, v in marks.items()}
        services.record_attendance(meeting, actor=cast.secretary, marks=marks)
    stats = {a.name: a for a in queries.attendance(cast.tree.c, 2026)}
    assert (stats["Đặng Văn An"].unexcused, stats["Đặng Văn An"].flagged) == (2, False)  # two, then excused
    third = services.create_meeting(actor=cast.secretary, unit=cast.tree.k, kind="regular",
                                    starts_at=timezone.make_aware(dt.datetime(2026, 6, 4, 19, 30)))
    _invited(cast, third)
    mine = third.invitations.get(member=cast.plain_m)
    services.record_attendance(third, actor=cast.secretary, marks={mine.pk: Attendance.UNEXCUSED})
    stats = {a.name: a for a in queries.attendance(cast.tree.c, 2026)}
    assert (stats["Đặng Văn An"].unexcused, stats["Đặng Văn An"].flagged) == (3, True)
    assert queries.attendance(cast.tree.c, 2026)[0].name == "Đặng Văn An"  # the flagged first
    assert queries.attendance(cast.tree.c, 2027) == []


def test_minutes_and_the_quality_score_on_the_framework_in_force(cast, meeting):
    Framework.objects.create(kind="meeting", version=2, name="Hướng dẫn 12-HD/BTCTW", valid_from=dt.date(2020, 1, 1),
                             criteria=[
        {"key": "preparation", "label": "Chuẩn bị", "max": 20}, {"key": "content", "label": "Nội dung", "max": 50},
        {"key": "conduct", "label": "Điều hành", "max": 30}])
    with pytest.raises(DomainError) as err:
        services.record_minutes(meeting, actor=cast.secretary, minutes="Biên bản…",
                                scores={"preparation": 25, "content": 40, "conduct": 30})
    assert "preparation" in err.value.field_errors
    meeting = services.record_minutes(meeting, actor=cast.secretary, minutes="Biên bản…", resolution="Nghị quyết…",
                                      scores={"preparation": 18, "content": 40, "conduct": 25})
    assert (meeting.state, meeting.score) == (State.HELD, 83)
    with pytest.raises(DomainError):
        services.set_agenda(meeting, actor=cast.secretary, topic="late", agenda="")


def test_a_committee_sends_all_the_months_invitations_at_once(cast):
    Schedule.objects.create(unit=cast.tree.k, day=4, time=dt.time(19, 30))
    Schedule.objects.create(unit=cast.tree.qk, day=6, time=dt.time(8, 0))
    services.generate_month(MONTH)
    Meeting.objects.update(topic="Sinh hoạt thường kỳ tháng 12")
    visitor = make_member(cast.tree.qk, "Vi Thị Đến", sex="F")
    transfer_member(visitor, actor=SYSTEM, to_unit=cast.tree.k, on=dt.date(2026, 1, 5), kind="temporary")
    from chibo.notifications import services as inbox

    inbox.save_preference(cast.secretary, email="each", muted=["invitation"])
    with pytest.raises(PermissionDenied):
        services.invite_all(actor=_viewer(cast), unit=cast.tree.c, first=MONTH)
    assert services.invite_all(actor=cast.admin, unit=cast.tree.root, first=MONTH) == 5  # K: 3 + visitor; QK: 1
    assert services.invite_all(actor=cast.admin, unit=cast.tree.root, first=MONTH) == 0
    assert not Notification.objects.filter(user=cast.secretary, kind="invitation").exists()  # muted
    k = Meeting.objects.get(unit=cast.tree.k)
    assert set(k.invitations.values_list("member__full_name", flat=True)) == {
        "Trần Thị Bình", "Đặng Văn An", "Lê Hoàng Cường", "Vi Thị Đến"}
    assert Notification.objects.filter(user=cast.member, key=f"meeting:{k.pk}").count() == 1
    assert Meeting.objects.filter(state="invited").count() == 2


def test_the_schedule_is_the_cells_and_is_checked(cast):
    schedule = services.set_schedule(actor=cast.secretary, unit=cast.tree.k, day=4, time=dt.time(19, 30))
    assert (schedule.day, schedule.time) == (4, dt.time(19, 30))
    with pytest.raises(DomainError):
        services.set_schedule(actor=cast.secretary, unit=cast.tree.k, day=31, time=dt.time(19, 30))
    with pytest.raises(DomainError):
        services.set_schedule(actor=cast.province, unit=cast.tree.c, day=4, time=dt.time(19, 30))
    with pytest.raises(NotFound):
        services.set_schedule(actor=cast.outsider, unit=cast.tree.k, day=4, time=dt.time(19, 30))
