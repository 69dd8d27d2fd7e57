"""The review's reads for the console: the progress of a subtree by step and child with who is
late, a cell's page, removal grounds, and the rows a unit decides with each peer group's
head-room, each in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.quality import queries, services
from chibo.quality.enums import Level, Step
from chibo.quality.models import MemberReview, UnitReview
from tests.factories.registry import make_member, make_unit
from tests.quality.conftest import YEAR, open_year

POINTS = {"politics": 18, "discipline": 9, "duties": 45, "party_duties": 9, "contact": 9}  # 90
UNIT_POINTS = {"politics": 16, "organization": 16, "tasks": 32, "inspection": 8, "mass": 8}  # 80
BEFORE_ALL = dt.date(YEAR, 12, 1)  # before every last day of the cast's period
AFTER_SELF = dt.date(YEAR, 12, 11)  # self-assessments were due on 10/12
AFTER_ALL = dt.date(YEAR + 1, 1, 5)


def test_progress_groups_the_rows_by_child_and_step(cast, period):
    board = queries.progress(cast.tree.c, YEAR, today=BEFORE_ALL)
    assert [line.unit.code for line in board.lines] == ["G"]
    assert board.lines[0].organizations.by_step == {Step.OPEN: 3}
    assert board.lines[0].members.by_step == {Step.OPEN: 3}
    board = queries.progress(cast.tree.g, YEAR, today=BEFORE_ALL)
    lines = {(line.unit.code if line.unit else None): line for line in board.lines}
    assert set(lines) == {None, "K", "K2"}  # None: the grassroots committee's own row
    assert (lines[None].organizations.total, lines["K"].organizations.total, lines["K"].members.total) == (1, 1, 3)
    assert lines["K2"].members.total == 0
    assert (board.organizations.total, board.members.total) == (3, 3)
    assert (board.organizations.late, board.members.late) == (0, 0)
    assert board.late_organizations == [] and board.late_members == []


def test_a_row_is_late_once_the_last_day_of_its_next_step_has_passed(cast, period):
    review = MemberReview.objects.get(member=cast.plain_m)
    services.self_assess_member(review, actor=cast.member, text="Tự kiểm điểm", scores=POINTS)
    board = queries.progress(cast.tree.c, YEAR, today=AFTER_SELF)
    assert (board.organizations.late, board.members.late) == (3, 2)  # the self-assessed member waits for the cell
    assert {r.member_id for r in board.late_members} == {cast.sec_m.pk, cast.other_m.pk}
    assert all(r.due == dt.date(YEAR, 12, 10) for r in board.late_members)
    board = queries.progress(cast.tree.c, YEAR, today=dt.date(YEAR, 12, 16))  # proposals were due on 15/12
    assert board.members.late == 3
    assert {r.due for r in board.late_members} == {dt.date(YEAR, 12, 10), dt.date(YEAR, 12, 15)}
    assert board.late_members[0].due == dt.date(YEAR, 12, 10)  # the earliest first


def test_the_late_lists_are_capped_but_all_are_counted(cast, period):
    board = queries.progress(cast.tree.c, YEAR, today=AFTER_ALL, late_shown=2)
    assert (len(board.late_members), board.members.late, len(board.late_organizations)) == (2, 3, 2)


@pytest.mark.parametrize("more", [0, 3])
def test_the_progress_reads_tallies_whatever_the_rows(more, cast, django_assert_num_queries):
    """Three queries (the covering period, the children, their tallies), and one per late step
    that has rows for the first late rows: 5 for a year whose self-assessments are late, 3 for a
    year with nothing late yet."""
    for i, name in enumerate(("Hà Văn Sơn", "Lò Thị Mai", "Tòng Văn Pọm")[:more]):
        make_member(cast.tree.k2, name)
        make_unit(cast.tree.g, f"K3{i}", f"Chi bộ Giáo viên {3 + i}", "cell")
    open_year(cast.tree.c)
    open_year(cast.tree.c, YEAR + 1)
    for year, expected in ((YEAR, 5), (YEAR + 1, 3)):
        with django_assert_num_queries(expected):
            queries.progress(cast.tree.c, year, today=AFTER_ALL)


def test_the_cell_page_reads_its_rows_and_the_meetings_of_the_review(cast, period):
    from django.utils import timezone

    from chibo.meetings import services as meetings

    def meeting_on(day: dt.date):
        return meetings.create_meeting(actor=SYSTEM, unit=cast.tree.k, kind="regular",
                                       starts_at=timezone.make_aware(dt.datetime.combine(day, dt.time(19, 30))))

    december = meeting_on(dt.date(YEAR, 12, 14))
    meeting_on(dt.date(YEAR - 1, 12, 4))
    meeting_on(dt.date(YEAR + 1, 1, 8))  # after the period's last day of decisions (28/12)
    page = queries.cell_reviews(cast.tree.k, YEAR)
    assert page.period.issuer == cast.tree.c and page.own.unit == cast.tree.k
    assert [r.member.full_name for r in page.members] == ["Đặng Văn An", "Lê Hoàng Cường", "Trần Thị Bình"]
    assert page.meetings == [december]
    assert page.streak_years == 2 and page.removal_grounds == []
    period.decide_until = dt.date(YEAR + 1, 1, 31)  # a review decided in January: its meetings count
    period.save(update_fields=["decide_until"])
    assert len(queries.cell_reviews(cast.tree.k, YEAR).meetings) == 2


def test_removal_grounds_are_consecutive_years_of_non_completion(cast, period):
    open_year(cast.tree.c, YEAR - 1)
    open_year(cast.tree.c, YEAR - 2)
    rows = MemberReview.objects.filter(member__in=[cast.plain_m, cast.other_m])
    rows.filter(year__in=[YEAR, YEAR - 1], member=cast.other_m).update(step=Step.DECIDED, level=Level.NON_COMPLETION)
    rows.filter(year__in=[YEAR, YEAR - 2], member=cast.plain_m).update(step=Step.DECIDED, level=Level.NON_COMPLETION)
    grounds, years = queries.removal_grounds(cast.tree.k, YEAR)
    assert years == 2
    assert [(g.member_id, g.years, g.first_year) for g in grounds] == [(cast.other_m.pk, 2, YEAR - 1)]
    assert queries.removal_grounds(cast.tree.k, YEAR - 1)[0] == []


def _verified_cells(cast, scores=("75", "95")):
    for unit, score in zip((cast.tree.k, cast.tree.k2), scores, strict=True):
        review = UnitReview.objects.get(unit=unit)
        services.self_assess_unit(review, actor=SYSTEM, text="", scores=UNIT_POINTS)
        services.verify(UnitReview.objects.get(pk=review.pk), actor=SYSTEM, score=score)


def test_the_decision_groups_give_each_peer_groups_head_room_in_one_query(cast, period,
                                                                           django_assert_num_queries):
    _verified_cells(cast)
    with django_assert_num_queries(2):  # the grouped rows and the rulebook's quota
        groups = queries.decision_groups(cast.tree.g, YEAR)
    assert [(g.subject, g.key, g.total, g.by_step) for g in groups] == [
        ("units", f"cell@{cast.tree.g.pk}", 2, {Step.VERIFIED: 2}),
        ("members", f"leaders@{cast.tree.g.pk}", 1, {Step.OPEN: 1}),
        ("members", f"members@{cast.tree.g.pk}", 2, {Step.OPEN: 2}),
    ]
    assert groups[0].label == "Cell (Chi bộ trực thuộc) decided by Đảng bộ Trường THCS Đông Sơn"
    assert groups[1].label == "leaders decided by Đảng bộ Trường THCS Đông Sơn"


def test_the_head_room_follows_the_decisions_as_the_quota_does(cast, period):
    _verified_cells(cast)
    rows = list(UnitReview.objects.filter(decider=cast.tree.g))
    outcome = services.decide([(r, None) for r in rows], actor=SYSTEM, decider=cast.tree.g)
    assert len(outcome.refused) == 1  # 1 rated good allows no excellent (20%, floor)
    (group,) = [g for g in queries.decision_groups(cast.tree.g, YEAR) if g.subject == "units"]
    assert (group.good, group.excellent, group.limit, group.left) == (1, 0, 0, 0)
    room = services.headroom(UnitReview, group.key, YEAR, 0, dt.date(YEAR, 12, 31))
    assert (room.good, room.excellent, room.limit) == (group.good, group.excellent, group.limit)


def test_the_decision_rows_come_a_page_at_a_time(cast, period):
    rows, more = queries.decision_rows(cast.tree.g, YEAR, subject="members", size=2)
    assert [r.member.full_name for r in rows] == ["Đặng Văn An", "Lê Hoàng Cường"] and more
    rows, more = queries.decision_rows(cast.tree.g, YEAR, subject="members", size=2, page=2)
    assert [r.member.full_name for r in rows] == ["Trần Thị Bình"] and not more
    rows, _more = queries.decision_rows(cast.tree.g, YEAR, step=Step.VERIFIED)
    assert rows == []
    assert [r.unit.code for r in queries.decision_rows(cast.tree.c, YEAR)[0]] == ["G"]


def test_rows_by_id_keeps_only_the_rows_the_unit_decides(cast, period):
    other = open_year(cast.tree.qc)
    far = MemberReview.objects.get(period=other)
    mine = MemberReview.objects.get(member=cast.plain_m)
    assert set(queries.rows_by_id(cast.tree.g, YEAR, 0, "members", [mine.pk, far.pk])) == {mine.pk}


def test_the_periods_below_a_unit(cast, period):
    open_year(cast.tree.qc)
    assert [p.issuer.code for p in queries.periods_below(cast.tree.p)] == ["C"]
    assert queries.periods_below(cast.tree.c) == []  # its own is not "below"
    assert queries.covering_period(cast.tree.k, YEAR).issuer == cast.tree.c
    assert queries.covering_period(cast.tree.k, YEAR, 1) is None


def test_a_province_sees_the_late_rows_of_a_period_its_commune_opened(cast):
    """No period covers the province: each period opened below counts its own late rows, by the
    dates of that period."""
    open_year(cast.tree.c)
    board = queries.progress(cast.tree.p, YEAR, today=AFTER_ALL)
    (line,) = board.lines
    assert line.unit == cast.tree.c
    assert (line.members.by_step, line.members.late) == ({"open": 3}, 3)
    assert (board.organizations.total, board.organizations.late) == (3, 3)
    assert sorted(r.member.full_name for r in board.late_members) == ["Lê Hoàng Cường", "Trần Thị Bình",
                                                                       "Đặng Văn An"]
    before = queries.progress(cast.tree.p, YEAR, today=dt.date(YEAR, 12, 1))
    assert (before.members.late, before.late_members) == (0, [])
