import datetime as dt

import pytest

from chibo.dues import grounds
from chibo.dues.models import Payment

pytestmark = pytest.mark.django_db


def _pay(member, month, amount=10000):
    Payment.objects.create(member=member, month=month, amount=amount, method="cash", receipt="R1",
                           paid_on=month, unit_id=member.unit_id)


def test_unpaid_months_count_only_owed_months_up_to_today(cast):
    m = cast.plain_m
    for month in (1, 2, 4):
        _pay(m, dt.date(2026, month, 1), 100000)
    got = grounds.unpaid_months([m.pk, cast.other_m.pk], 2026, today=dt.date(2026, 5, 3))
    assert got[m.pk] == [dt.date(2026, 3, 1), dt.date(2026, 5, 1)]
    assert got[cast.other_m.pk] == [dt.date(2026, m, 1) for m in range(1, 6)]


def test_removal_threshold_is_three_and_the_ground_starts_at_three(cast):
    m = cast.plain_m
    assert grounds.removal_threshold(2026) == 3
    assert grounds.removal_ground([m.pk], 2026, today=dt.date(2026, 2, 28)) == {}
    assert grounds.removal_ground([m.pk], 2026, today=dt.date(2026, 3, 1)) == {
        m.pk: [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)]}


def test_months_before_admission_and_after_leaving_are_not_owed(cast):
    m = cast.plain_m
    m.admission_date = dt.date(2026, 3, 15)
    m.status, m.status_since = "deceased", dt.date(2026, 6, 1)
    m.save(update_fields=["admission_date", "status", "status_since"])
    got = grounds.unpaid_months([m.pk], 2026, today=dt.date(2026, 12, 31))
    assert got[m.pk] == [dt.date(2026, 3, 1), dt.date(2026, 4, 1), dt.date(2026, 5, 1)]
