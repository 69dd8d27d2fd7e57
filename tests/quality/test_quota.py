"""The excellent quota (rulebook ``quality.excellent_quota``): those rated excellent at most 20% of
those rated good within a peer group (the same kind of organization or role, decided by the
same unit), at its boundary, within and across groups; the rounding and the percentage are data."""

from __future__ import annotations

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.quality import rules, services, tallies
from chibo.quality.enums import Level, Step
from chibo.quality.models import MemberReview
from tests.factories.registry import make_member, make_unit
from tests.quality.conftest import YEAR, open_year
from tests.quality.steps import decided_unit, discipline, members, override, review_of, verified_members, verified_unit

GROUP = "members decided by Đảng bộ Trường THCS Đông Sơn"


@pytest.mark.parametrize(("good", "rounding", "limit"), [
    (0, "floor", 0), (4, "floor", 0), (5, "floor", 1), (9, "floor", 1), (10, "floor", 2),
    (4, "ceil", 1), (5, "ceil", 1), (6, "ceil", 2), (1, "ceil", 1), (0, "ceil", 0),
    (2, "round", 0), (3, "round", 1), (7, "round", 1), (8, "round", 2)])
def test_quota_limit_at_its_boundaries(good, rounding, limit):
    assert rules.quota_limit(good, percent=20, rounding=rounding) == limit


def test_quota_limit_of_another_percentage():
    assert rules.quota_limit(2, percent=50, rounding="floor") == 1
    assert rules.quota_limit(3, percent=33.3, rounding="floor") == 0  # 0.999
    assert rules.quota_limit(3, percent=33.4, rounding="floor") == 1


@pytest.fixture
def seven(cast):
    """Seven more members of cell K (the same peer group as the cast's plain members), the year
    open and the cell's collective decided."""
    extra = members(cast.tree.k, 7)
    open_year(cast.tree.c)
    decided_unit(cast.tree.k)
    return extra


def _decide(cast, rows):
    return services.decide([(r, None) for r in rows], actor=SYSTEM, decider=cast.tree.g)


def test_five_good_allow_one_excellent_and_the_second_is_refused_with_the_group_and_numbers(cast, seven):
    scores = dict(zip(seven, [70, 75, 80, 85, "89.99", 90, 90], strict=True))
    rows = verified_members(cast.tree.k, scores)
    outcome = _decide(cast, rows)
    assert sorted(r.level for r in outcome.decided) == [Level.EXCELLENT] + [Level.GOOD] * 5
    ((refused, reason),) = outcome.refused
    assert reason == (f"Over the quota for {GROUP}: 5 rated good allow at most 1 rated excellent, "
                      "and 1 already are.")
    refused.refresh_from_db()
    assert (refused.step, refused.level) == (Step.VERIFIED, "")
    head = services.headroom(MemberReview, refused.peer_group, YEAR, 0, refused.period.ends_on)
    assert (head.good, head.excellent, head.limit, head.left) == (5, 1, 1, 0)
    assert tallies.verify() == []


def test_four_good_allow_no_excellent(cast, seven):
    rows = verified_members(cast.tree.k, dict(zip(seven[:5], [70, 75, 80, 85, 95], strict=True)))
    outcome = _decide(cast, rows)
    assert [r.level for r in outcome.decided] == [Level.GOOD] * 4
    ((_row, reason),) = outcome.refused
    assert reason == (f"Over the quota for {GROUP}: 4 rated good allow at most 0 rated excellent, "
                      "and 0 already are.")


def test_the_good_decided_earlier_count_and_a_later_decision_meets_the_quota(cast, seven):
    goods = verified_members(cast.tree.k, dict.fromkeys(seven[:5], 80))
    assert len(_decide(cast, goods).decided) == 5
    first, second = verified_members(cast.tree.k, {seven[5]: 92, seven[6]: 91})
    assert [r.level for r in _decide(cast, [first]).decided] == [Level.EXCELLENT]
    outcome = _decide(cast, [second])
    assert outcome.decided == [] and "and 1 already are" in outcome.refused[0][1]


def test_in_one_list_the_highest_scores_take_the_excellent_places(cast, seven):
    """The committee decides a list: every good counts first, then the excellent places go to the
    best scores, whatever the order of the list."""
    scores = dict(zip(seven, [80, 80, 80, 80, 80, 90, 97], strict=True))
    rows = verified_members(cast.tree.k, scores)
    outcome = _decide(cast, list(reversed(rows)))
    excellent = [r.member_id for r in outcome.decided if r.level == Level.EXCELLENT]
    assert excellent == [seven[6].pk]
    assert [r.member_id for r, _reason in outcome.refused] == [seven[5].pk]


