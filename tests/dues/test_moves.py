"""A member transferred between cells: each month is closed once, in the cell of that month (the
official placement on its last day); a payment checks that cell's close; the arrears follow."""

import datetime as dt

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.core.errors import DomainError
from chibo.dues import arrears, closing, services
from chibo.dues.models import Arrear, ArrearsTally, MonthClose, MonthLine, Payment
from chibo.imports.services import import_path
from chibo.members.enums import Status
from chibo.members.models import Placement
from chibo.members.services import change_status, transfer_member

pytestmark = pytest.mark.django_db
JAN, FEB = dt.date(2026, 1, 1), dt.date(2026, 2, 1)
JAN_DUE, DUE = 26_500, 27_000  # 0.5 % of 5,300,000, to the 100 đ (2011 rule), to the 1,000 đ (from 02/2026)


def _setup(cast):
    services.set_basis(cast.plain_m, actor=SYSTEM, category="pensioner", income=5_300_000, from_month=JAN)
    return cast.plain_m


def _move(cast, on=dt.date(2026, 2, 2)):
    return transfer_member(cast.plain_m, actor=SYSTEM, to_unit=cast.tree.qk, on=on, decision="QĐ 1")


def _lines(member, month):
    return sorted(MonthLine.objects.filter(member=member, close__month=month, close__reopened_at__isnull=True)
                  .values_list("close__unit__code", "state"))


def test_a_month_is_closed_once_in_the_cell_of_that_month(cast):
    member = _setup(cast)
    closing.close_month(cast.tree.k, JAN, actor=cast.secretary)
    _move(cast)
    closing.close_month(cast.tree.qk, JAN, actor=cast.outsider)
    assert _lines(member, JAN) == [("K", "unpaid")]
    assert MonthClose.objects.get(unit=cast.tree.qk, month=JAN).members == 1  # far_m alone
    assert Arrear.objects.get(member=member).months == 1
    assert arrears.verify() == []


def test_a_cell_closes_its_month_for_a_member_who_has_since_left_it(cast):
    member = _setup(cast)
    _move(cast)  # transferred before either cell closed January
    closing.close_month(cast.tree.qk, JAN, actor=cast.outsider)
    closing.close_month(cast.tree.p, JAN, actor=cast.province)
    closing.close_month(cast.tree.root, FEB, actor=SYSTEM)
    assert _lines(member, JAN) == [("K", "unpaid")]
    assert _lines(member, FEB) == [("QK", "unpaid")]
    assert MonthClose.objects.get(unit=cast.tree.k, month=FEB).members == 2
    assert arrears.verify() == []


def test_a_transfer_dated_back_after_a_close_makes_no_second_line(cast):
    member = _setup(cast)
    closing.close_month(cast.tree.k, JAN, actor=cast.secretary)
    _move(cast, on=dt.date(2026, 1, 15))  # QK's placement now covers 31 January
    closing.close_month(cast.tree.qk, JAN, actor=cast.outsider)
    assert _lines(member, JAN) == [("K", "unpaid")]
    assert Arrear.objects.get(member=member).months == 1
    assert arrears.verify() == []


def test_a_payment_checks_the_close_of_the_cell_of_that_month(cast, tmp_path):
    member = _setup(cast)
    closing.close_month(cast.tree.k, JAN, actor=cast.secretary)
    _move(cast)
    with pytest.raises(DomainError) as error:
        services.record_payment(member, actor=SYSTEM, months=[JAN], amount=JAN_DUE, receipt="B-1")
    assert "01/2026 is closed" in str(error.value.field_errors["months"][0])
    statement = tmp_path / "s.csv"
    statement.write_text("transaction_id,citizen_id,card_number,month,amount,paid_on\n"
                         f"DVC-1,{member.citizen_id},,01/2026,{JAN_DUE},2026-02-10\n", encoding="utf-8")
    result = import_path(statement, "dues_portal", actor=cast.outsider)
    assert not result.ok and result.errors[0]["column"] == "month" and "closed" in result.errors[0]["message"]
    assert Payment.objects.count() == 0
    services.record_payment(member, actor=SYSTEM, months=[FEB], amount=DUE, receipt="B-2")  # not closed anywhere


def test_a_payment_at_the_new_cell_counts_in_the_old_cell_s_later_close(cast):
    member = _setup(cast)
    _move(cast)
    services.record_payment(member, actor=SYSTEM, months=[JAN], amount=JAN_DUE, receipt="B-1")
    closing.close_month(cast.tree.k, JAN, actor=cast.secretary)
    assert _lines(member, JAN) == [("K", "paid")]
    assert not Arrear.objects.filter(member=member).exists()


