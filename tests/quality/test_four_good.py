"""The "4 good" movement through its services and queries: registration, the monthly checklist of
the framework in force that month, the half-year votes, the recognition rule at each boundary
(months, level, votes; the rule is the framework's data), and the progress as of a day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chibo.accounts.policy import SYSTEM
from chibo.core.audit import AuditEntry
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.meetings import services as meetings
from chibo.quality import four_good, frameworks, services
from chibo.quality import four_good_queries as queries
from chibo.quality.enums import FrameworkKind, Level
from chibo.quality.models import FourGoodApproval, FourGoodMonth, FourGoodRecognition, FourGoodRegistration, UnitReview
from tests.factories.registry import make_unit
from tests.quality.conftest import open_year

YEAR = 2025  # a year wholly past, so every month and the year's end may be recorded
ALL = {"g1a": True, "g1b": True, "g2a": True, "g2b": True, "g3a": True, "g4a": True, "g4b": True}
UNIT_POINTS = {"politics": 16, "organization": 16, "tasks": 32, "inspection": 8, "mass": 8}  # 80: good


def _register(unit, actor=SYSTEM, first=YEAR, last=YEAR + 2, **extra):
    values = {"signed_by": "Trần Thị Bình", "commitment": "Chi bộ cam kết phấn đấu đạt chi bộ 4 tốt."} | extra
    if "signed_on" not in values:
        values["signed_on"] = dt.date(first, 1, 5)
    return four_good.register(unit, actor=actor, first_year=first, last_year=last, **values)


def _months(unit, n, checks=None, year=YEAR):
    for month in range(1, n + 1):
        four_good.record_month(unit, actor=SYSTEM, month=dt.date(year, month, 1), checks=checks or ALL)


def _votes(unit, n, year=YEAR):
    for half in range(1, n + 1):
        four_good.approve_half(unit, actor=SYSTEM, year=year, half=half, voted_on=dt.date(year, 6 * half, 28),
                               votes_for=5, votes_present=6)


def _rate(cast, unit, points):
    """Decide ``unit``'s review of the year through the review's own steps."""
    review = UnitReview.objects.get(unit=unit, year=YEAR)
    services.self_assess_unit(review, actor=SYSTEM, text="", scores=points)
    services.verify(review, actor=SYSTEM)
    outcome = services.decide([(UnitReview.objects.get(pk=review.pk), None)], actor=SYSTEM,
                              decider=unit.parent)
    assert not outcome.refused
    return outcome.decided[0].level


@pytest.fixture
def ready(cast):
    """Cell K registered, rated good, 9 months of checklists all passed and two votes: "4 good"
    under the national rule (9 months, good, 2 votes) but for what each test takes away."""
    open_year(cast.tree.c, YEAR)
    _register(cast.tree.k)
    return cast.tree.k


def _recognise(unit, actor=SYSTEM, day=dt.date(YEAR, 12, 20)):
    return four_good.recognise(unit, actor=actor, year=YEAR, decided_on=day, decision="15-QĐ/ĐU")


# --- the recognition rule at its boundaries ---------------------------------------------------

def test_a_criterion_passed_in_one_month_too_few_keeps_the_cell_from_recognition(cast, ready):
    _rate(cast, ready, UNIT_POINTS)
    _votes(ready, 2)
    _months(ready, 8)
    four_good.record_month(ready, actor=SYSTEM, month=dt.date(YEAR, 9, 1), checks=ALL | {"g2b": False})
    with pytest.raises(DomainError) as refused:
        _recognise(ready)
    assert "“Good quality of activities” passed in 8 months; the rule asks for at least 9." in str(refused.value)
    assert "Leads the political task" not in str(refused.value)
    assert not FourGoodRecognition.objects.exists()
    four_good.record_month(ready, actor=SYSTEM, month=dt.date(YEAR, 9, 1), checks=ALL)
    recognition = _recognise(ready)
    assert recognition.evidence["months_passed"] == {"g1": 9, "g2": 9, "g3": 9, "g4": 9}
    assert recognition.evidence["level"] == Level.GOOD and recognition.evidence["approvals"] == 2
    assert recognition.evidence["rule"] == {"months_min": 9, "min_level": "good", "approvals": 2}
    assert AuditEntry.objects.filter(action="quality.four_good_recognised").count() == 1


def test_a_cell_rated_completion_is_not_recognised_and_one_rated_good_is(cast, ready):
    _votes(ready, 2)
    _months(ready, 9)
    with pytest.raises(DomainError, match="No review level decided for 2025 yet"):
        _recognise(ready)
    assert _rate(cast, ready, UNIT_POINTS | {"tasks": 12}) == Level.COMPLETION  # 60
    with pytest.raises(DomainError, match="Rated “Completion” in the 2025 review; the rule asks for “Good "
                                          "completion” or better."):
        _recognise(ready)
    UnitReview.objects.filter(unit=ready, year=YEAR).update(level=Level.GOOD)  # as a new decision would give
    assert _recognise(ready).evidence["level"] == Level.GOOD


def test_one_half_year_vote_is_not_enough_and_two_are(cast, ready):
    _rate(cast, ready, UNIT_POINTS)
    _months(ready, 12)
    _votes(ready, 1)
    with pytest.raises(DomainError, match="1 half-year votes approved the results; the rule asks for 2."):
        _recognise(ready)
    four_good.approve_half(ready, actor=SYSTEM, year=YEAR, half=2, voted_on=dt.date(YEAR, 12, 15), votes_for=3,
                           votes_present=6)  # half of those present: not approved
    with pytest.raises(DomainError, match="1 half-year votes approved"):
        _recognise(ready)
    four_good.approve_half(ready, actor=SYSTEM, year=YEAR, half=2, voted_on=dt.date(YEAR, 12, 16), votes_for=4,
                           votes_present=6)  # the vote again: it replaces the first record
    assert FourGoodApproval.objects.filter(unit=ready, year=YEAR).count() == 2
    assert _recognise(ready).evidence["approvals"] == 2


def test_the_refusal_lists_everything_missing(cast, ready):
    with pytest.raises(DomainError) as refused:
        _recognise(ready)
    text = str(refused.value)
    for words in ("“Leads the political task well” passed in 0 months", "“Good cadres and members” passed in 0",
                  "No review level decided", "0 half-year votes"):
        assert words in text


def test_the_rule_is_the_frameworks_data(cast, ready):
    """A province's framework with its own rule (6 months, completion, 1 vote) decides for its cells."""
    frameworks.issue(actor=SYSTEM, issuer=cast.tree.p, kind=FrameworkKind.FOUR_GOOD, name="Tiêu chí 4 tốt tỉnh",
                     valid_from=dt.date(YEAR, 1, 1), items=[{"key": "p1", "parent": "g1", "label": "Có sổ ghi chép"}],
                     rule={"months_min": 6, "min_level": "completion", "approvals": 1})
    _rate(cast, ready, UNIT_POINTS | {"tasks": 12})  # completion
    _votes(ready, 1)
    _months(ready, 5, ALL | {"p1": True})
    with pytest.raises(DomainError, match="passed in 5 months; the rule asks for at least 6"):
        _recognise(ready)
    _months(ready, 6, ALL | {"p1": True})
    assert _recognise(ready).evidence["rule"]["months_min"] == 6


