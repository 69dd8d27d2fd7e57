"""The as-of statistics read the leaving records: an exemption counts on the days it covered, also
once it ended (the return, or the member leaving), and an annulled removal means the member never
left. On the fixed tree (tests/conftest.py): K holds the secretary, An and Cường, official since 2011.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from chibo.accounts.policy import SYSTEM
from chibo.members import tallies
from chibo.members.leaving import complaints, services
from chibo.members.models import UnitMemberTally
from chibo.reports.statistics import balance, breakdown, members_as_of

D = dt.date
EXEMPTED, RETURNED = D(2026, 1, 10), D(2026, 4, 1)
REMOVED, ANNULLED = D(2026, 5, 4), D(2026, 6, 15)
THREE_OFFICIAL = {"total": 3, "official": 3, "probationary": 0, "exempted": 0}
ONE_EXEMPTED = {"total": 3, "official": 2, "probationary": 0, "exempted": 1}


def _exempt(member, on: dt.date = EXEMPTED):
    return services.exempt(member, actor=SYSTEM, kind="age_health", applied_on=on, reason="Tuổi cao, sức khỏe yếu",
                           resolved_on=on, resolution="07-NQ/CB")


def _return(member, on: dt.date = RETURNED):
    return services.end_exemption(member, actor=SYSTEM, asked_on=on, returned_on=on, resolution="09-NQ/CB")


def _remove(member, on: dt.date = REMOVED):
    removal = services.propose_removal(member, actor=SYSTEM, ground="no_progress", proposed_on=on,
                                       proposal="03-NQ/CB", note="Không tiến bộ sau nhiều lần giúp đỡ")
    return services.decide_removal(removal, actor=SYSTEM, decided_on=on, decision="15-QĐ/ĐU")


def _annul(member, removal, on: dt.date = ANNULLED):
    complaint = complaints.lodge(member, actor=SYSTEM, against=removal, lodged_on=REMOVED + dt.timedelta(days=10),
                                 text="Tôi vẫn sinh hoạt đều")
    complaints.settle(complaint, actor=SYSTEM, outcome="annulled", decided_on=on, decision="40-QĐ/UBKT",
                      body="Ủy ban Kiểm tra Đảng ủy xã")


def _exact(unit, start: dt.date, end: dt.date):
    """The balance of the period, checked against the days it starts and ends on."""
    b = balance(unit, start, end)
    assert b.gap == 0
    assert b.opening == members_as_of(unit, start - dt.timedelta(days=1))
    assert b.closing == members_as_of(unit, end)
    return b


def _today_is_the_tally(unit) -> None:
    tally = UnitMemberTally.objects.get(unit=unit).as_dict()
    assert members_as_of(unit, timezone.localdate()) == {k: tally[k] for k in THREE_OFFICIAL}
    assert tallies.verify() == []


# ---- finding 1: an ended exemption keeps its past days ------------------------------------------

def test_an_ended_exemption_still_counts_on_the_days_it_covered(cast):
    k = cast.tree.k
    _exempt(cast.plain_m)
    assert members_as_of(k, D(2026, 2, 1)) == ONE_EXEMPTED
    _return(cast.plain_m)
    assert members_as_of(k, D(2026, 2, 1)) == ONE_EXEMPTED  # the return does not rewrite February
    assert members_as_of(k, EXEMPTED - dt.timedelta(days=1)) == THREE_OFFICIAL
    assert members_as_of(k, EXEMPTED) == ONE_EXEMPTED
    assert members_as_of(k, RETURNED - dt.timedelta(days=1)) == ONE_EXEMPTED
    assert members_as_of(k, RETURNED) == THREE_OFFICIAL
    assert breakdown(k, D(2026, 2, 1)).by["status"]["exempted"] == 1
    for unit in (k, cast.tree.p, cast.tree.root):
        assert members_as_of(unit, D(2026, 2, 1))["exempted"] == 1
        _today_is_the_tally(unit)
    b = _exact(k, D(2026, 1, 1), D(2026, 2, 28))
    assert (b.opening["exempted"], b.closing["exempted"]) == (0, 1)
    b = _exact(k, D(2026, 2, 1), D(2026, 4, 30))
    assert (b.opening["exempted"], b.closing["exempted"]) == (1, 0)


def test_two_exemptions_and_one_still_running(cast):
    k = cast.tree.k
    _exempt(cast.plain_m)
    _return(cast.plain_m)
    _exempt(cast.plain_m, D(2026, 9, 1))
    _exempt(cast.other_m, D(2026, 3, 1))
    assert members_as_of(k, D(2026, 2, 1)) == ONE_EXEMPTED
    assert members_as_of(k, D(2026, 3, 15))["exempted"] == 2
    assert members_as_of(k, D(2026, 5, 1))["exempted"] == 1
    assert members_as_of(k, D(2026, 10, 1))["exempted"] == 2
    _exact(k, D(2026, 1, 1), D(2026, 10, 31))
    _today_is_the_tally(k)


def test_a_working_away_exemption_ended_by_the_daily_job_counts_to_its_planned_end(cast):
    k = cast.tree.k
    services.exempt(cast.plain_m, actor=SYSTEM, kind="working_away", applied_on=EXEMPTED, reason="Đi làm xa",
                    resolved_on=EXEMPTED, resolution="07-NQ/CB", ends_on=D(2026, 9, 1))
    assert services.end_working_away_exemptions(D(2026, 11, 1)) == 1
    assert members_as_of(k, D(2026, 9, 1)) == ONE_EXEMPTED
    assert members_as_of(k, D(2026, 9, 2)) == THREE_OFFICIAL
    _exact(k, D(2026, 1, 1), D(2026, 9, 1))
    _today_is_the_tally(k)


def test_an_exempted_member_who_leaves_counts_as_exempted_until_then(cast):
    k = cast.tree.k
    _exempt(cast.plain_m)
    _remove(cast.plain_m, D(2026, 3, 2))
    assert members_as_of(k, D(2026, 2, 1)) == ONE_EXEMPTED
    assert members_as_of(k, D(2026, 3, 2)) == {"total": 2, "official": 2, "probationary": 0, "exempted": 0}
    b = _exact(k, D(2026, 2, 1), D(2026, 3, 31))
    assert (b.opening["exempted"], b.changes["removed"], b.closing["total"]) == (1, 1, 2)
    _today_is_the_tally(k)


def test_the_exemptions_keep_the_number_of_queries(cast, django_assert_max_num_queries):
    per_run = 4 if connection.vendor == "postgresql" else 1
    for member in (cast.plain_m, cast.other_m):
        _exempt(member)
        _return(member)
    with django_assert_max_num_queries(1 + per_run):
        assert members_as_of(cast.tree.p, D(2026, 2, 1))["exempted"] == 2
    with django_assert_max_num_queries(1 + per_run):
        assert balance(cast.tree.p, D(2026, 1, 1), D(2026, 2, 1)).closing["exempted"] == 2


# ---- finding 2: an annulled removal means the member never left ---------------------------------

def test_an_annulled_removal_counts_the_member_throughout(cast):
    k = cast.tree.k
    removal = _remove(cast.plain_m)
    between = REMOVED + dt.timedelta(days=10)
    assert members_as_of(k, between)["total"] == 2  # removed, until the complaint is settled
    assert _exact(k, D(2026, 5, 1), D(2026, 5, 31)).changes["removed"] == 1
    _annul(cast.plain_m, removal)
    for day in (REMOVED - dt.timedelta(days=1), REMOVED, between, ANNULLED - dt.timedelta(days=1), ANNULLED):
        assert members_as_of(k, day) == THREE_OFFICIAL, day
    for start, end in ((D(2026, 5, 1), D(2026, 5, 31)), (D(2026, 5, 20), D(2026, 6, 30)),
                       (D(2026, 1, 1), D(2026, 11, 30))):
        b = _exact(k, start, end)
        assert b.opening == b.closing == THREE_OFFICIAL
        assert b.increase == b.decrease == 0, (start, end)
    _today_is_the_tally(k)


def test_an_annulled_removal_of_an_exempted_member_keeps_the_exemption_running(cast):
    k = cast.tree.k
    _exempt(cast.plain_m)
    removal = _remove(cast.plain_m)
    _annul(cast.plain_m, removal)
    cast.plain_m.refresh_from_db()
    assert (cast.plain_m.status, cast.plain_m.status_since) == ("exempted", ANNULLED)
    for day in (D(2026, 2, 1), REMOVED, REMOVED + dt.timedelta(days=10), ANNULLED):
        assert members_as_of(k, day) == ONE_EXEMPTED, day
    b = _exact(k, D(2026, 5, 1), D(2026, 6, 30))
    assert b.opening == b.closing == ONE_EXEMPTED and b.increase == b.decrease == 0
    _exact(k, D(2026, 1, 1), D(2026, 11, 30))
    _today_is_the_tally(k)