def _tally(unit):
    t = ArrearsTally.objects.filter(unit=unit, year=2026).first()
    return (t.members, t.months, t.amount) if t else (0, 0, 0)


def test_the_arrears_follow_the_member_and_go_back_when_the_close_is_reopened(cast):
    member = _setup(cast)
    closing.close_month(cast.tree.k, JAN, actor=cast.secretary)  # sec_m and other_m in arrears there too
    k_before = _tally(cast.tree.k)
    assert Arrear.objects.get(member=member).unit_id == cast.tree.k.pk
    _move(cast)
    closing.close_month(cast.tree.qk, FEB, actor=cast.outsider)
    arrear = Arrear.objects.get(member=member)
    assert (arrear.unit_id, arrear.unit_path, arrear.months, arrear.amount) == (
        cast.tree.qk.pk, cast.tree.qk.path, 2, JAN_DUE + DUE)
    far = Arrear.objects.get(member=cast.far_m).amount  # far_m (no basis) is in arrears at QK too
    assert _tally(cast.tree.k) == _tally(cast.tree.p) == (k_before[0] - 1, k_before[1] - 1, k_before[2] - JAN_DUE)
    assert _tally(cast.tree.qk) == _tally(cast.tree.q) == (2, 3, JAN_DUE + DUE + far)
    assert arrears.verify() == []
    closing.reopen_month(MonthClose.objects.get(unit=cast.tree.qk, month=FEB), actor=cast.outsider)
    arrear = Arrear.objects.get(member=member)
    assert (arrear.unit_id, arrear.months, arrear.amount) == (cast.tree.k.pk, 1, JAN_DUE)
    assert _tally(cast.tree.k) == k_before
    assert _tally(cast.tree.qk) == (0, 0, 0)
    assert arrears.verify() == []


def test_a_late_close_of_the_old_cell_leaves_the_arrears_with_the_newer_month(cast):
    member = _setup(cast)
    _move(cast)
    closing.close_month(cast.tree.qk, FEB, actor=cast.outsider)
    closing.close_month(cast.tree.k, JAN, actor=cast.secretary)
    arrear = Arrear.objects.get(member=member)
    assert (arrear.unit_id, arrear.months, arrear.amount) == (cast.tree.qk.pk, 2, JAN_DUE + DUE)
    assert not Arrear.objects.filter(unit=cast.tree.k, member=member).exists()
    assert arrears.verify() == []


def test_a_temporary_transfer_pays_at_home_and_an_exempted_member_still_owes(cast):
    """DOMAIN §8: a member temporarily attached elsewhere pays in the home cell; exemption from
    work and meetings is no dues exemption (only a relief or the party age is)."""
    member = _setup(cast)
    transfer_member(member, actor=SYSTEM, to_unit=cast.tree.qk, on=dt.date(2026, 1, 5), kind="temporary")
    change_status(cast.other_m, actor=SYSTEM, status=Status.EXEMPTED, on=dt.date(2025, 6, 1))
    closing.close_month(cast.tree.root, JAN, actor=SYSTEM)
    assert _lines(member, JAN) == [("K", "unpaid")]
    assert _lines(cast.other_m, JAN) == [("K", "unpaid")]
    assert MonthLine.objects.get(member=cast.other_m).due > 0
    with pytest.raises(DomainError):  # K closed it: not payable anywhere until reopened
        services.record_payment(member, actor=SYSTEM, months=[JAN], amount=JAN_DUE, receipt="B-1")


def test_a_member_who_left_during_the_month_is_closed_where_they_were_on_their_last_day(cast):
    """Also when the leaving ended the placement (as in data sets loaded from elsewhere)."""
    member = _setup(cast)
    left_on = dt.date(2026, 1, 20)
    change_status(member, actor=SYSTEM, status=Status.REMOVED, on=left_on)
    Placement.objects.filter(member=member, valid_to__isnull=True).update(valid_to=left_on)
    closing.close_month(cast.tree.root, JAN, actor=SYSTEM)
    closing.close_month(cast.tree.root, FEB, actor=SYSTEM)
    assert _lines(member, JAN) == [("K", "unpaid")]
    assert _lines(member, FEB) == []
    with pytest.raises(DomainError):
        services.record_payment(member, actor=SYSTEM, months=[JAN], amount=JAN_DUE, receipt="B-1")
    assert arrears.verify() == []