# --- the checklist: the framework in force that month ------------------------------------------

def test_the_checklist_follows_the_framework_in_force_in_its_month(cast, ready):
    province = frameworks.issue(actor=SYSTEM, issuer=cast.tree.p, kind=FrameworkKind.FOUR_GOOD, name="Tỉnh",
                                valid_from=dt.date(YEAR, 7, 1),
                                items=[{"key": "p2", "parent": "g2", "label": "Có chuyên đề hằng quý"}])
    june = four_good.record_month(ready, actor=SYSTEM, month=dt.date(YEAR, 6, 10), checks=ALL)
    assert june.month == dt.date(YEAR, 6, 1) and june.framework.issuer is None
    assert june.passed == ["g1", "g2", "g3", "g4"] and "p2" not in june.checks
    with pytest.raises(DomainError, match="p2 are not items of the checklist in force"):
        four_good.record_month(ready, actor=SYSTEM, month=dt.date(YEAR, 6, 1), checks=ALL | {"p2": True})
    july = four_good.record_month(ready, actor=SYSTEM, month=dt.date(YEAR, 7, 1), checks=ALL)
    assert july.framework == province and july.checks["p2"] is False
    assert july.passed == ["g1", "g3", "g4"]  # g2's new item not ticked
    july = four_good.record_month(ready, actor=SYSTEM, month=dt.date(YEAR, 7, 1), checks=ALL | {"p2": "on"})
    assert july.passed == ["g1", "g2", "g3", "g4"]
    assert FourGoodMonth.objects.filter(unit=ready).count() == 2


