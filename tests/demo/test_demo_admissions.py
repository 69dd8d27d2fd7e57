"""The demo's admission cases: made through the services, every stage shown, dates consistent."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from chibo.accounts.models import RoleGrant
from chibo.admissions import queries, rules, services, tallying
from chibo.admissions.models import AdmissionCase, CaseStep, Course, Introduction
from chibo.admissions.stages import PIPELINE, Stage, under_committee
from chibo.core.models import AuditEntry
from chibo.demo.admissions import SCENARIOS, make_demo_cases
from chibo.demo.presets import DEMO_PROVINCE, province_code
from chibo.members import tallies
from chibo.members.enums import Status
from chibo.members.models import Placement
from chibo.org.models import Unit


@pytest.fixture
def demo(db):
    """The demo, scaled down to 2,500 members (4 communes), with its admission cases."""
    call_command("demo", "--no-serve", "--members", "2500", stdout=StringIO())
    return timezone.localdate()


def test_every_stage_has_cases_and_the_tallies_verify(demo):
    stages = Counter(AdmissionCase.objects.values_list("stage", flat=True))
    assert sum(stages.values()) == len(SCENARIOS) >= 40
    assert all(stages[s] >= 2 for s in PIPELINE), stages
    assert stages[Stage.WITHDRAWN] == 1 and stages[Stage.ESCALATED] == 1 and stages[Stage.NOT_ADMITTED] >= 1
    assert tallying.verify() == []
    assert tallies.verify() == []
    province = Unit.objects.get(code=province_code(DEMO_PROVINCE))
    assert all(c.unit_path.startswith(province.path) for c in AdmissionCase.objects.all())
    # the steps were recorded by the services: every step is in the audit log
    assert AuditEntry.objects.filter(action__startswith="admissions.").count() == CaseStep.objects.count()


def test_the_stories_overdue_failed_readmitted(demo):
    overdue = AdmissionCase.objects.filter(next_due__lt=demo)
    assert overdue.count() >= 3
    voted = overdue.filter(stage=Stage.CELL_VOTED).first()  # a cell resolution without a decision
    assert voted is not None and voted.next_due == rules.decision_due(voted.cell_vote_on)
    readmission = AdmissionCase.objects.get(left_on__isnull=False)
    assert readmission.left_on == rules.add_months(demo, -48) and not readmission.excluded_ground
    assert PIPELINE.index(readmission.stage) >= PIPELINE.index(Stage.CELL_VOTED)
    assert CaseStep.objects.filter(stage=Stage.NOT_ADMITTED).exclude(note="").count() >= 2
    failed = CaseStep.objects.filter(stage=Stage.RECOGNITION_VOTED, passed=False)
    assert failed.filter(yes__lt=F("needed")).count() == failed.count() >= 5
    once = AdmissionCase.objects.filter(failed_recognition_votes=1).exclude(stage=Stage.ESCALATED)
    assert once.exists()
    escalated = AdmissionCase.objects.get(stage=Stage.ESCALATED)
    assert escalated.failed_recognition_votes == 3
    officials = AdmissionCase.objects.filter(stage=Stage.OFFICIAL).select_related("member")
    assert officials.count() >= 2
    for case in officials:
        assert case.member.status == Status.OFFICIAL
        assert case.member.official_date == rules.official_date(case.ceremony_on) <= demo


def test_dates_are_consistent_and_deadlines_kept(demo):
    for case in AdmissionCase.objects.select_related("cell").prefetch_related("steps"):
        steps = list(case.steps.all())
        days = [s.on for s in steps]
        assert days == sorted(days) and days[-1] <= demo
        assert case.next_due == services.next_due(case)
        by_stage = {s.stage: s.on for s in steps if s.passed}
        if Stage.ADMITTED in by_stage:
            assert by_stage[Stage.ADMITTED] <= rules.decision_due(by_stage[Stage.CELL_VOTED])
            assert not case.extended
        if Stage.SWORN_IN in by_stage:
            assert by_stage[Stage.SWORN_IN] <= rules.ceremony_due(by_stage[Stage.ADMITTED])
        if Stage.RECOGNITION_VOTED in by_stage:
            assert min(s.on for s in steps if s.stage == Stage.RECOGNITION_VOTED) >= \
                rules.probation_end(by_stage[Stage.SWORN_IN])
        if Stage.COMMITTEE_RESOLVED in by_stage:
            assert under_committee(case.cell)
        if case.certificate_date is not None:
            assert case.course is not None and case.certificate_date == case.course.ends_on


def test_introducers_are_official_members_of_the_cell_known_for_a_year(demo):
    introductions = Introduction.objects.select_related("case", "member")
    assert introductions.count() >= 2 * 25
    for intro in introductions:
        member, case = intro.member, intro.case
        assert member.official_date is not None and member.official_date <= intro.on
        assert intro.together_since <= rules.add_months(intro.on, -12)
        assert Placement.objects.filter(member=member, unit_id=case.cell_id, kind="official",
                                        valid_from__lte=intro.on).exists()
    assert all(len({i.member_id for i in c.introductions.all()}) == 2
               for c in AdmissionCase.objects.filter(introductions__isnull=False).distinct())


def test_the_secretary_and_the_commune_see_live_boards(demo):
    grant = RoleGrant.objects.get(user__username="secretary", role="cell_secretary")
    board = queries.board(grant.unit)
    busy = [column for column in board if column.cases]
    assert len(busy) >= 8
    commune = RoleGrant.objects.get(user__username="commune")
    assert queries.inbox(commune.user, commune.unit).rows
    assert queries.overdue(commune.user, commune.unit, demo).rows
    courses = Course.objects.filter(participants__isnull=False).distinct()
    assert courses.count() >= 2
    assert all(c.starts_on <= c.ends_on <= demo for c in courses)


def test_running_the_demo_again_adds_no_case(demo):
    cases = AdmissionCase.objects.count()
    call_command("demo", "--no-serve", stdout=StringIO())
    assert make_demo_cases(demo - dt.timedelta(days=1)) == 0
    assert AdmissionCase.objects.count() == cases
