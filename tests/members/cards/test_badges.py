"""The badge list of an award day against the database: tiers at their boundaries, early awards
for the seriously ill, posthumous awards, awarded members left out, gaps, scope, query counts."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.members import party_age
from chibo.members.cards import badges, services
from chibo.members.cards.enums import BadgeKind
from chibo.members.cards.models import BadgeAward
from chibo.members.enums import GapKind
from chibo.members.models import Member
from tests.factories.registry import make_member

D = dt.date
DAY = D(2026, 5, 19)  # the previous award day: 3 February 2026
READS = 3 + 2  # the three rules (overrides looked up), the on-time and the early read


def _member(cast, name, admitted, unit=None, **kw):
    kw.setdefault("birth_date", D(admitted.year - 25, 1, 1))
    return make_member(unit or cast.tree.k2, name, admission_date=admitted, ceremony_date=admitted,
                       official_date=admitted.replace(year=admitted.year + 1), **kw)


def _due(unit, day=DAY):
    return {(d.full_name, d.tier, d.kind) for d in badges.due_all(unit, day)}


def test_tiers_at_their_boundaries(cast):
    _member(cast, "Trước Một Ngày", D(1996, 2, 3))  # reached 30 on 3 Feb: the previous list
    _member(cast, "Đầu Kỳ", D(1996, 2, 4))
    _member(cast, "Cuối Kỳ", D(1996, 5, 19))
    _member(cast, "Sau Một Ngày", D(1996, 5, 20))
    _member(cast, "Bốn Mươi Năm", D(1986, 3, 1))
    _member(cast, "Năm Mươi Lăm", D(1971, 4, 30))
    _member(cast, "Ba Mươi Lăm", D(1991, 4, 30))  # 35 years: no tier
    assert _due(cast.tree.root) == {("Đầu Kỳ", 30, "regular"), ("Cuối Kỳ", 30, "regular"),
                                    ("Bốn Mươi Năm", 40, "regular"), ("Năm Mươi Lăm", 55, "regular")}


def test_the_seriously_ill_are_due_early_within_their_window(cast):
    ill = _member(cast, "Ốm Nặng", D(1997, 5, 19))  # 30 years on 19 May 2027: 12 months early
    late = _member(cast, "Quá Hạn", D(1997, 5, 20))
    old = _member(cast, "Bảy Mươi", D(1958, 5, 19))  # 70 years on 19 May 2028: 24 months early
    for m in (ill, late, old):
        services.record_illness(m, actor=SYSTEM, valid_from=D(2026, 1, 1))
    _member(cast, "Khỏe Mạnh", D(1997, 5, 19))
    assert _due(cast.tree.root) == {("Ốm Nặng", 30, "early"), ("Bảy Mươi", 70, "early")}
    assert _due(cast.tree.root, D(2025, 11, 7)) == set()  # not ill yet on that day


def test_an_illness_ended_before_the_day_gives_no_early_award(cast):
    ill = _member(cast, "Đã Khỏi", D(1997, 1, 10))
    record = services.record_illness(ill, actor=SYSTEM, valid_from=D(2025, 1, 1))
    services.end_illness(record, actor=SYSTEM, on=D(2026, 5, 19))
    assert _due(cast.tree.root) == set()


def test_posthumous(cast):
    died = _member(cast, "Đã Mất", D(1996, 3, 1))
    Member.objects.filter(pk=died.pk).update(status="deceased", status_since=D(2026, 3, 1))
    short = _member(cast, "Mất Sớm", D(1996, 3, 2))
    Member.objects.filter(pk=short.pk).update(status="deceased", status_since=D(2026, 3, 1))
    ill = _member(cast, "Mất Khi Ốm", D(1996, 12, 1))
    services.record_illness(ill, actor=SYSTEM, valid_from=D(2025, 6, 1))
    Member.objects.filter(pk=ill.pk).update(status="deceased", status_since=D(2026, 3, 1))
    assert _due(cast.tree.root) == {("Đã Mất", 30, "posthumous"), ("Mất Khi Ốm", 30, "posthumous")}


def test_awarded_members_and_open_gaps_are_left_out_and_scope_holds(cast):
    a = _member(cast, "Đã Trao", D(1996, 3, 1))
    _member(cast, "Chờ Trao", D(1996, 3, 2))
    gap = _member(cast, "Mất Liên Lạc", D(1996, 3, 3))
    party_age.open_gap(gap, kind=GapKind.LOST_CONTACT, on=D(2020, 1, 1))
    _member(cast, "Tỉnh Khác", D(1996, 3, 4), unit=cast.tree.qk)
    services.award_badges(cast.tree.c, actor=cast.commune, day=DAY, member_ids=[a.pk], decision="45-QĐ/TU")
    assert BadgeAward.objects.get(member=a).tier == 30
    assert _due(cast.tree.c) == {("Chờ Trao", 30, "regular")}
    assert _due(cast.tree.q) == {("Tỉnh Khác", 30, "regular")}


def test_a_gap_moves_the_tier_later(cast):
    m = _member(cast, "Có Khoảng Trống", D(1995, 3, 1))  # 31 years, but a year away
    party_age.record_gap(m, kind=GapKind.REMOVED, start=D(2000, 1, 1), end=D(2001, 1, 1))
    assert _due(cast.tree.root) == {("Có Khoảng Trống", 30, "regular")}


def test_award_is_all_or_nothing_and_checked(cast):
    due = _member(cast, "Được Trao", D(1996, 3, 1))
    not_due = _member(cast, "Chưa Đến", D(2000, 3, 1))
    with pytest.raises(DomainError):
        services.award_badges(cast.tree.c, actor=cast.commune, day=DAY, member_ids=[due.pk, not_due.pk],
                              decision="1-QĐ")
    with pytest.raises(DomainError):
        services.award_badges(cast.tree.c, actor=cast.commune, day=DAY, member_ids=[due.pk], decision=" ")
    with pytest.raises(DomainError):
        services.award_badges(cast.tree.c, actor=cast.commune, day=D(2026, 5, 20), member_ids=[due.pk],
                              decision="1-QĐ")
    with pytest.raises(PermissionDenied):
        services.award_badges(cast.tree.c, actor=cast.province, day=DAY, member_ids=[due.pk], decision="1-QĐ")
    with pytest.raises(NotFound):
        services.award_badges(cast.tree.c, actor=cast.outsider, day=DAY, member_ids=[due.pk], decision="1-QĐ")
    assert not BadgeAward.objects.exists()
    services.award_badges(cast.tree.c, actor=cast.commune, day=DAY, member_ids=[due.pk], decision="1-QĐ")
    with pytest.raises(DomainError):  # once per tier
        services.award_badges(cast.tree.c, actor=cast.commune, day=DAY, member_ids=[due.pk], decision="1-QĐ")


def test_pages_are_a_keyset_and_each_costs_two_reads_beside_the_rulebook(cast, django_assert_num_queries):
    for i, name in enumerate(("Hà Văn Em", "Lý Thị Ba", "Mai Văn Tư", "Ngô Thị Năm", "Tạ Văn Sáu")):
        _member(cast, name, D(1996, 3, 1 + i))
    with django_assert_num_queries(READS):
        first = badges.due_page(cast.tree.root, DAY, size=3)
    with django_assert_num_queries(READS):
        second = badges.due_page(cast.tree.root, DAY, after=first.next_key, size=3)
    names = [d.full_name for d in first.rows + second.rows]
    assert names == sorted(names, key=lambda n: Member.objects.get(full_name=n).name_folded)
    assert len(names) == 5 and second.next_key is None


def test_not_an_award_day_is_refused(cast):
    with pytest.raises(DomainError):
        badges.plan_for(D(2026, 5, 18))
    assert badges.plan_for(D(2026, 2, 3)).previous == D(2025, 11, 7)
    assert BadgeKind.EARLY == "early"
