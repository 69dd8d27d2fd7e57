import datetime as dt

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.core.errors import DomainError
from chibo.dues import closing, services
from chibo.dues.ledger import member_months
from chibo.dues.models import MonthLine

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 31)


def _months(member):
    return {v.month.month: (v.state, v.due) for v in member_months([member.pk], 2026, today=TODAY)[member.pk]}


def test_a_reduction_ending_mid_year_is_honoured_month_by_month(cast):
    m = cast.plain_m
    services.set_basis(m, actor=SYSTEM, category="salaried", income=8_450_000, from_month=dt.date(2026, 2, 1))
    services.decide_relief(m, actor=SYSTEM, kind="reduction", ground="hardship", percent=70,
                           from_month=dt.date(2026, 9, 1), months=12, decision="NQ 9", decided_on=dt.date(2026, 8, 20))
    relief = m.dues_reliefs.get()
    services.end_relief(relief, actor=SYSTEM, last_month=dt.date(2026, 10, 1))  # ended after two months
    months = _months(m)
    assert months[8] == ("unpaid", 85_000)
    assert months[9] == months[10] == ("unpaid", 26_000)  # 70 % off 85,000 = 25,500 -> 26,000
    assert months[11] == ("unpaid", 85_000)
    # the close computes the same, month by month
    for month in (9, 11):
        closing.close_month(cast.tree.k, dt.date(2026, month, 1), actor=SYSTEM)
    lines = dict(MonthLine.objects.filter(member=m).values_list("close__month", "due"))
    assert lines == {dt.date(2026, 9, 1): 26_000, dt.date(2026, 11, 1): 85_000}


def test_a_reduction_lasts_at_most_twelve_months_and_is_30_50_or_70(cast):
    m = cast.plain_m
    with pytest.raises(DomainError) as refused:
        services.decide_relief(m, actor=SYSTEM, kind="reduction", ground="hardship", percent=40,
                               from_month=dt.date(2026, 1, 1), months=13, decision="x", decided_on=TODAY)
    assert set(refused.value.field_errors) == {"percent", "months"}


def test_overlapping_reliefs_are_refused(cast):
    m = cast.plain_m
    services.decide_relief(m, actor=SYSTEM, kind="exemption", ground="serious_illness", from_month=dt.date(2026, 3, 1),
                           months=None, decision="NQ 1", decided_on=dt.date(2026, 2, 25))
    with pytest.raises(DomainError):
        services.decide_relief(m, actor=SYSTEM, kind="reduction", ground="hardship", percent=50,
                               from_month=dt.date(2026, 6, 1), months=3, decision="NQ 2", decided_on=TODAY)
    months = _months(m)
    assert months[2] == ("unpaid", 10_000) and months[3] == ("exempt", 0) and months[12] == ("exempt", 0)


def test_a_party_age_of_fifty_exempts_from_the_month_it_is_reached(cast):
    m = cast.plain_m
    m.admission_date = dt.date(1976, 7, 15)
    m.save(update_fields=["admission_date"])
    months = _months(m)
    assert months[6] == ("unpaid", 10_000)
    assert months[7] == ("exempt", 0)
    closing.close_month(cast.tree.k, dt.date(2026, 7, 1), actor=SYSTEM)
    assert MonthLine.objects.get(member=m).state == "exempt"
    # a gap moved the party age later: not yet 50 in July
    m.party_since = dt.date(1977, 1, 1)
    m.save(update_fields=["party_since"])
    assert _months(m)[8] == ("unpaid", 10_000)


def test_a_payment_is_refused_for_exempt_paid_or_future_months(cast):
    m = cast.plain_m
    services.decide_relief(m, actor=SYSTEM, kind="exemption", ground="poor_household", from_month=dt.date(2026, 3, 1),
                           months=1, decision="NQ 3", decided_on=dt.date(2026, 2, 25))
    with pytest.raises(DomainError) as refused:
        services.record_payment(m, actor=cast.secretary, months=[dt.date(2026, 3, 1), dt.date(2027, 1, 1)],
                                amount=20_000, receipt="BL-1")
    assert len(refused.value.field_errors["months"]) == 2
    services.record_payment(m, actor=cast.secretary, months=[dt.date(2026, 4, 1)], amount=10_000, receipt="BL-2")
    with pytest.raises(DomainError):
        services.record_payment(m, actor=cast.secretary, months=[dt.date(2026, 4, 1)], amount=10_000, receipt="BL-3")
