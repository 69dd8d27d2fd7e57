"""Every capping condition of rulebook ``quality.caps``, at the edges of the year, and the caps as
data: a member disciplined in the year (``disciplined_in_year``), a collective with a
disciplined member of its leadership (``leadership_disciplined``: a cell secretary's or
committee leader's grant on the unit during the year, held by a user who is that member)."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.accounts.models import RoleGrant
from chibo.accounts.policy import SYSTEM
from chibo.quality import rules, services, tallies
from chibo.quality.enums import Level
from tests.factories.registry import make_user
from tests.quality.conftest import YEAR, open_year
from tests.quality.steps import (
    decided_unit,
    discipline,
    override,
    review_of,
    unit_review,
    verified_members,
    verified_unit,
)

SHIPPED = [{"when": "leadership_disciplined", "subject": "collective", "at_most": "good"},
           {"when": "disciplined_in_year", "subject": "member", "at_most": "completion"}]


@pytest.mark.parametrize(("level", "subject", "facts", "expected"), [
    (Level.EXCELLENT, "member", ["disciplined_in_year"], (Level.COMPLETION, "disciplined_in_year")),
    (Level.GOOD, "member", ["disciplined_in_year"], (Level.COMPLETION, "disciplined_in_year")),
    (Level.COMPLETION, "member", ["disciplined_in_year"], (Level.COMPLETION, "")),  # not lowered: no cap named
    (Level.NON_COMPLETION, "member", ["disciplined_in_year"], (Level.NON_COMPLETION, "")),
    (Level.EXCELLENT, "member", [], (Level.EXCELLENT, "")),
    (Level.EXCELLENT, "member", ["leadership_disciplined"], (Level.EXCELLENT, "")),  # a collective's condition
    (Level.EXCELLENT, "collective", ["leadership_disciplined"], (Level.GOOD, "leadership_disciplined")),
    (Level.GOOD, "collective", ["leadership_disciplined"], (Level.GOOD, "")),
    (Level.EXCELLENT, "collective", ["disciplined_in_year"], (Level.EXCELLENT, "")),
])
def test_capped_as_a_pure_rule(level, subject, facts, expected):
    assert rules.capped(level, subject=subject, facts=facts, caps=SHIPPED) == expected


def test_the_lowest_of_several_caps_wins():
    caps = [{"when": "a", "subject": "member", "at_most": "good"}, {"when": "b", "subject": "member",
                                                                    "at_most": "non_completion"}]
    assert rules.capped(Level.EXCELLENT, subject="member", facts=["b", "a"], caps=caps) == (Level.NON_COMPLETION, "b")


@pytest.fixture
def decided_cell(cast, period):
    decided_unit(cast.tree.k)


def _decide_member(cast, member, score="95"):
    (row,) = verified_members(cast.tree.k, {member: score})
    outcome = services.decide([(row, None)], actor=SYSTEM, decider=cast.tree.g)
    assert outcome.refused == []
    return outcome.decided[0]


@pytest.mark.parametrize(("decided_on", "capped"), [
    (dt.date(YEAR - 1, 12, 31), False), (dt.date(YEAR, 1, 1), True), (dt.date(YEAR, 12, 31), True),
    (dt.date(YEAR + 1, 1, 1), False)])
def test_a_member_disciplined_in_the_year_is_capped(cast, decided_cell, decided_on, capped):
    discipline(cast.plain_m, on=decided_on)
    row = _decide_member(cast, cast.plain_m, "85")
    assert (row.level, row.capped_by) == ((Level.COMPLETION, "disciplined_in_year") if capped else (Level.GOOD, ""))
    assert tallies.verify() == []


def test_a_cap_only_lowers(cast, decided_cell):
    discipline(cast.plain_m)
    row = _decide_member(cast, cast.plain_m, "49")
    assert (row.level, row.capped_by) == (Level.NON_COMPLETION, "")


def test_the_discipline_of_another_member_does_not_cap(cast, decided_cell):
    discipline(cast.other_m)
    assert _decide_member(cast, cast.plain_m, "85").level == Level.GOOD


def test_a_capped_member_is_not_held_by_the_quota(cast, decided_cell):
    """Capped below excellent, the 95 is no longer an excellent: no quota applies (no one good yet)."""
    discipline(cast.plain_m)
    row = _decide_member(cast, cast.plain_m, "95")
    assert (row.final_score, row.level) == (95, Level.COMPLETION)


def test_a_members_cap_is_data(cast, decided_cell):
    discipline(cast.plain_m)
    discipline(cast.other_m)
    override("quality.caps", [{"when": "disciplined_in_year", "subject": "member", "at_most": "non_completion"}])
    assert _decide_member(cast, cast.plain_m, "85").level == Level.NON_COMPLETION
    override("quality.caps", [], on=dt.date(YEAR, 6, 1))  # a later version drops the condition
    assert _decide_member(cast, cast.other_m, "85").level == Level.GOOD


# --- collectives ---


def _decide_cell(cast, unit, score="95"):
    outcome = services.decide([(verified_unit(unit, score), None)], actor=SYSTEM, decider=cast.tree.g)
    assert outcome.refused == [], outcome.refused
    return outcome.decided[0]


@pytest.fixture
def good_cells(cast):
    """Five more cells under the grassroots committee rated good, so that one may be excellent."""
    from tests.factories.registry import make_unit

    cells = [make_unit(cast.tree.g, f"K{i}", f"Chi bộ Giáo viên {i}", "cell", "school") for i in range(3, 8)]
    open_year(cast.tree.c)
    outcome = services.decide([(verified_unit(c, "80"), None) for c in cells], actor=SYSTEM, decider=cast.tree.g)
    assert len(outcome.decided) == 5
    return cells


def test_a_cell_whose_secretary_was_disciplined_in_the_year_is_at_most_good(cast, good_cells):
    discipline(cast.sec_m)  # the cast's secretary holds a cell_secretary grant on K
    row = _decide_cell(cast, cast.tree.k)
    assert (row.level, row.capped_by) == (Level.GOOD, "leadership_disciplined")
    assert _decide_cell(cast, cast.tree.k2).level == Level.EXCELLENT  # the place left for K2
    assert tallies.verify() == []


def test_a_disciplined_plain_member_does_not_cap_the_cell(cast, good_cells):
    discipline(cast.plain_m)
    assert _decide_cell(cast, cast.tree.k).level == Level.EXCELLENT


def test_a_committee_leader_disciplined_caps_the_committee(cast):
    """A committee leader's grant on the grassroots committee G, held by a member of cell K."""
    leader = make_user("leader_g", role="committee_leader", unit=cast.tree.g, member=cast.other_m)
    assert RoleGrant.objects.filter(user=leader, unit=cast.tree.g).exists()
    discipline(cast.other_m, on=dt.date(YEAR, 11, 30))
    open_year(cast.tree.c)
    for cell in (cast.tree.k, cast.tree.k2):
        _decide_cell(cast, cell, "80")
    override("quality.excellent_quota", {"percent": 20, "rounding": "ceil"})  # one excellent with no good
    outcome = services.decide([(verified_unit(cast.tree.g, "96"), None)], actor=SYSTEM, decider=cast.tree.c)
    assert [(r.level, r.capped_by) for r in outcome.decided] == [(Level.GOOD, "leadership_disciplined")]


