"""Party age (members.party_age): from the first admission decision minus the gaps; two gaps,
readmission after removal (members.services.readmit closes the gap), 29 February, boundaries."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.members import party_age, services
from chibo.members.enums import GapKind
from chibo.members.models import Member, MembershipGap
from tests.factories.registry import make_member

D = dt.date


@pytest.mark.parametrize(("start", "end", "expected"), [
    (D(2000, 1, 31), D(2000, 2, 29), (0, 1, 0)),  # a month from the 31st ends on the last day of February
    (D(2000, 1, 31), D(2000, 3, 1), (0, 1, 1)),  # 31 Jan + 1 month is 29 Feb (clamped)
    (D(2000, 5, 19), D(2010, 5, 18), (9, 11, 29)),
    (D(2000, 5, 19), D(2010, 5, 19), (10, 0, 0)),
    (D(2000, 5, 19), D(2000, 5, 19), (0, 0, 0)),
    (D(2000, 5, 19), D(1999, 5, 19), (0, 0, 0)),  # before the start: nothing
])
def test_span_at_its_boundaries(start, end, expected):
    assert party_age.span(start, end) == expected


def test_29_february_reaches_its_years_on_28_february_of_a_common_year():
    assert party_age.span(D(1996, 2, 29), D(2026, 2, 27)) == (29, 11, 29)
    assert party_age.span(D(1996, 2, 29), D(2026, 2, 28))[:2] == (30, 0)
    assert party_age.span(D(1996, 2, 29), D(2024, 2, 29)) == (28, 0, 0)
    assert party_age.reaches_on(30, D(2026, 2, 28)) == D(1996, 2, 29)  # the latest start reaching 30 that day
    assert party_age.reaches_on(30, D(2026, 2, 27)) == D(1996, 2, 27)
    assert party_age.reaches_on(1, D(2024, 2, 29)) == D(2023, 2, 28)
    assert party_age.reaches_on(4, D(2024, 2, 29)) == D(2020, 2, 29)


def test_reaches_on_agrees_with_span_every_day_of_four_years():
    day = D(2024, 1, 1)
    while day < D(2028, 1, 1):
        latest = party_age.reaches_on(30, day)
        assert party_age.span(latest, day)[0] >= 30, day
        assert party_age.span(latest + dt.timedelta(days=1), day)[0] < 30, day
        day += dt.timedelta(days=1)


def test_shifted_start_counts_only_closed_gaps_after_admission():
    gaps = [(D(2005, 1, 1), D(2006, 1, 1)), (D(2010, 3, 1), D(2010, 4, 1)), (D(1999, 1, 1), D(2000, 1, 1))]
    assert party_age.shifted_start(D(2000, 5, 19), gaps) == D(2000, 5, 19) + dt.timedelta(days=365 + 31)


def test_an_open_gap_stops_the_age_on_its_first_day():
    age = party_age.age_on(D(2000, 5, 19), D(2026, 1, 1), open_gap_from=D(2020, 5, 19))
    assert (age.years, age.months, age.days, age.paused_on) == (20, 0, 0, D(2020, 5, 19))
    later = party_age.age_on(D(2000, 5, 19), D(2019, 1, 1), open_gap_from=D(2020, 5, 19))
    assert later.paused_on is None and later.years == 18


def test_two_gaps_move_the_age_later(cast):
    m = make_member(cast.tree.k, "Hai Khoảng Trống", admission_date=D(2000, 5, 19), ceremony_date=D(2000, 6, 1),
                    official_date=D(2001, 6, 1), birth_date=D(1975, 1, 1))
    party_age.open_gap(m, kind=GapKind.LOST_CONTACT, on=D(2005, 1, 1))
    assert party_age.of_member(m, D(2006, 6, 1)).paused_on == D(2005, 1, 1)
    party_age.close_gap(m, on=D(2006, 1, 1))  # 365 days away
    party_age.record_gap(m, kind=GapKind.TRANSFER, start=D(2010, 3, 1), end=D(2010, 4, 1))  # 31 days
    m.refresh_from_db()
    assert m.party_since == D(2000, 5, 19) + dt.timedelta(days=396)
    age = party_age.of_member(m, D(2026, 5, 19))
    assert (age.years, age.months, age.paused_on) == (24, 11, None)
    assert MembershipGap.objects.filter(member=m).count() == 2


def test_readmission_after_removal_closes_the_gap(cast):
    m = make_member(cast.tree.k, "Được Kết Nạp Lại", admission_date=D(2000, 5, 19), ceremony_date=D(2000, 6, 1),
                    official_date=D(2001, 6, 1), birth_date=D(1975, 1, 1))
    services.change_status(m, actor=SYSTEM, status="removed", on=D(2015, 1, 1))
    party_age.open_gap(m, kind=GapKind.REMOVED, on=D(2015, 1, 1))
    assert party_age.of_member(Member.objects.get(pk=m.pk), D(2020, 1, 1)).years == 14  # stood still
    services.readmit(Member.objects.get(pk=m.pk), actor=SYSTEM, unit=cast.tree.k, on=D(2019, 1, 1))
    m.refresh_from_db()
    assert m.admission_date == D(2019, 1, 1)  # the new membership's decision
    assert m.party_since == D(2000, 5, 19) + (D(2019, 1, 1) - D(2015, 1, 1))  # the first, moved by the gap
    assert MembershipGap.objects.get(member=m).valid_to == D(2019, 1, 1)
    age = party_age.of_member(m, D(2026, 5, 19))
    assert (age.years, age.paused_on) == (22, None)


def test_readmission_of_a_record_without_a_gap_records_one_from_the_leaving_day(cast):
    m = make_member(cast.tree.k, "Hồ Sơ Cũ", admission_date=D(2000, 5, 19), ceremony_date=D(2000, 6, 1),
                    official_date=D(2001, 6, 1), birth_date=D(1975, 1, 1))
    services.change_status(m, actor=SYSTEM, status="removed", on=D(2015, 1, 1))
    services.readmit(Member.objects.get(pk=m.pk), actor=SYSTEM, unit=cast.tree.k, on=D(2019, 1, 1))
    m.refresh_from_db()
    assert m.party_since == D(2000, 5, 19) + (D(2019, 1, 1) - D(2015, 1, 1))
    gap = MembershipGap.objects.get(member=m)
    assert (gap.kind, gap.valid_from, gap.valid_to) == (GapKind.REMOVED, D(2015, 1, 1), D(2019, 1, 1))


def test_no_admission_no_age(cast):
    m = Member(admission_date=None)
    assert party_age.of_member(m, D(2026, 1, 1)) is None