def test_a_capped_score_counts_as_good_before_the_excellent_places(cast, seven):
    discipline(seven[0])  # 99 capped: "completion", not good: it does not count
    discipline(seven[1])
    override("quality.caps", [{"when": "disciplined_in_year", "subject": "member", "at_most": "good"}])
    rows = verified_members(cast.tree.k, dict(zip(seven[:6], [99, 98, 80, 80, 80, 91], strict=True)))
    outcome = _decide(cast, rows)
    assert outcome.refused == []
    assert {r.member_id: r.level for r in outcome.decided}[seven[5].pk] == Level.EXCELLENT


def test_another_groups_good_do_not_count(cast, seven):
    """The cell's secretary is a leader: the leaders decided by the grassroots committee are a
    group of their own, where no one is rated good yet."""
    rows = verified_members(cast.tree.k, dict(zip(seven[:5], [80] * 5, strict=True)) | {cast.sec_m: 95})
    outcome = _decide(cast, rows)
    assert len(outcome.decided) == 5
    ((refused, reason),) = outcome.refused
    assert refused.member_id == cast.sec_m.pk
    assert reason == ("Over the quota for leaders decided by Đảng bộ Trường THCS Đông Sơn: 0 rated good allow at "
                      "most 0 rated excellent, and 0 already are.")


def test_members_of_another_deciding_unit_are_another_group(cast):
    """Good members of a grassroots cell elsewhere (decided by that cell) leave the grassroots
    committee's quota untouched."""
    far = members(cast.tree.qk, 5)
    mine = make_member(cast.tree.k, "Hồ Văn Tâm")
    open_year(cast.tree.root)
    for unit in (cast.tree.k, cast.tree.qk):
        decided_unit(unit)
    rows = verified_members(cast.tree.qk, dict.fromkeys(far, 80))
    assert len(services.decide([(r, None) for r in rows], actor=SYSTEM, decider=cast.tree.qk).decided) == 5
    (row,) = verified_members(cast.tree.k, {mine: 95})
    outcome = _decide(cast, [row])
    assert outcome.decided == [] and "0 rated good allow at most 0" in outcome.refused[0][1]


def test_collectives_have_their_quota_by_kind_and_deciding_unit(cast):
    """Five cells rated good under the grassroots committee allow one excellent cell; a cell
    under another unit is another group."""
    cells = [cast.tree.k, cast.tree.k2] + [make_unit(cast.tree.g, f"K{i}", f"Chi bộ Giáo viên {i}", "cell", "school")
                                           for i in range(3, 8)]
    open_year(cast.tree.c)
    verified = [verified_unit(cell, score) for cell, score in zip(cells, [80, 80, 80, 80, 80, 95, 96], strict=True)]
    outcome = services.decide([(r, None) for r in verified], actor=SYSTEM, decider=cast.tree.g)
    assert sorted(r.level for r in outcome.decided) == [Level.EXCELLENT] + [Level.GOOD] * 5
    ((refused, reason),) = outcome.refused
    assert refused.unit_id == cells[5].pk
    assert reason == ("Over the quota for Cell (Chi bộ trực thuộc) decided by Đảng bộ Trường THCS Đông Sơn: "
                      "5 rated good allow at most 1 rated excellent, and 1 already are.")
    assert tallies.verify() == []


def test_the_rounding_is_data(cast, seven):
    override("quality.excellent_quota", {"percent": 20, "rounding": "ceil"})
    rows = verified_members(cast.tree.k, dict(zip(seven[:5], [80, 80, 80, 80, 95], strict=True)))
    outcome = _decide(cast, rows)
    assert outcome.refused == []
    assert sorted(r.level for r in outcome.decided) == [Level.EXCELLENT] + [Level.GOOD] * 4


def test_the_percentage_is_data(cast, seven):
    override("quality.excellent_quota", {"percent": 50, "rounding": "floor"})
    rows = verified_members(cast.tree.k, dict(zip(seven[:4], [80, 80, 95, 96], strict=True)))
    outcome = _decide(cast, rows)
    assert [r.member_id for r, _ in outcome.refused] == [seven[2].pk]
    assert "2 rated good allow at most 1 rated excellent, and 1 already are" in outcome.refused[0][1]


def test_a_refused_excellent_may_be_decided_at_a_good_score(cast, seven):
    rows = verified_members(cast.tree.k, {seven[0]: 95})
    assert _decide(cast, rows).refused
    outcome = services.decide([(review_of(seven[0]), "89")], actor=SYSTEM, decider=cast.tree.g)
    assert [r.level for r in outcome.decided] == [Level.GOOD]