@pytest.mark.parametrize(("valid_from", "valid_to", "capped"), [
    (dt.date(2020, 1, 1), dt.date(YEAR, 1, 1), False),  # the grant ended as the year began (valid_to is exclusive)
    (dt.date(2020, 1, 1), dt.date(YEAR, 1, 2), True),  # a leader on the year's first day
    (dt.date(YEAR, 12, 31), None, True),  # a leader from the year's last day
    (dt.date(YEAR + 1, 1, 1), None, False),  # a leader only from the next year
])
def test_the_leadership_is_who_led_the_unit_during_the_year(cast, good_cells, valid_from, valid_to, capped):
    user = make_user("leader_k2", member=cast.other_m)
    RoleGrant.objects.create(user=user, unit=cast.tree.k2, role="cell_secretary", valid_from=valid_from,
                             valid_to=valid_to)
    discipline(cast.other_m)
    row = _decide_cell(cast, cast.tree.k2)
    assert (row.level, row.capped_by) == ((Level.GOOD, "leadership_disciplined") if capped else (Level.EXCELLENT, ""))


def test_a_grant_that_is_not_a_leadership_post_does_not_cap(cast, good_cells):
    user = make_user("staff_k2", member=cast.other_m)
    RoleGrant.objects.create(user=user, unit=cast.tree.k2, role="board_staff", valid_from=dt.date(2020, 1, 1))
    discipline(cast.other_m)
    assert _decide_cell(cast, cast.tree.k2).level == Level.EXCELLENT


def test_a_leader_disciplined_in_another_year_does_not_cap(cast, good_cells):
    discipline(cast.sec_m, on=dt.date(YEAR - 1, 12, 31))
    assert _decide_cell(cast, cast.tree.k).level == Level.EXCELLENT


def test_a_collectives_cap_is_data(cast, good_cells):
    discipline(cast.sec_m)
    override("quality.caps", [{"when": "leadership_disciplined", "subject": "collective", "at_most": "completion"}])
    row = _decide_cell(cast, cast.tree.k)
    assert (row.level, row.capped_by) == (Level.COMPLETION, "leadership_disciplined")
    assert unit_review(cast.tree.k).capped_by == "leadership_disciplined"
    assert review_of(cast.plain_m).level == ""
