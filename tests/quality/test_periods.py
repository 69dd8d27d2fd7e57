"""Opening a review period: who is reviewed and who is classified (the 6-month exclusion at its
boundary, exempted, suspended and probationary members), overlapping periods refused, the
quarterly review, bad input and who may open one."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.core.models import AuditEntry
from chibo.members.models import Suspension
from chibo.quality import periods, rules, tallies
from chibo.quality.enums import Exclusion, Form, Step
from chibo.quality.models import MemberReview, Period, UnitReview
from tests.factories.registry import make_member
from tests.quality.conftest import YEAR, open_year
from tests.quality.steps import override

END = dt.date(YEAR, 12, 31)


@pytest.mark.parametrize(("ends_on", "months", "cutoff"), [
    (dt.date(2026, 12, 31), 6, dt.date(2026, 6, 30)),
    (dt.date(2026, 3, 31), 6, dt.date(2025, 9, 30)),
    (dt.date(2026, 6, 30), 6, dt.date(2025, 12, 30)),
    (dt.date(2026, 9, 30), 6, dt.date(2026, 3, 30)),
    (dt.date(2026, 8, 31), 6, dt.date(2026, 2, 28)),
    (dt.date(2024, 8, 31), 6, dt.date(2024, 2, 29)),
    (dt.date(2026, 12, 31), 12, dt.date(2025, 12, 31)),
    (dt.date(2026, 12, 31), 0, dt.date(2026, 12, 31)),
    (dt.date(2026, 1, 31), 13, dt.date(2024, 12, 31)),
])
def test_classification_cutoff(ends_on, months, cutoff):
    assert rules.classification_cutoff(ends_on, months) == cutoff


@pytest.mark.parametrize(("year", "quarter", "end"), [
    (2026, 0, dt.date(2026, 12, 31)), (2026, 1, dt.date(2026, 3, 31)), (2026, 2, dt.date(2026, 6, 30)),
    (2026, 3, dt.date(2026, 9, 30)), (2026, 4, dt.date(2026, 12, 31))])
def test_period_end(year, quarter, end):
    assert periods.period_end(year, quarter) == end


def _admitted(cast, name, day, status="probationary"):
    return make_member(cast.tree.k, name, status=status, admission_date=day, ceremony_date=day,
                       official_date=None if status == "probationary" else day)


def _rows(period):
    return {r.member_id: r for r in MemberReview.objects.filter(period=period)}


def test_admitted_exactly_six_months_before_the_end_is_classified_a_day_later_is_not(cast):
    cutoff = rules.classification_cutoff(END, 6)
    assert cutoff == dt.date(YEAR, 6, 30)
    on_cutoff = _admitted(cast, "Vũ Văn Đúng", cutoff)
    day_later = _admitted(cast, "Vũ Văn Muộn", cutoff + dt.timedelta(days=1))
    rows = _rows(open_year(cast.tree.c))
    assert (rows[on_cutoff.pk].excluded, rows[on_cutoff.pk].step) == ("", Step.OPEN)
    assert (rows[day_later.pk].excluded, rows[day_later.pk].step) == (Exclusion.RECENT, Step.NOT_CLASSIFIED)
    assert rows[on_cutoff.pk].admitted_year == YEAR and rows[on_cutoff.pk].is_first


def test_the_months_are_data(cast):
    override("quality.min_months_admitted", 12)
    member = _admitted(cast, "Vũ Văn Đúng", dt.date(YEAR, 6, 30))
    old = _admitted(cast, "Vũ Văn Cũ", dt.date(YEAR - 1, 12, 31), status="official")
    rows = _rows(open_year(cast.tree.c))
    assert rows[member.pk].excluded == Exclusion.RECENT
    assert rows[old.pk].excluded == ""


def test_probationary_members_are_reviewed_and_classified(cast):
    member = _admitted(cast, "Vũ Văn Dự", dt.date(YEAR - 1, 11, 1))
    row = _rows(open_year(cast.tree.c))[member.pk]
    assert (row.excluded, row.step, row.form) == ("", Step.OPEN, Form.OTHER)


def test_exempted_members_get_no_row(cast):
    exempted = make_member(cast.tree.k, "Vũ Văn Miễn", status="exempted")
    period = open_year(cast.tree.c)
    assert exempted.pk not in _rows(period)
    assert set(_rows(period)) == {cast.sec_m.pk, cast.plain_m.pk, cast.other_m.pk}
    assert period.members == 3


@pytest.mark.parametrize(("valid_from", "valid_to", "suspended"), [
    (dt.date(YEAR, 3, 1), None, True),
    (dt.date(YEAR, 3, 1), END, True),  # until the last day, included
    (dt.date(YEAR, 3, 1), END - dt.timedelta(days=1), False),  # over before the end
    (END, None, True),
    (END + dt.timedelta(days=1), None, False),  # from the next year
])
def test_members_suspended_on_the_periods_end_are_not_classified(cast, valid_from, valid_to, suspended):
    Suspension.objects.create(member=cast.plain_m, valid_from=valid_from, valid_to=valid_to, decision="02-QĐ")
    row = _rows(open_year(cast.tree.c))[cast.plain_m.pk]
    if suspended:
        assert (row.excluded, row.step) == (Exclusion.SUSPENDED, Step.NOT_CLASSIFIED)
    else:
        assert (row.excluded, row.step) == ("", Step.OPEN)


def test_not_classified_rows_are_counted_apart(cast):
    _admitted(cast, "Vũ Văn Muộn", dt.date(YEAR, 7, 1))
    Suspension.objects.create(member=cast.plain_m, valid_from=dt.date(YEAR, 3, 1))
    open_year(cast.tree.c)
    figures = tallies.results(cast.tree.p, YEAR)
    assert (figures["member_total"], figures["member_not_classified"]) == (4, 2)
    assert tallies.verify() == []


def test_members_who_left_get_no_row(cast):
    make_member(cast.tree.k, "Vũ Văn Mất", status="deceased", official_date=dt.date(2011, 6, 1))
    assert len(_rows(open_year(cast.tree.c))) == 3


def test_a_not_classified_member_is_told_why_when_they_self_assess(cast):
    from chibo.quality import services
    from tests.factories.registry import make_user

    recent = _admitted(cast, "Vũ Văn Muộn", dt.date(YEAR, 7, 1))
    user = make_user("recent", member=recent)
    row = _rows(open_year(cast.tree.c))[recent.pk]
    with pytest.raises(DomainError) as refused:
        services.self_assess_member(row, actor=user, text="Tự kiểm điểm", scores={})
    assert str(refused.value) == ("Not classified this year: admitted less than the required months before the "
                                  "period's end.")


# --- overlapping periods ---


def test_a_province_after_a_commune_of_it_opened_the_same_year_is_refused(cast):
    open_year(cast.tree.c)
    with pytest.raises(DomainError) as refused:
        open_year(cast.tree.p)
    assert str(refused.value) == ("Xã Đông Sơn has already opened this review, which covers this unit or part of "
                                  "its subtree.")
    assert list(Period.objects.values_list("issuer__code", flat=True)) == ["C"]


def test_a_commune_after_its_province_opened_the_same_year_is_refused(cast):
    open_year(cast.tree.p)
    rows = MemberReview.objects.count()
    with pytest.raises(DomainError) as refused:
        open_year(cast.tree.c)
    assert "Tỉnh Bắc Hà has already opened this review" in str(refused.value)
    assert MemberReview.objects.count() == rows and Period.objects.count() == 1
    assert tallies.verify() == []


def test_the_same_unit_may_not_open_the_same_year_twice(cast):
    open_year(cast.tree.c)
    with pytest.raises(DomainError):
        open_year(cast.tree.c)


def test_a_sibling_province_another_year_and_a_quarter_do_not_overlap(cast):
    open_year(cast.tree.c)
    open_year(cast.tree.q)
    open_year(cast.tree.c, year=YEAR - 1)
    open_year(cast.tree.p, quarter=1)
    assert set(Period.objects.values_list("issuer__code", "year", "quarter")) == {
        ("C", YEAR, 0), ("Q", YEAR, 0), ("C", YEAR - 1, 0), ("P", YEAR, 1)}
    assert tallies.verify() == []


def test_quarterly_periods_overlap_by_quarter(cast):
    open_year(cast.tree.c, quarter=2)
    with pytest.raises(DomainError):
        open_year(cast.tree.p, quarter=2)
    open_year(cast.tree.p, quarter=3)


# --- the quarterly review ---


def test_a_quarterly_period_reviews_only_the_rulebooks_occupations_and_no_organization(cast):
    servant = make_member(cast.tree.k, "Vũ Văn Công", occupation="civil_servant")
    make_member(cast.tree.k, "Vũ Thị Giáo", occupation="teacher")
    period = open_year(cast.tree.c, quarter=1)
    assert UnitReview.objects.filter(period=period).count() == 0 and period.units == 0
    rows = _rows(period)
    assert set(rows) == {servant.pk}
    assert (rows[servant.pk].form, rows[servant.pk].quarter, rows[servant.pk].is_first) == (Form.OFFICIAL, 1, False)
    assert period.ends_on == dt.date(YEAR, 3, 31) and period.members == 1
    assert tallies.results(cast.tree.root, YEAR, 1)["member_total"] == 1
    assert tallies.results(cast.tree.root, YEAR)["member_total"] == 0
    assert tallies.verify() == []


def test_the_quarterly_occupations_are_data(cast):
    make_member(cast.tree.k, "Vũ Văn Công", occupation="civil_servant")
    teacher = make_member(cast.tree.k, "Vũ Thị Giáo", occupation="teacher")
    override("quality.quarterly_occupations", ["teacher"])
    assert set(_rows(open_year(cast.tree.c, quarter=2))) == {teacher.pk}


def test_no_quarterly_occupation_opens_a_quarter_with_no_rows(cast):
    make_member(cast.tree.k, "Vũ Văn Công", occupation="civil_servant")
    override("quality.quarterly_occupations", [])
    period = open_year(cast.tree.c, quarter=2)
    assert (period.units, period.members) == (0, 0)


def test_the_annual_review_gives_civil_servants_form_2b_and_leaders_2a(cast):
    servant = make_member(cast.tree.k, "Vũ Văn Công", occupation="civil_servant")
    rows = _rows(open_year(cast.tree.c))
    assert (rows[servant.pk].form, rows[servant.pk].peer_group) == (Form.OFFICIAL, f"members@{cast.tree.g.pk}")
    assert (rows[cast.sec_m.pk].form, rows[cast.sec_m.pk].peer_group) == (Form.LEADER, f"leaders@{cast.tree.g.pk}")


def test_opening_makes_the_organizations_rows_with_their_superior_as_decider(cast):
    period = open_year(cast.tree.p)
    rows = {r.unit.code: (r.decider.code, r.peer_group) for r in
            UnitReview.objects.filter(period=period).select_related("unit", "decider")}
    c, g = cast.tree.c, cast.tree.g
    assert rows == {"C": ("P", f"commune@{cast.tree.p.pk}"), "G": ("C", f"grassroots_committee@{c.pk}"),
                    "K": ("G", f"cell@{g.pk}"), "K2": ("G", f"cell@{g.pk}")}
    entry = AuditEntry.objects.get(action="quality.period_opened")
    assert entry.payload == {"year": YEAR, "quarter": 0, "units": 4, "members": 3}


# --- bad input and who may open ---


@pytest.mark.parametrize(("changes", "message"), [
    ({"quarter": 5}, "Choose the whole year or a quarter from 1 to 4."),
    ({"year": 1999}, "Give the year of the review."),
    ({"cell_until": dt.date(YEAR, 12, 1)}, "The steps' last days must follow one another"),
])
def test_bad_input_is_refused_and_nothing_is_made(cast, changes, message):
    args = {"year": YEAR, "quarter": 0, "self_until": dt.date(YEAR, 12, 10), "cell_until": dt.date(YEAR, 12, 15),
            "verify_until": dt.date(YEAR, 12, 20), "decide_until": dt.date(YEAR, 12, 28)} | changes
    with pytest.raises(DomainError) as refused:
        periods.open_period(actor=SYSTEM, issuer=cast.tree.c, **args)
    assert str(refused.value).startswith(message)
    assert (Period.objects.count(), MemberReview.objects.count(), AuditEntry.objects.filter(
        action="quality.period_opened").count()) == (0, 0, 0)


def test_a_cell_does_not_open_a_review_but_a_grassroots_cell_does(cast):
    with pytest.raises(DomainError):
        open_year(cast.tree.k)
    period = open_year(cast.tree.qk)
    assert set(_rows(period)) == {cast.far_m.pk}
    assert _rows(period)[cast.far_m.pk].decider_id == cast.tree.qk.pk


@pytest.mark.parametrize(("name", "unit", "expected"), [
    ("admin", "c", None), ("province", "c", None), ("commune", "c", PermissionDenied),
    ("secretary", "c", NotFound), ("secretary", "k", PermissionDenied), ("member", "c", NotFound),
    ("outsider", "c", NotFound), ("outsider", "qc", None)])
def test_who_may_open_a_review(cast, name, unit, expected):
    issuer = getattr(cast.tree, unit)
    if expected is None:
        assert open_year(issuer, actor=getattr(cast, name)).issuer_id == issuer.pk
    else:
        with pytest.raises(expected):
            open_year(issuer, actor=getattr(cast, name))
        assert Period.objects.count() == 0
