"""The results of a review from the tallies: organizations and members by level beside last year,
per child unit, the quality of the new members, the indicator with a target, the year-end table."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from chibo.accounts.policy import SYSTEM
from chibo.quality import results, services, tallies
from chibo.quality.enums import Level
from chibo.quality.models import MemberReview, UnitReview
from tests.factories.registry import make_member, make_unit
from tests.quality.conftest import open_year

UNIT_POINTS = {"politics": 16, "organization": 16, "tasks": 32, "inspection": 8, "mass": 8}  # 80


def classify(cast, year: int, *, units: dict[str, str], members: dict[int, str]) -> None:
    """Take the year's rows of the given units (by code) and members (by id) through every step to a
    decision with the given final score, lower collectives first, then the members."""
    rows = UnitReview.objects.filter(year=year, unit__code__in=list(units)).select_related("unit", "decider")
    for review in sorted(rows, key=lambda r: -r.depth):
        services.self_assess_unit(review, actor=SYSTEM, text="", scores=UNIT_POINTS)
        services.verify(UnitReview.objects.get(pk=review.pk), actor=SYSTEM)
        outcome = services.decide([(UnitReview.objects.get(pk=review.pk), units[review.unit.code])], actor=SYSTEM,
                                  decider=review.decider)
        assert not outcome.refused, outcome.refused
    by_cell: dict = {}
    for review in MemberReview.objects.filter(year=year, member_id__in=list(members)).select_related("unit"):
        by_cell.setdefault(review.unit, []).append(review)
    for cell, reviews in by_cell.items():
        services.propose(cell, actor=SYSTEM, year=year, meeting=None,
                         proposals={r.pk: services.Proposal(members[r.member_id], 5, 6) for r in reviews})
    verified = [services.verify(MemberReview.objects.get(pk=r.pk), actor=SYSTEM)
                for reviews in by_cell.values() for r in reviews]
    for review in verified:
        outcome = services.decide([(review, None)], actor=SYSTEM, decider=review.decider)
        assert not outcome.refused, outcome.refused


def two_years(cast):
    """2025: G good, K completion, K2 good; members good, good, non-completion.
    2026: G good, K good, K2 completion; members good and completion (other_m left undecided)."""
    open_year(cast.tree.c, 2025)
    classify(cast, 2025, units={"K": "60", "K2": "75", "G": "80"},
             members={cast.plain_m.pk: "80", cast.sec_m.pk: "72", cast.other_m.pk: "40"})
    open_year(cast.tree.c, 2026)
    classify(cast, 2026, units={"K": "85", "K2": "55", "G": "70"},
             members={cast.plain_m.pk: "75", cast.sec_m.pk: "60"})


def _line(figures, level):
    return next(line for line in figures.lines if line.level == level)


def test_figures_by_level_beside_last_year_from_the_tallies(cast):
    two_years(cast)
    board = results.results(cast.tree.c, 2026)
    orgs, grassroots, members = (board.unit.of(s) for s in ("org", "grassroots", "member"))
    assert (orgs.reviewed, orgs.classified, orgs.last_classified) == (3, 3, 3)
    assert [(x.level, x.count, x.last_count) for x in orgs.lines] == [
        (Level.EXCELLENT, 0, 0), (Level.GOOD, 2, 2), (Level.COMPLETION, 1, 1), (Level.NON_COMPLETION, 0, 0)]
    assert _line(orgs, Level.GOOD).percent == Decimal("66.67")
    assert (grassroots.reviewed, grassroots.good_or_better, grassroots.good_percent) == (1, 1, Decimal("100.00"))
    assert (members.reviewed, members.classified, members.undecided, members.not_classified) == (3, 2, 1, 0)
    assert [(x.count, x.percent) for x in members.lines] == [
        (0, Decimal("0.00")), (1, Decimal("50.00")), (1, Decimal("50.00")), (0, Decimal("0.00"))]
    assert [(x.last_count, x.last_percent) for x in members.lines] == [
        (0, Decimal("0.00")), (2, Decimal("66.67")), (0, Decimal("0.00")), (1, Decimal("33.33"))]
    assert (members.good_percent, members.last_good_percent) == (Decimal("50.00"), Decimal("66.67"))
    assert board.unit.grassroots_share == Decimal("100.00")
    assert tallies.verify() == []


def test_each_child_has_its_subtree_figures(cast):
    two_years(cast)
    at_g = results.results(cast.tree.g, 2026)
    assert [c.name for c in at_g.children] == ["Chi bộ Giáo viên 1", "Chi bộ Giáo viên 2"]
    k, k2 = at_g.children
    assert (_line(k.of("org"), Level.GOOD).count, _line(k.of("org"), Level.COMPLETION).last_count) == (1, 1)
    assert (k.of("member").reviewed, k.of("member").classified) == (3, 2)
    assert k2.of("member").reviewed == 0 and _line(k2.of("org"), Level.COMPLETION).count == 1
    at_root = results.results(cast.tree.root, 2026)
    assert [(c.name, c.reviewed) for c in at_root.children] == [("Tỉnh Bắc Hà", True), ("Tỉnh Nam Lâm", False)]
    assert at_root.unit.of("member").classified == 2


def test_a_year_without_a_review_is_all_zero_without_failing(cast):
    board = results.results(cast.tree.p, 2030)
    assert not board.unit.reviewed and board.unit.of("member").good_percent is None
    assert board.new_members.reviewed == 0 and board.unit.grassroots_share is None


def test_quality_of_new_members_counts_the_first_classified_review(cast):
    t = cast.tree
    early = make_member(t.k, "Vũ Thị Hoa", admission_date=dt.date(2025, 3, 1), ceremony_date=dt.date(2025, 3, 1),
                        status="probationary",
                        official_date=None)
    late = make_member(t.k, "Ngô Văn Lâm", admission_date=dt.date(2025, 9, 1), ceremony_date=dt.date(2025, 9, 1),
                        status="probationary",
                       official_date=None)
    other = make_member(t.k2, "Bùi Thị Mai", admission_date=dt.date(2025, 4, 1), ceremony_date=dt.date(2025, 4, 1),
                        status="probationary",
                        official_date=None)
    open_year(t.c, 2025)
    classify(cast, 2025, units={"K": "75", "K2": "75", "G": "75"}, members={early.pk: "80", other.pk: "60"})
    assert MemberReview.objects.get(member=late, year=2025).excluded == "recent"
    open_year(t.c, 2026)
    classify(cast, 2026, units={"K": "75", "K2": "75", "G": "75"}, members={late.pk: "85"})
    assert not MemberReview.objects.get(member=early, year=2026).is_first
    board = results.results(t.g, 2025)
    own = board.new_members
    assert (own.reviewed, own.decided, own.good, own.percent) == (3, 3, 2, Decimal("66.67"))
    by_child = {n.name: (n.reviewed, n.decided, n.good) for n in board.new_members_by_child}
    assert by_child == {"Chi bộ Giáo viên 1": (2, 2, 2), "Chi bộ Giáo viên 2": (1, 1, 0)}
    at_cell = results.results(t.k, 2025)
    assert (at_cell.new_members.reviewed, at_cell.new_members.good) == (2, 2) and at_cell.new_members_by_child == []
    assert results.results(t.g, 2026).new_members.reviewed == 0


def _queries(unit, year) -> int:
    with CaptureQueriesContext(connection) as ctx:
        results.results(unit, year)
    return len(ctx.captured_queries)


def test_the_results_take_a_constant_number_of_queries(cast):
    two_years(cast)
    few = _queries(cast.tree.g, 2026)
    for i in range(3):
        make_unit(cast.tree.g, f"N{i}", f"Chi bộ mới {i}", "cell")
    assert _queries(cast.tree.g, 2026) == few == 3


def test_indicator_for_many_units_in_one_query(cast, django_assert_num_queries):
    two_years(cast)
    ids = [cast.tree.c.pk, cast.tree.g.pk, cast.tree.k.pk, cast.tree.q.pk]
    with django_assert_num_queries(1):
        shares = results.indicator_for(ids, 2026)
    assert shares == {cast.tree.c.pk: Decimal("100.00"), cast.tree.g.pk: Decimal("100.00"),
                      cast.tree.k.pk: None, cast.tree.q.pk: None}
    assert results.years_with_results(cast.tree.c) == [2026, 2025]


def test_the_year_end_tables_hold_the_classification(cast):
    from chibo.reports.statistics import classification_table, year_end_tables

    two_years(cast)
    table = classification_table(cast.tree.c, 2026)
    rows = {r["key"]: r for r in table.rows}
    assert [r["key"] for r in table.rows][:2] == ["org", "org_excellent"]
    assert (rows["org"]["count"], rows["org_good"]["count"], rows["org_good"]["share"]) == (3, 2, 0.6667)
    assert (rows["grassroots"]["count"], rows["grassroots_good"]["share"]) == (1, 1.0)
    assert (rows["member"]["count"], rows["member_not_classified"]["count"], rows["member_completion"]["share"]) == (
        3, 0, 0.5)
    assert year_end_tables(cast.tree.c, 2026)[-1].rows == table.rows
