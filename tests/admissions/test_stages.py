"""The stage table of an admission case: the moves, who records them, and their deadlines."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.accounts.roles import ROLE_PERMISSIONS, Perm, Role
from chibo.admissions import rules
from chibo.admissions.stages import PIPELINE, Stage, due, next_stages, permission_for

pytestmark = pytest.mark.django_db
D = dt.date


def test_a_case_moves_one_stage_at_a_time_or_ends():
    assert next_stages(Stage.SYMPATHIZER, under_committee=False) == [
        Stage.COURSE, Stage.WITHDRAWN, Stage.NOT_ADMITTED]
    assert next_stages(Stage.SWORN_IN, under_committee=False) == [Stage.PROBATION_REVIEWED, Stage.REMOVED]
    assert next_stages(Stage.RECOGNITION_VOTED, under_committee=False) == [
        Stage.OFFICIAL, Stage.REMOVED, Stage.ESCALATED]
    assert next_stages(Stage.OFFICIAL, under_committee=False) == []
    assert next_stages(Stage.WITHDRAWN, under_committee=True) == []


def test_the_grassroots_committee_resolution_only_under_a_grassroots_committee():
    assert next_stages(Stage.CELL_VOTED, under_committee=True)[0] == Stage.COMMITTEE_RESOLVED
    assert next_stages(Stage.CELL_VOTED, under_committee=False)[0] == Stage.ADMITTED


def test_walking_the_pipeline_reaches_official_membership():
    for under in (True, False):
        stage, walked = Stage.SYMPATHIZER, [Stage.SYMPATHIZER]
        while moves := next_stages(stage, under_committee=under):
            stage = moves[0]
            walked.append(stage)
        assert walked[-1] == Stage.OFFICIAL
        assert len(walked) == len(PIPELINE) - (0 if under else 1)


def test_the_cell_records_and_the_committee_decides():
    assert permission_for(Stage.CELL_VOTED) == Perm.ADMISSIONS_RECORD
    assert permission_for(Stage.ADMITTED) == Perm.ADMISSIONS_DECIDE
    assert permission_for(Stage.OFFICIAL) == Perm.ADMISSIONS_DECIDE
    assert Perm.ADMISSIONS_RECORD in ROLE_PERMISSIONS[Role.CELL_SECRETARY]
    assert Perm.ADMISSIONS_DECIDE not in ROLE_PERMISSIONS[Role.CELL_SECRETARY]
    assert Perm.ADMISSIONS_DECIDE in ROLE_PERMISSIONS[Role.COMMITTEE_LEADER]


def test_deadlines_of_the_next_move():
    vote = D(2026, 6, 1)
    assert due(Stage.SYMPATHIZER, vote) is None
    assert due(Stage.CELL_VOTED, vote) == rules.decision_due(vote)
    # after the committee's resolution the decision still counts from the cell's
    assert due(Stage.COMMITTEE_RESOLVED, D(2026, 6, 20), cell_vote_on=vote) == rules.decision_due(vote)
    assert due(Stage.CELL_VOTED, vote, extended=True) == rules.decision_due(vote, extended=True)
    assert due(Stage.ADMITTED, D(2026, 8, 3)) == rules.ceremony_due(D(2026, 8, 3))
    assert due(Stage.SWORN_IN, D(2026, 8, 20)) == D(2027, 8, 20)
    assert due(Stage.PROBATION_REVIEWED, D(2027, 8, 25), ceremony_on=D(2026, 8, 20)) == rules.recognition_vote_due(
        D(2026, 8, 20))
    assert due(Stage.RECOGNITION_VOTED, D(2027, 9, 1)) == rules.recognition_decision_due(D(2027, 9, 1))