def test_the_last_day_of_the_month_decides_which_framework(cast, ready):
    frameworks.issue(actor=SYSTEM, issuer=cast.tree.p, kind=FrameworkKind.FOUR_GOOD, name="Tỉnh",
                     valid_from=dt.date(YEAR, 7, 31), items=[{"key": "p2", "parent": "g2", "label": "Mục mới"}])
    assert four_good.record_month(ready, actor=SYSTEM, month=dt.date(YEAR, 7, 1), checks=ALL).framework.issuer \
        == cast.tree.p
    assert four_good.record_month(ready, actor=SYSTEM, month=dt.date(YEAR, 6, 1), checks=ALL).framework.issuer \
        is None


@pytest.mark.parametrize("checks", [{"g1a": "maybe"}, {"g1a": [1]}, ["g1a"], {"nope": True}, {"g1a": 2}])
def test_a_bad_checklist_is_refused_and_nothing_saved(cast, ready, checks):
    with pytest.raises(DomainError) as refused:
        four_good.record_month(ready, actor=SYSTEM, month=dt.date(YEAR, 3, 1), checks=checks)
    assert "The checklist was not saved" in str(refused.value.message)
    assert not FourGoodMonth.objects.exists()


def test_an_item_not_answered_fails_its_criterion(cast, ready):
    row = four_good.record_month(ready, actor=SYSTEM, month=dt.date(YEAR, 3, 1), checks={"g3a": True})
    assert row.passed == ["g3"] and row.checks["g1a"] is False


