import datetime as dt

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.core.errors import DomainError, PermissionDenied
from chibo.dues import arrears, closing, services
from chibo.dues.ledger import member_months
from chibo.dues.models import Arrear, ArrearsTally, MonthClose, MonthLine, Payment

pytestmark = pytest.mark.django_db
MARCH = dt.date(2026, 3, 1)


def _bases(cast):
    jan = dt.date(2026, 1, 1)
    services.set_basis(cast.sec_m, actor=SYSTEM, category="salaried", income=8_450_000, from_month=jan)
    services.set_basis(cast.plain_m, actor=SYSTEM, category="pensioner", income=5_300_000, from_month=jan)
    services.set_basis(cast.other_m, actor=SYSTEM, category="student", income=0, from_month=jan)


def test_closing_a_province_freezes_every_cell_with_the_ledger_figures(cast):
    _bases(cast)
    services.record_payment(cast.sec_m, actor=cast.secretary, months=[MARCH], amount=85_000, receipt="BL-001")
    Payment.objects.create(member=cast.plain_m, month=MARCH, amount=10_000, method="portal", portal_ref="DVC-1",
                           paid_on=MARCH, unit=cast.tree.k)  # a portal row below the due amount
    assert closing.close_month(cast.tree.p, MARCH, actor=cast.province) == 2  # K and K2
    close = MonthClose.objects.get(unit=cast.tree.k, month=MARCH)
    lines = {ln.member_id: (ln.due, ln.paid, ln.state) for ln in MonthLine.objects.filter(close=close)}
    assert lines == {
        cast.sec_m.pk: (85_000, 85_000, "paid"),
        cast.plain_m.pk: (27_000, 10_000, "partly"),  # 0.5 % of 5,300,000 = 26,500 -> 27,000
        cast.other_m.pk: (5_000, 0, "unpaid"),
    }
    assert (close.members, close.unpaid_members, close.due, close.paid, close.unpaid) == (3, 2, 117_000, 95_000, 22_000)
    assert (close.retained, close.remitted) == (28_500, 66_500)
    live = member_months([cast.sec_m.pk, cast.plain_m.pk, cast.other_m.pk], 2026, today=dt.date(2026, 3, 31))
    for pk, (due, paid, state) in lines.items():
        assert (live[pk][2].due, live[pk][2].paid, live[pk][2].state) == (due, paid, state)
    assert Arrear.objects.filter(year=2026).count() == 2
    tally = {t.unit_id: (t.members, t.months, t.amount) for t in ArrearsTally.objects.filter(year=2026)}
    assert tally[cast.tree.root.pk] == tally[cast.tree.k.pk] == (2, 2, 22_000)
    assert arrears.verify() == []


def test_a_closed_month_refuses_payments_until_the_committee_reopens_it(cast):
    _bases(cast)
    closing.close_month(cast.tree.k, MARCH, actor=cast.secretary)
    with pytest.raises(DomainError):
        services.record_payment(cast.other_m, actor=cast.secretary, months=[MARCH], amount=5_000, receipt="B")
    close = MonthClose.objects.get(unit=cast.tree.k, month=MARCH)
    with pytest.raises(PermissionDenied):
        closing.reopen_month(close, actor=cast.secretary)
    closing.reopen_month(close, actor=cast.commune)
    assert Arrear.objects.count() == 0
    assert set(ArrearsTally.objects.values_list("members", "months", "amount")) == {(0, 0, 0)}
    services.record_payment(cast.other_m, actor=cast.secretary, months=[MARCH], amount=5_000, receipt="B")
    closing.close_month(cast.tree.k, MARCH, actor=cast.secretary)
    assert arrears.verify() == []
    assert set(Arrear.objects.values_list("member_id", flat=True)) == {cast.sec_m.pk, cast.plain_m.pk}
