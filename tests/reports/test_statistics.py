"""Member statistics on any day and the year-end tables, on the fixed tree (tests/conftest.py).

The cast's members (K: the secretary, An, Cường; QK: Đức) were admitted in 2010 and are official
since 2011; the units opened on 1 January 2020.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chibo.accounts.policy import SYSTEM
from chibo.admissions.stages import Stage
from chibo.members import services as member_services
from chibo.members.models import UnitMemberTally
from chibo.reports.statistics import (
    CAUSES,
    balance,
    balance_and_breakdown,
    breakdown,
    changes_by_cause,
    members_as_of,
    profile_tables,
    year_end_tables,
)
from chibo.restructuring import services as restructuring
from tests.factories.admissions import carry, open_case
from tests.factories.registry import make_member

D = dt.date
YEAR = 2025
START, END = D(YEAR, 1, 1), D(YEAR, 12, 31)
OPENING = D(YEAR - 1, 12, 31)
ZERO = {"total": 0, "official": 0, "probationary": 0, "exempted": 0}


def status(member, to: str, on: dt.date):
    return member_services.change_status(member, actor=SYSTEM, status=to, on=on)


def transfer(member, to_unit, on: dt.date):
    return member_services.transfer_member(member, actor=SYSTEM, to_unit=to_unit, on=on)


def total(unit, day: dt.date) -> int:
    return members_as_of(unit, day)["total"]


def test_members_as_of_today_equals_the_tally_and_the_history_agrees(cast):
    t = cast.tree
    make_member(t.k2, "Võ Thị Mai", sex="F", status="probationary")
    status(make_member(t.k2, "Hồ Văn Sáu"), "exempted", D(2024, 9, 1))
    status(cast.other_m, "deceased", D(2025, 2, 1))
    transfer(cast.plain_m, t.qk, D(2025, 5, 5))
    today = timezone.localdate()
    for unit in (t.root, t.p, t.c, t.g, t.k, t.k2, t.q, t.qc, t.qk):
        tally = UnitMemberTally.objects.get(unit=unit).as_dict()
        want = {k: tally[k] for k in ZERO}
        assert members_as_of(unit, today) == want, unit.code
        # nothing changed since yesterday: the rebuilt day says the same
        assert members_as_of(unit, today - dt.timedelta(days=1)) == want, unit.code
    assert members_as_of(t.p, today) == {"total": 3, "official": 1, "probationary": 1, "exempted": 1}


def test_a_past_day_before_and_after_a_transfer(cast):
    t = cast.tree
    on = D(2025, 3, 10)
    transfer(cast.plain_m, t.qk, on)
    before = on - dt.timedelta(days=1)
    assert (total(t.p, before), total(t.q, before), total(t.k, before), total(t.qk, before)) == (3, 1, 3, 1)
    assert (total(t.p, on), total(t.q, on), total(t.k, on), total(t.qk, on)) == (2, 2, 2, 2)
    assert members_as_of(t.root, before) == members_as_of(t.root, on)


def test_a_past_day_rebuilds_status_from_the_members_dates(cast):
    t = cast.tree
    new = make_member(t.k2, "Trương Thị Mới", sex="F", admission_date=D(2024, 3, 1), ceremony_date=D(2024, 3, 15),
                      official_date=D(2025, 3, 15))
    status(cast.other_m, "removed", D(2025, 6, 1))
    status(cast.plain_m, "exempted", D(2025, 9, 1))
    assert members_as_of(t.p, D(2024, 2, 29)) == {"total": 3, "official": 3, "probationary": 0, "exempted": 0}
    assert members_as_of(t.p, D(2024, 3, 1)) == {"total": 4, "official": 3, "probationary": 1, "exempted": 0}
    assert members_as_of(t.p, D(2025, 5, 31)) == {"total": 4, "official": 4, "probationary": 0, "exempted": 0}
    assert members_as_of(t.p, D(2025, 6, 1)) == {"total": 3, "official": 3, "probationary": 0, "exempted": 0}
    assert members_as_of(t.p, D(2025, 9, 1)) == {"total": 3, "official": 2, "probationary": 0, "exempted": 1}
    assert members_as_of(t.k2, D(2025, 9, 1))["official"] == 1 and new.pk
    assert members_as_of(t.p, D(2019, 12, 31)) == ZERO  # before the units opened


def test_a_unit_moved_mid_year_counts_under_its_old_parent_before_and_the_new_one_after(cast):
    t = cast.tree
    make_member(t.k2, "Hà Văn Sơn")
    make_member(t.k2, "Lò Thị Mai", sex="F")
    june = D(YEAR, 6, 16)
    restructuring.move_unit(t.k2, actor=SYSTEM, new_parent=t.qc, on=june)
    t.k2.refresh_from_db()
    before = june - dt.timedelta(days=1)
    assert (total(t.c, before), total(t.g, before), total(t.qc, before), total(t.q, before)) == (5, 5, 1, 1)
    assert (total(t.c, june), total(t.g, june), total(t.qc, june), total(t.q, june)) == (3, 3, 3, 3)
    assert total(t.k2, before) == total(t.k2, june) == 2  # the unit itself, wherever it stood
    assert total(t.root, before) == total(t.root, june) == 6
    # the year's balance: the unit's members left P and came to Q with it
    p, q = balance(t.p, START, END), balance(t.q, START, END)
    assert (p.opening["total"], p.changes["moved_out"], p.closing["total"], p.gap) == (5, 2, 3, 0)
    assert (q.opening["total"], q.changes["moved_in"], q.closing["total"], q.gap) == (1, 2, 3, 0)
    assert p.changes["transferred_out"] == q.changes["transferred_in"] == 0


def _every_cause(cast):
    """One of each cause of change in P during the year (and a transfer inside P, which is none)."""
    t = cast.tree
    case = carry(open_case(t.k, on=D(YEAR, 1, 6)), Stage.ADMITTED)  # admitted in K (women, civil servant)
    assert case.decision_on.year == YEAR
    for i, cause in enumerate(("deceased", "expelled", "removed", "resigned")):
        status(make_member(t.k2, ["Lê Văn Một", "Lê Văn Hai", "Lê Văn Ba", "Lê Văn Bốn"][i]), cause, D(YEAR, 2 + i, 1))
    former = make_member(t.k2, "Đinh Văn Cũ")
    status(former, "removed", D(2019, 5, 1))
    member_services.readmit(former, actor=SYSTEM, unit=t.k2, on=D(YEAR, 4, 1))
    transfer(make_member(t.qk, "Mai Văn Tới"), t.k2, D(YEAR, 5, 5))  # in
    transfer(cast.plain_m, t.qk, D(YEAR, 6, 6))  # out
    transfer(cast.other_m, t.k2, D(YEAR, 7, 7))  # inside P: no change for P
    make_member(t.k, "Trương Thị Mới", sex="F", admission_date=D(YEAR - 1, 3, 1), ceremony_date=D(YEAR - 1, 3, 15),
                official_date=D(YEAR, 3, 15))  # recognized in the year


def test_each_cause_of_change_is_counted(cast):
    _every_cause(cast)
    t = cast.tree
    one_each = dict.fromkeys(CAUSES, 1) | {"moved_in": 0, "moved_out": 0}
    assert changes_by_cause(t.p, START, END) == one_each
    assert changes_by_cause(t.c, START, END) == one_each
    in_q = dict.fromkeys(CAUSES, 0) | {"transferred_in": 1, "transferred_out": 1}
    assert changes_by_cause(t.q, START, END) == in_q
    # the transfer between K and K2 is one for each of them
    assert changes_by_cause(t.k, START, END)["transferred_out"] == 2
    assert changes_by_cause(t.k2, START, END)["transferred_in"] == 2
    assert changes_by_cause(t.p, D(YEAR + 1, 1, 1), D(YEAR + 1, 12, 31)) == dict.fromkeys(CAUSES, 0)


def test_opening_plus_increases_minus_decreases_is_closing(cast):
    _every_cause(cast)
    t = cast.tree
    for unit in (t.root, t.p, t.c, t.g, t.k, t.k2, t.q, t.qk):
        b = balance(unit, START, END)
        assert b.gap == 0, unit.code
        assert b.opening == members_as_of(unit, OPENING), unit.code
        assert b.closing == members_as_of(unit, END), unit.code
    b = balance(t.p, START, END)
    assert (b.opening["total"], b.increase, b.decrease, b.closing["total"]) == (8, 3, 5, 6)


def test_a_merge_inside_the_subtree_is_no_transfer(cast):
    t = cast.tree
    make_member(t.k2, "Hà Văn Sơn")
    make_member(t.k2, "Lò Thị Mai", sex="F")
    restructuring.merge_units([t.k2], into=t.k, actor=SYSTEM, on=D(YEAR, 8, 1))
    p = balance(t.p, START, END)
    assert p.changes == dict.fromkeys(CAUSES, 0) and p.gap == 0
    # K received K2's members with K2 itself (now closed, under K): a restructuring, not transfers
    k = balance(t.k, START, END)
    assert (k.opening["total"], k.changes["moved_in"], k.changes["transferred_in"], k.closing["total"]) == (3, 2, 0, 5)
    assert k.gap == 0


def _known_data_set(cast):
    t = cast.tree
    make_member(t.k2, "Lý Văn Năm", education_grade=5, qualification="university", political_theory="intermediate",
                occupation="teacher", ethnicity="02", religion="catholicism")
    make_member(t.k2, "Tòng Thị Chín", sex="F", education_grade=9, occupation="teacher", ethnicity="03")
    carry(open_case(t.k, on=D(YEAR, 1, 6)), Stage.ADMITTED)


def _rows(table) -> dict[str, dict]:
    return {r["key"]: r for r in table.rows}


def test_year_end_tables_on_a_small_known_data_set(cast):
    _known_data_set(cast)
    tables = {table.key: table for table in year_end_tables(cast.tree.p, YEAR)}
    assert list(tables) == ["changes", "admitted", "education", "qualification", "political_theory", "occupation",
                            "ethnicity", "religion", "grassroots_by_kind", "grassroots_by_sector",
                            "classification"]
    changes = _rows(tables["changes"])
    assert (changes["opening"]["total"], changes["increase"]["total"], changes["admitted"]["total"]) == (5, 1, 1)
    assert (changes["decrease"]["total"], changes["closing"]["total"]) == (0, 6)
    assert (changes["closing"]["official"], changes["closing"]["probationary"]) == (5, 1)
    admitted = _rows(tables["admitted"])
    assert (admitted["admitted"]["count"], admitted["women"]["count"], admitted["civil_servant"]["count"]) == (1, 1, 1)
    assert admitted["women"]["share"] == 1.0 and admitted["residential"]["count"] == 0
    counts = {key: {k: r["count"] for k, r in _rows(tables[key]).items() if r["count"]} for key in
              ("education", "qualification", "political_theory", "occupation", "ethnicity", "religion")}
    assert counts == {
        "education": {"primary": 1, "lower_secondary": 1, "upper_secondary": 4},
        "qualification": {"none": 5, "university": 1},
        "political_theory": {"none": 5, "intermediate": 1},
        "occupation": {"teacher": 2, "civil_servant": 1, "other": 3},
        "ethnicity": {"01": 4, "minority": 2, "02": 1, "03": 1},
        "religion": {"none": 4, "religious": 2, "buddhism": 1, "catholicism": 1},
    }
    assert [r["key"] for r in tables["ethnicity"].rows] == ["01", "minority", "02", "03"]
    assert _rows(tables["ethnicity"])["02"]["level"] == 1
    for key in ("education", "ethnicity", "religion"):
        assert tables[key].total == {"key": "total", "label": "Total", "level": 0, "count": 6, "share": 1.0}
    assert _rows(tables["education"])["upper_secondary"]["share"] == round(4 / 6, 4)
    by_kind, by_sector = _rows(tables["grassroots_by_kind"]), _rows(tables["grassroots_by_sector"])
    assert (by_kind["grassroots_committee"]["organizations"], by_kind["grassroots_committee"]["members"]) == (1, 6)
    assert (by_kind["grassroots_cell"]["organizations"], by_sector["school"]["members"]) == (0, 6)
    assert tables["grassroots_by_sector"].total["organizations"] == 1


def test_the_year_end_pass_and_the_day_breakdown_agree(cast):
    """year_end_tables reads the members of 31 December from the balance's pass; the tables of one
    day (profile_tables…) from their own snapshot: the same members."""
    _known_data_set(cast)
    _every_cause(cast)
    t = cast.tree
    for unit in (t.root, t.p, t.k2, t.q):
        _changes, members = balance_and_breakdown(unit, START, END)
        assert members.by == breakdown(unit, END).by, unit.code
    assert profile_tables(t.p, YEAR) == [table for table in year_end_tables(t.p, YEAR)
                                         if table.key in ("education", "qualification", "political_theory",
                                                          "occupation")]


def test_grassroots_tables_follow_the_structure_of_the_year_end(cast):
    t = cast.tree
    restructuring.move_unit(t.g, actor=SYSTEM, new_parent=t.qc, on=D(YEAR + 1, 2, 1))
    tables = {table.key: table for table in year_end_tables(t.q, YEAR)}
    by_kind = _rows(tables["grassroots_by_kind"])
    assert (by_kind["grassroots_cell"]["organizations"], by_kind["grassroots_cell"]["members"]) == (1, 1)
    assert by_kind["grassroots_committee"]["organizations"] == 0  # G came to Q only the next year
    assert _rows(tables["grassroots_by_sector"])["residential"]["members"] == 1
    assert _rows(tables["changes"])["closing"]["total"] == 1


def _queries(unit) -> int:
    with CaptureQueriesContext(connection) as ctx:
        year_end_tables(unit, YEAR)
    return len(ctx.captured_queries)


def test_year_end_tables_take_a_constant_number_of_queries(cast, django_assert_max_num_queries):
    t = cast.tree
    few = _queries(t.p)
    _known_data_set(cast)
    _every_cause(cast)
    for name in ("Phan Văn Bảy", "Phan Văn Tám", "Phan Thị Chín", "Phan Thị Mười", "Phan Văn Tư"):
        make_member(t.k2, name)
    assert _queries(t.p) == few
    # sql.run: on PostgreSQL the big queries come with their planner settings, read and put back
    per_run = 4 if connection.vendor == "postgresql" else 1
    with django_assert_max_num_queries(5 + per_run):  # the fifth: the review's tally (classification)
        year_end_tables(t.p, YEAR)
    with django_assert_max_num_queries(1 + per_run):
        members_as_of(t.p, D(YEAR, 6, 30))
    with django_assert_max_num_queries(per_run):
        members_as_of(t.p, timezone.localdate())
    with django_assert_max_num_queries(1 + per_run):
        changes_by_cause(t.p, START, END)


def test_the_planner_settings_do_not_outlive_the_query(cast):
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_hashjoin'), current_setting('jit')")
        before = cursor.fetchone()
        members_as_of(cast.tree.p, D(YEAR, 6, 30))
        cursor.execute("SELECT current_setting('enable_hashjoin'), current_setting('jit')")
        assert cursor.fetchone() == before