def test_a_checklist_needs_a_registration_a_started_month_and_its_own_meeting(cast, ready):
    with pytest.raises(DomainError, match="not registered for the “4 good” movement in 2024"):
        four_good.record_month(ready, actor=SYSTEM, month=dt.date(2024, 12, 1), checks=ALL)
    with pytest.raises(DomainError, match="Only a cell or a grassroots committee"):
        four_good.record_month(cast.tree.c, actor=SYSTEM, month=dt.date(YEAR, 1, 1), checks=ALL)
    next_month = (timezone.localdate().replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    with pytest.raises(DomainError, match="that month has not started"):
        four_good.record_month(ready, actor=SYSTEM, month=next_month, checks=ALL)
    other = meetings.create_meeting(actor=SYSTEM, unit=cast.tree.k2, kind="regular",
                                    starts_at=timezone.make_aware(dt.datetime(YEAR, 3, 4, 19, 30)))
    with pytest.raises(DomainError, match="Choose a meeting of this unit"):
        four_good.record_month(ready, actor=SYSTEM, month=dt.date(YEAR, 3, 1), checks=ALL, meeting=other)
    own = meetings.create_meeting(actor=SYSTEM, unit=ready, kind="regular",
                                  starts_at=timezone.make_aware(dt.datetime(YEAR, 4, 4, 19, 30)))
    with pytest.raises(DomainError, match="Choose a meeting held in 03/2025"):
        four_good.record_month(ready, actor=SYSTEM, month=dt.date(YEAR, 3, 1), checks=ALL, meeting=own)
    row = four_good.record_month(ready, actor=SYSTEM, month=dt.date(YEAR, 4, 1), checks=ALL, meeting=own)
    assert four_good.record_month(ready, actor=SYSTEM, month=dt.date(YEAR, 4, 1), checks=ALL).meeting == own
    assert row.meeting == own and not FourGoodMonth.objects.filter(month=dt.date(YEAR, 3, 1)).exists()


def test_the_years_records_are_closed_once_recognised(cast, ready):
    _rate(cast, ready, UNIT_POINTS)
    _months(ready, 9)
    _votes(ready, 2)
    _recognise(ready)
    with pytest.raises(DomainError, match="was recognised as “4 good” for 2025 on 20/12/2025"):
        four_good.record_month(ready, actor=SYSTEM, month=dt.date(YEAR, 10, 1), checks=ALL)
    with pytest.raises(DomainError, match="can no longer change"):
        _votes(ready, 1)
    with pytest.raises(DomainError, match="can no longer change"):
        _recognise(ready)
    four_good.record_month(ready, actor=SYSTEM, month=dt.date(YEAR + 1, 1, 1), checks=ALL)  # the next year is open


# --- who may do what --------------------------------------------------------------------------

def test_who_registers_and_who_recognises(cast):
    k = cast.tree.k
    with pytest.raises(NotFound):
        _register(k, actor=cast.member)
    with pytest.raises(NotFound):
        _register(k, actor=cast.outsider)
    assert _register(k, actor=cast.secretary).recorded_by == cast.secretary
    assert _register(cast.tree.k2, actor=cast.commune).unit == cast.tree.k2
    assert _register(cast.tree.g, actor=cast.province).unit == cast.tree.g
    with pytest.raises(PermissionDenied):
        _recognise(k, actor=cast.secretary)
    with pytest.raises(PermissionDenied):
        _recognise(k, actor=cast.province)  # board staff verify; the committee decides
    with pytest.raises(NotFound):
        _recognise(k, actor=cast.outsider)
    with pytest.raises(DomainError, match="cannot be recognised"):
        _recognise(k, actor=cast.commune)
    assert AuditEntry.objects.filter(action="quality.four_good_registered").count() == 3


def test_registration_rules(cast):
    k = cast.tree.k
    _register(k, first=2023, last=2025)
    with pytest.raises(DomainError, match="already registered for 2023–2025"):
        _register(k, first=2025, last=2027)
    assert _register(k, first=2026, last=2028).first_year == 2026
    with pytest.raises(DomainError, match="Only a cell or a grassroots committee"):
        _register(cast.tree.c)
    with pytest.raises(DomainError) as refused:
        _register(cast.tree.k2, first=2027, last=2026)
    assert "last_year" in refused.value.field_errors
    with pytest.raises(DomainError, match="cannot be after today"):
        _register(cast.tree.k2, signed_on=timezone.localdate() + dt.timedelta(days=1),
                  first=timezone.localdate().year)
    with pytest.raises(DomainError) as refused:
        _register(cast.tree.k2, signed_by="  ")
    assert "signed_by" in refused.value.field_errors
    with pytest.raises(DomainError):
        _register(cast.tree.k2, first="20x6", signed_on=dt.date(YEAR, 1, 5))
    assert FourGoodRegistration.objects.filter(unit=cast.tree.k2).count() == 0


@pytest.mark.parametrize(("values", "field"), [
    ({"half": 3}, "half"), ({"votes_for": 7}, "votes_for"), ({"votes_present": 0}, "votes_for"),
    ({"votes_for": "x"}, "votes_for"), ({"voted_on": dt.date(YEAR, 6, 30), "half": 2}, "voted_on"),
    ({"voted_on": "28/06/2025"}, "voted_on")])
def test_a_bad_vote_is_refused_with_its_field(cast, ready, values, field):
    vote = {"year": YEAR, "half": 1, "voted_on": dt.date(YEAR, 6, 28), "votes_for": 5, "votes_present": 6} | values
    with pytest.raises(DomainError) as refused:
        four_good.approve_half(ready, actor=SYSTEM, **vote)
    assert field in refused.value.field_errors
    assert not FourGoodApproval.objects.exists()


def test_recognition_comes_at_the_years_end(cast, ready):
    with pytest.raises(DomainError, match="give a day from 01/12/2025"):
        _recognise(ready, day=dt.date(YEAR, 11, 30))


# --- the queries ------------------------------------------------------------------------------

def test_progress_as_of_a_day_per_child(cast, ready):
    g, k2 = cast.tree.g, cast.tree.k2
    _register(g)
    _months(ready, 3)
    four_good.record_month(ready, actor=SYSTEM, month=dt.date(YEAR, 4, 1), checks=ALL | {"g1a": False})
    late = _register(k2, signed_on=dt.date(YEAR, 5, 10))
    four_good.record_month(k2, actor=SYSTEM, month=dt.date(YEAR, 5, 1), checks=ALL)
    april = queries.progress(cast.tree.c, YEAR, dt.date(YEAR, 4, 30))
    assert [(r.name, r.organizations, r.registered) for r in april.children] == [(g.name, 3, 2)]
    assert april.unit.checklists == 4 and april.unit.passed == {"g1": 3, "g2": 4, "g3": 4, "g4": 4}
    assert april.unit.registered_percent == Decimal("66.7")
    on_g = queries.progress(g, YEAR, dt.date(YEAR, 6, 1))
    rows = {r.name: r for r in on_g.children}
    assert (rows[cast.tree.k.name].checklists, rows[k2.name].checklists) == (4, 1)
    assert rows[k2.name].registered == 1 and on_g.unit.registered == 3 and on_g.unit.organizations == 3
    assert rows[cast.tree.k.name].by_criterion[0] == (3, Decimal("75.0"))
    assert late.signed_on == dt.date(YEAR, 5, 10)


def test_progress_counts_the_recognised_from_their_decision_day(cast, ready):
    _rate(cast, ready, UNIT_POINTS)
    _months(ready, 9)
    _votes(ready, 2)
    _recognise(ready, day=dt.date(YEAR, 12, 20))
    assert queries.progress(cast.tree.c, YEAR, dt.date(YEAR, 12, 19)).unit.recognised == 0
    assert queries.progress(cast.tree.c, YEAR, dt.date(YEAR, 12, 20)).unit.recognised == 1
    assert queries.progress(cast.tree.root, YEAR, dt.date(YEAR + 1, 1, 5)).unit.recognised == 1


def _progress_queries(unit) -> int:
    with CaptureQueriesContext(connection) as ctx:
        queries.progress(unit, YEAR, dt.date(YEAR, 12, 31))
        queries.candidates(unit, YEAR)
    return len(ctx.captured_queries)


def test_progress_and_candidates_keep_their_query_count_with_more_cells(cast, ready):
    g = cast.tree.g
    _months(ready, 2)
    before = _progress_queries(g)
    for i in range(3):
        cell = make_unit(g, f"KX{i}", f"Chi bộ thêm {i}", "cell")
        _register(cell)
        _months(cell, 2)
        _votes(cell, 1)
    assert _progress_queries(g) == before
    assert len(queries.candidates(g, YEAR)) == 4


def test_a_checklist_link_on_regular_meetings_of_registered_units(cast, ready):
    regular = meetings.create_meeting(actor=SYSTEM, unit=ready, kind="regular",
                                      starts_at=timezone.make_aware(dt.datetime(YEAR, 3, 4, 19, 30)))
    thematic = meetings.create_meeting(actor=SYSTEM, unit=ready, kind="thematic",
                                       starts_at=timezone.make_aware(dt.datetime(YEAR, 3, 6, 19, 30)))
    elsewhere = meetings.create_meeting(actor=SYSTEM, unit=cast.tree.k2, kind="regular",
                                        starts_at=timezone.make_aware(dt.datetime(YEAR, 3, 4, 19, 30)))
    assert queries.checklist_month(regular) == dt.date(YEAR, 3, 1)
    assert queries.checklist_month(thematic) is None and queries.checklist_month(elsewhere) is None
