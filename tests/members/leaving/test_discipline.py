"""Discipline (the cell reprimands and warns, the committee dismisses and expels), resignation,
death, and complaints with their outcome: an annulled removal or expulsion restores the member."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.core.errors import DomainError, PermissionDenied
from chibo.members import party_age, tallies
from chibo.members.leaving import complaints, services
from chibo.members.leaving.models import Complaint, Departure
from chibo.members.models import Discipline, MembershipGap
from chibo.reports.statistics.counts import members_as_of
from tests.members.leaving.conftest import removed

ON = dt.date(2026, 3, 2)


def _sanction(member, sanction, actor=SYSTEM, **over):
    data = {"kind": sanction, "decided_on": ON, "body": "Đảng ủy Trường THCS Đông Sơn", "decision": "21-QĐ/ĐU",
            "reason": "Vi phạm quy định về những điều đảng viên không được làm", **over}
    return services.discipline(member, actor=actor, **data)


def test_the_cell_warns_but_may_not_expel(cast):
    record = _sanction(cast.plain_m, "warning", actor=cast.secretary)
    assert (record.unit_id, record.status_before) == (cast.tree.k.pk, "official")
    with pytest.raises(PermissionDenied):
        _sanction(cast.plain_m, "expulsion", actor=cast.secretary)
    cast.plain_m.refresh_from_db()
    assert cast.plain_m.status == "official" and Discipline.objects.count() == 1


def test_an_expulsion_sets_expelled_opens_a_gap_and_is_a_decrease_that_day(cast):
    record = _sanction(cast.plain_m, "expulsion", actor=cast.commune, bars_readmission=True)
    assert (record.unit_id, record.bars_readmission) == (cast.tree.g.pk, True)
    cast.plain_m.refresh_from_db()
    assert (cast.plain_m.status, cast.plain_m.status_since) == ("expelled", ON)
    assert MembershipGap.objects.get(member=cast.plain_m).kind == "expelled"
    assert tallies.verify() == []
    assert members_as_of(cast.tree.k, ON - dt.timedelta(days=1))["total"] == 3
    assert members_as_of(cast.tree.k, ON)["total"] == 2


def test_a_lesser_sanction_never_bars_readmission(cast):
    assert _sanction(cast.plain_m, "dismissal", bars_readmission=True).bars_readmission is False


@pytest.mark.parametrize(("field", "value"), [("reason", ""), ("decided_on", dt.date(2099, 1, 1)), ("kind", "fine")])
def test_bad_sanctions_change_nothing(cast, field, value):
    with pytest.raises(DomainError) as err:
        _sanction(cast.plain_m, "expulsion", **{field: value})
    assert field in err.value.field_errors
    cast.plain_m.refresh_from_db()
    assert cast.plain_m.status == "official" and not Discipline.objects.exists() and not MembershipGap.objects.exists()


def test_a_resignation_is_decided_by_the_committee(cast):
    with pytest.raises(PermissionDenied):
        services.resign(cast.plain_m, actor=cast.secretary, on=ON, decision="30-QĐ/ĐU")
    departure = services.resign(cast.plain_m, actor=cast.commune, on=ON, decision="30-QĐ/ĐU", cause="Lý do cá nhân")
    cast.plain_m.refresh_from_db()
    assert (cast.plain_m.status, cast.plain_m.status_since, departure.unit_id) == ("resigned", ON, cast.tree.g.pk)
    assert members_as_of(cast.tree.k, ON)["total"] == 2 and tallies.verify() == []


def test_the_cell_reports_a_death_with_its_cause(cast):
    with pytest.raises(DomainError) as err:
        services.record_death(cast.other_m, actor=cast.secretary, on=ON, cause="")
    assert "cause" in err.value.field_errors
    services.record_death(cast.other_m, actor=cast.secretary, on=ON, cause="Bệnh hiểm nghèo", report="BC-02")
    cast.other_m.refresh_from_db()
    assert (cast.other_m.status, cast.other_m.status_since) == ("deceased", ON)
    assert Departure.objects.get().cause == "Bệnh hiểm nghèo"
    assert members_as_of(cast.tree.k, ON - dt.timedelta(days=1))["total"] == 3
    assert members_as_of(cast.tree.k, ON)["total"] == 2
    with pytest.raises(DomainError):  # only once, and not for a former member
        services.record_death(cast.other_m, actor=SYSTEM, on=ON, cause="x")


def test_an_exempted_member_who_dies_ends_the_exemption(cast):
    services.exempt(cast.other_m, actor=SYSTEM, kind="age_health", applied_on=ON, reason="Tuổi cao",
                    resolved_on=ON, resolution="07-NQ/CB")
    services.record_death(cast.other_m, actor=SYSTEM, on=ON + dt.timedelta(days=5), cause="Tuổi già")
    assert cast.other_m.exemptions.get().returned_on == ON + dt.timedelta(days=5)
    assert tallies.verify() == []


def test_an_annulled_removal_restores_the_member_and_party_age(cast):
    since = party_age.since_of(cast.plain_m)
    removal = removed(cast.plain_m, ON)
    complaint = complaints.lodge(cast.plain_m, actor=cast.commune, against=removal,
                                 lodged_on=ON + dt.timedelta(days=10), text="Tôi có lý do chính đáng")
    complaints.settle(complaint, actor=cast.commune, outcome="annulled", decided_on=ON + dt.timedelta(days=40),
                      decision="40-QĐ/UBKT", body="Ủy ban Kiểm tra Đảng ủy xã")
    cast.plain_m.refresh_from_db()
    assert (cast.plain_m.status, cast.plain_m.status_since) == ("official", ON + dt.timedelta(days=40))
    gap = MembershipGap.objects.get(member=cast.plain_m)
    assert gap.valid_to == gap.valid_from == ON  # closed on its first day: nothing lost
    assert party_age.since_of(cast.plain_m) == since
    assert party_age.of_member(cast.plain_m, dt.date(2026, 12, 1)).paused_on is None
    assert tallies.verify() == []
    complaint.refresh_from_db()
    assert complaint.outcome == "annulled"


def test_an_upheld_removal_stays(cast):
    removal = removed(cast.plain_m, ON)
    complaint = complaints.lodge(cast.plain_m, actor=SYSTEM, against=removal, lodged_on=ON, text="Xin xem xét lại")
    complaints.settle(complaint, actor=SYSTEM, outcome="upheld", decided_on=ON + dt.timedelta(days=20),
                      decision="41-QĐ", body="UBKT")
    cast.plain_m.refresh_from_db()
    assert cast.plain_m.status == "removed"
    with pytest.raises(DomainError):
        complaints.settle(complaint, actor=SYSTEM, outcome="annulled", decided_on=ON + dt.timedelta(days=21),
                          decision="42", body="UBKT")


@pytest.mark.parametrize(("lodged_on", "ok"), [(dt.date(2026, 4, 2), True), (dt.date(2026, 4, 3), False)])
def test_a_complaint_is_lodged_within_one_month(cast, lodged_on, ok):
    record = _sanction(cast.plain_m, "warning")
    if ok:
        assert complaints.lodge(cast.plain_m, actor=SYSTEM, against=record, lodged_on=lodged_on, text="Oan").pk
        return
    with pytest.raises(DomainError) as err:
        complaints.lodge(cast.plain_m, actor=SYSTEM, against=record, lodged_on=lodged_on, text="Oan")
    assert "lodged_on" in err.value.field_errors and not Complaint.objects.exists()


def test_an_expulsion_changed_to_a_warning_restores_and_records_the_warning(cast):
    record = _sanction(cast.plain_m, "expulsion")
    complaint = complaints.lodge(cast.plain_m, actor=SYSTEM, against=record, lodged_on=ON, text="Quá nặng")
    with pytest.raises(DomainError) as err:
        complaints.settle(complaint, actor=SYSTEM, outcome="changed", decided_on=ON, decision="5", body="UBKT")
    assert "changed_to" in err.value.field_errors
    complaints.settle(complaint, actor=SYSTEM, outcome="changed", changed_to="warning",
                      decided_on=ON + dt.timedelta(days=3), decision="50-QĐ/UBKT", body="Ủy ban Kiểm tra Tỉnh ủy")
    cast.plain_m.refresh_from_db()
    assert cast.plain_m.status == "official"
    assert list(Discipline.objects.order_by("pk").values_list("kind", flat=True)) == ["expulsion", "warning"]
    assert tallies.verify() == []


def test_a_removal_is_not_changed_only_upheld_or_annulled(cast):
    removal = removed(cast.plain_m, ON)
    complaint = complaints.lodge(cast.plain_m, actor=SYSTEM, against=removal, lodged_on=ON, text="x")
    with pytest.raises(DomainError) as err:
        complaints.settle(complaint, actor=SYSTEM, outcome="changed", changed_to="warning", decided_on=ON,
                          decision="5", body="UBKT")
    assert "outcome" in err.value.field_errors
    cast.plain_m.refresh_from_db()
    assert cast.plain_m.status == "removed"


def test_an_annulled_removal_of_an_exempted_member_reopens_the_exemption(cast):
    services.exempt(cast.other_m, actor=SYSTEM, kind="age_health", applied_on=ON, reason="Tuổi cao",
                    resolved_on=ON, resolution="07-NQ/CB")
    removal = removed(cast.other_m, ON + dt.timedelta(days=7))
    complaint = complaints.lodge(cast.other_m, actor=SYSTEM, against=removal, lodged_on=ON + dt.timedelta(days=8),
                                 text="x")
    complaints.settle(complaint, actor=SYSTEM, outcome="annulled", decided_on=ON + dt.timedelta(days=9),
                      decision="5", body="UBKT")
    cast.other_m.refresh_from_db()
    assert cast.other_m.status == "exempted" and cast.other_m.exemptions.get().returned_on is None
    assert tallies.verify() == []


def test_a_warning_changed_to_an_expulsion_expels_from_the_day_settled(cast):
    record = _sanction(cast.plain_m, "warning")
    complaint = complaints.lodge(cast.plain_m, actor=SYSTEM, against=record, lodged_on=ON, text="x")
    complaints.settle(complaint, actor=SYSTEM, outcome="changed", changed_to="expulsion",
                      decided_on=ON + dt.timedelta(days=3), decision="51-QĐ/UBKT", body="UBKT Tỉnh ủy")
    cast.plain_m.refresh_from_db()
    assert (cast.plain_m.status, cast.plain_m.status_since) == ("expelled", ON + dt.timedelta(days=3))
    assert MembershipGap.objects.get(member=cast.plain_m).kind == "expelled"
    assert tallies.verify() == []
