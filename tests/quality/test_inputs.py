"""The inputs shown beside a review's scores, from real data made through the services: the year's
meetings and attendance, study completion, the residence cell's comment, the admission-target
result; each list answered in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from chibo.accounts.policy import SYSTEM
from chibo.admissions.stages import Stage
from chibo.library import services as library
from chibo.library.models import StudyAssignment
from chibo.meetings import services as meetings
from chibo.meetings.models import Invitation
from chibo.quality import inputs, residence
from chibo.quality.models import MemberReview
from chibo.targets import services as targets
from tests.factories.admissions import carry, open_case
from tests.factories.library import make_document
from tests.factories.registry import make_member, make_unit, make_user
from tests.quality.conftest import YEAR

MEETING_POINTS = {"preparation": 18, "content": 36, "conduct": 27, "resolution": 10}  # 91


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(19, 30)))


def hold(cast, unit, day: dt.date, marks: dict[int, str], *, kind: str = "regular",
         points: dict[str, int] | None = None):
    """A meeting of ``unit`` on ``day``, its members invited, attendance marked (member id → mark) and
    its minutes recorded (scored when ``points`` are given): the meeting is held."""
    meeting = meetings.create_meeting(actor=SYSTEM, unit=unit, kind=kind, starts_at=_at(day))
    meetings.set_agenda(meeting, actor=SYSTEM, topic="Sinh hoạt chi bộ", agenda="1. Nghị quyết tháng")
    meetings.invite(meeting, actor=SYSTEM)
    invitations = dict(Invitation.objects.filter(meeting=meeting).values_list("member_id", "pk"))
    meetings.record_attendance(meeting, actor=SYSTEM, marks={invitations[m]: mark for m, mark in marks.items()})
    meetings.record_minutes(meeting, actor=SYSTEM, minutes="Biên bản", scores=points)
    return meeting


def study(unit, number: str, due_on: dt.date) -> StudyAssignment:
    """A document assigned for study to ``unit``, due on ``due_on`` (assigned today, then dated back:
    the service accepts no date in the past)."""
    document = make_document(unit, number, f"Văn bản {number}")
    assignment = library.assign(document, actor=SYSTEM, unit=unit, due_on=timezone.localdate())
    StudyAssignment.objects.filter(pk=assignment.pk).update(due_on=due_on)
    assignment.due_on = due_on
    return assignment


# ---- members -----------------------------------------------------------------------------------

@pytest.fixture
def year_of_k(cast, period):
    """Cell K's year: two regular meetings held, a thematic one, one of the year before; studies
    assigned on K and G; a residence comment asked for two members, answered for one."""
    sec, plain, other = cast.sec_m.pk, cast.plain_m.pk, cast.other_m.pk
    hold(cast, cast.tree.k, dt.date(YEAR, 3, 4), {sec: "present", plain: "present", other: "excused"})
    hold(cast, cast.tree.k, dt.date(YEAR, 4, 4), {sec: "present", plain: "unexcused", other: "present"})
    hold(cast, cast.tree.k, dt.date(YEAR, 5, 19), {sec: "present", plain: "present", other: "present"},
         kind="thematic")
    hold(cast, cast.tree.k, dt.date(YEAR - 1, 12, 4), {sec: "unexcused", plain: "unexcused", other: "unexcused"})
    on_k, on_g = study(cast.tree.k, "3-NQ/CB", dt.date(YEAR, 6, 30)), study(cast.tree.g, "7-KH/ĐU",
                                                                             dt.date(YEAR, 9, 30))
    study(cast.tree.k, "9-NQ/CB", dt.date(YEAR - 1, 11, 30))  # last year's
    study(cast.tree.k2, "4-NQ/CB", dt.date(YEAR, 6, 30))  # another cell's
    other_user = make_user("other", member=cast.other_m)
    for assignment in (on_k, on_g):
        library.confirm(assignment, actor=cast.member)
    library.confirm(on_g, actor=other_user)
    reviews = {r.member_id: r for r in MemberReview.objects.filter(year=YEAR)}
    asked = residence.ask(reviews[plain], actor=cast.secretary, residence_code="QK")
    residence.answer(asked, actor=cast.outsider, text="Gương mẫu ở khu dân cư")
    residence.ask(reviews[other], actor=cast.secretary, residence_code="QK")
    return cast


def test_a_members_meetings_studies_and_residence_comment(year_of_k):
    cast = year_of_k
    found = inputs.for_members(cast.tree.k, YEAR, [cast.sec_m.pk, cast.plain_m.pk, cast.other_m.pk])
    assert found[cast.plain_m.pk] == inputs.MemberInputs(
        meetings=2, present=1, excused=0, unexcused=1, studies_assigned=2, studies_done=2,
        residence_comment="Gương mẫu ở khu dân cư", residence_cell="Chi bộ thôn Bắc")
    assert found[cast.other_m.pk] == inputs.MemberInputs(
        meetings=2, present=1, excused=1, unexcused=0, studies_assigned=2, studies_done=1,
        residence_comment="", residence_cell="Chi bộ thôn Bắc")
    assert found[cast.sec_m.pk] == inputs.MemberInputs(meetings=2, present=2, studies_assigned=2)
    assert found[cast.plain_m.pk].attendance_percent == Decimal("50.00")
    assert found[cast.sec_m.pk].residence_comment is None


def test_a_member_admitted_during_the_year_is_not_counted_the_studies_due_before(year_of_k):
    cast = year_of_k
    newcomer = make_member(cast.tree.k, "Vi Thị Mai", status="probationary", admission_date=dt.date(YEAR, 8, 1),
                           ceremony_date=dt.date(YEAR, 8, 10))
    found = inputs.for_members(cast.tree.k, YEAR, [newcomer.pk])[newcomer.pk]
    assert (found.meetings, found.studies_assigned, found.studies_done) == (0, 1, 0)


def test_another_year_has_its_own_figures(year_of_k):
    cast = year_of_k
    found = inputs.for_members(cast.tree.k, YEAR - 1, [cast.plain_m.pk])[cast.plain_m.pk]
    assert found == inputs.MemberInputs(meetings=1, unexcused=1, studies_assigned=1)


def test_no_members_no_queries(cast, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert inputs.for_members(cast.tree.k, YEAR, []) == {}
        assert inputs.for_units([], YEAR) == {}


def test_members_inputs_take_five_queries_for_one_member_or_four(year_of_k, django_assert_num_queries):
    cast = year_of_k
    more = [make_member(cast.tree.k, f"Nông Văn {name}").pk for name in ("Ba", "Bốn", "Năm")]
    with django_assert_num_queries(5):
        one = inputs.for_members(cast.tree.k, YEAR, [cast.plain_m.pk])
    with django_assert_num_queries(5):
        four = inputs.for_members(cast.tree.k, YEAR, [cast.plain_m.pk, *more])
    assert four[cast.plain_m.pk] == one[cast.plain_m.pk]
    assert four[more[0]] == inputs.MemberInputs(studies_assigned=2)


# ---- organizations -----------------------------------------------------------------------------

@pytest.fixture
def year_of_g(cast):
    """G's year: admission targets set for G and K, one admission in K; K held two scored meetings,
    K2 one unscored; a meeting of the year before."""
    t = cast.tree
    targets.set_targets(actor=SYSTEM, parent=t.g, year=YEAR, indicator="admissions", values={t.g.pk: 4, t.k.pk: 2})
    carry(open_case(t.k, full_name="Vũ Thị Hạnh", on=dt.date(YEAR, 1, 5)), Stage.ADMITTED)
    sec, plain, other = cast.sec_m.pk, cast.plain_m.pk, cast.other_m.pk
    hold(cast, t.k, dt.date(YEAR, 3, 4), {sec: "present", plain: "present", other: "excused"},
         points=MEETING_POINTS)  # 91
    hold(cast, t.k, dt.date(YEAR, 4, 4), {sec: "present", plain: "unexcused", other: "present"},
         points=MEETING_POINTS | {"content": 25})  # 80
    hold(cast, t.k2, dt.date(YEAR, 4, 6), {})
    hold(cast, t.k, dt.date(YEAR - 1, 12, 4), {sec: "unexcused"}, points=MEETING_POINTS)
    return cast


def test_an_organizations_admissions_against_its_target_and_its_meetings(year_of_g):
    t = year_of_g.tree
    found = inputs.for_units([t.g, t.k, t.k2], YEAR)
    assert found[t.g.pk] == inputs.UnitInputs(
        admission_target=4, admitted=1, target_percent=Decimal("25.00"), meetings_held=3,
        attendance_percent=Decimal("66.67"), average_score=Decimal("85.5"))
    assert found[t.k.pk] == inputs.UnitInputs(
        admission_target=2, admitted=1, target_percent=Decimal("50.00"), meetings_held=2,
        attendance_percent=Decimal("66.67"), average_score=Decimal("85.5"))
    assert found[t.k2.pk] == inputs.UnitInputs(meetings_held=1)


def test_the_year_before_has_its_own_meetings_and_no_target(year_of_g):
    t = year_of_g.tree
    found = inputs.for_units([t.k], YEAR - 1)[t.k.pk]
    assert found == inputs.UnitInputs(meetings_held=1, attendance_percent=Decimal("0.00"),
                                      average_score=Decimal("91.0"))


def test_units_inputs_take_four_queries_for_one_unit_or_four_of_a_depth(year_of_g, django_assert_num_queries):
    t = year_of_g.tree
    more = [make_unit(t.g, f"K{i}", f"Chi bộ Giáo viên {i}", "cell", "school") for i in (3, 4, 5)]
    with django_assert_num_queries(4):
        one = inputs.for_units([t.k], YEAR)
    with django_assert_num_queries(4):
        four = inputs.for_units([t.k, *more], YEAR)
    assert four[t.k.pk] == one[t.k.pk]
    assert four[more[0].pk] == inputs.UnitInputs()


def test_units_of_two_depths_cost_two_queries_more(year_of_g, django_assert_num_queries):
    t = year_of_g.tree
    with django_assert_num_queries(6):
        found = inputs.for_units([t.g, t.k, t.k2], YEAR)
    assert (found[t.g.pk].meetings_held, found[t.k.pk].meetings_held, found[t.k2.pk].meetings_held) == (3, 2, 1)
