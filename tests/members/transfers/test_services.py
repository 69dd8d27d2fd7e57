"""The transfer's steps: who may take them, what each records, and where the member counts."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.core.audit import AuditEntry
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.members import tallies
from chibo.members.models import Member, MembershipGap, Placement, Transfer
from chibo.members.transfers import cells, services
from chibo.members.transfers.enums import LetterType, Reason, State, TransferKind
from chibo.reports.statistics import balance, members_as_of
from tests.members.transfers.conftest import ACCEPTED, DECIDED, LEFT, decide, sent

pytestmark = pytest.mark.django_db


def _total(unit) -> int:
    unit.tally.refresh_from_db()
    return unit.tally.total


def test_between_provinces_the_member_counts_at_the_sender_until_the_acceptance_day(cast):
    t, member = cast.tree, cast.plain_m
    transfer = sent(member, t.qc, actor=cast.province)
    assert transfer.letter_type == LetterType.OTHER_PROVINCE and transfer.state == State.LEFT
    # in transit: nothing moved
    assert (_total(t.k), _total(t.p), _total(t.qk), _total(t.q)) == (3, 3, 1, 1)
    services.accept_transfer(transfer, actor=cast.outsider, cell=t.qk, on=ACCEPTED)
    day_before, day_after = ACCEPTED - dt.timedelta(days=1), ACCEPTED + dt.timedelta(days=1)
    assert (members_as_of(t.k, day_before)["total"], members_as_of(t.k, ACCEPTED)["total"]) == (3, 2)
    assert (members_as_of(t.qk, day_before)["total"], members_as_of(t.qk, ACCEPTED)["total"]) == (1, 2)
    assert members_as_of(t.p, day_after)["total"] == 2 and members_as_of(t.q, day_after)["total"] == 2
    assert (_total(t.k), _total(t.p), _total(t.qk), _total(t.q), _total(t.root)) == (2, 2, 2, 2, 4)
    assert tallies.verify() == []
    out, into = balance(t.p, ACCEPTED, ACCEPTED), balance(t.q, ACCEPTED, ACCEPTED)
    assert (out.changes["transferred_out"], out.opening["total"], out.closing["total"], out.gap) == (1, 3, 2, 0)
    assert (into.changes["transferred_in"], into.opening["total"], into.closing["total"], into.gap) == (1, 1, 2, 0)
    before = balance(t.p, day_before, day_before)
    assert before.changes["transferred_out"] == 0 and before.closing["total"] == 3
    assert balance(t.root, ACCEPTED, ACCEPTED).changes["transferred_out"] == 0  # inside the nation: no transfer
    member.refresh_from_db()
    assert (member.unit_id, member.unit_path) == (t.qk.pk, t.qk.path)
    places = list(Placement.objects.filter(member=member).order_by("valid_from", "pk").values_list(
        "unit_id", "valid_from", "valid_to", "kind"))
    assert places[-2:] == [(t.k.pk, dt.date(2010, 5, 19), ACCEPTED, "official"), (t.qk.pk, ACCEPTED, None, "official")]


def test_the_steps_are_dated_and_audited(cast):
    transfer = decide(cast.plain_m, cast.tree.k2, actor=cast.commune)
    assert transfer.start_by == dt.date(2026, 4, 3) and transfer.letter_type == LetterType.GRASSROOTS
    transfer = services.hand_over_letter(transfer, actor=cast.commune, on=LEFT)
    assert transfer.present_by == dt.date(2026, 3, 16) and transfer.letter_number.endswith("/GTSHĐ")
    transfer = services.record_presented(transfer, actor=cast.province, on=ACCEPTED)
    transfer = services.accept_transfer(transfer, actor=cast.province, cell=cast.tree.k2, on=ACCEPTED)
    assert (transfer.state, transfer.accepted_on, transfer.cell_id, transfer.late_days) == (
        State.ACCEPTED, ACCEPTED, cast.tree.k2.pk, 0)
    actions = list(AuditEntry.objects.filter(object_type="transfer").order_by("pk").values_list("action", flat=True))
    assert actions == ["members.transfer_decided", "members.transfer_letter_handed_over",
                       "members.transfer_presented", "members.transfer_accepted"]
    assert tallies.verify() == []


def test_letter_type_follows_how_far_the_member_goes(cast, helpers):
    t = cast.tree
    assert decide(cast.plain_m, t.k2).letter_type == LetterType.GRASSROOTS
    assert decide(cast.other_m, t.c).letter_type == LetterType.PROVINCE
    assert decide(cast.sec_m, t.q).letter_type == LetterType.OTHER_PROVINCE
    assert decide(cast.far_m, t.k, kind=TransferKind.TEMPORARY, reason=Reason.WORK_AWAY,
                  until=dt.date(2026, 7, 5)).letter_type == LetterType.TEMPORARY


def test_the_sender_decides_and_the_receiver_accepts(cast):
    t = cast.tree
    with pytest.raises(PermissionDenied):  # the cell's secretary reads, the committee decides
        decide(cast.plain_m, t.qk, actor=cast.secretary)
    with pytest.raises(NotFound):  # another province's member is not found
        decide(cast.plain_m, t.qk, actor=cast.outsider)
    transfer = sent(cast.plain_m, t.qc, actor=cast.commune)
    with pytest.raises(NotFound):  # a staff member of neither side does not find it
        services.record_presented(transfer, actor=_nobody(cast), on=ACCEPTED)
    with pytest.raises(PermissionDenied):  # the sender cannot accept in Q
        services.accept_transfer(transfer, actor=cast.province, cell=t.qk, on=ACCEPTED)
    with pytest.raises(PermissionDenied):  # the receiver cannot cancel the sender's decision
        services.cancel_transfer(transfer, actor=cast.outsider, on=ACCEPTED, note="x")
    assert Transfer.objects.get(pk=transfer.pk).state == State.LEFT


def _nobody(cast):
    from tests.factories.registry import make_user

    return make_user("nobody", role="board_staff", unit=cast.tree.k2)


def test_bad_input_changes_nothing(cast):
    t, member = cast.tree, cast.plain_m
    before = (Transfer.objects.count(), AuditEntry.objects.count())
    cases = [
        dict(to_unit=t.k),  # the member's own cell
        dict(to_unit=t.root),  # the Centre
        dict(to_unit=t.qk, on=dt.date(2099, 1, 1)),  # a day in the future
        dict(to_unit=t.qk, kind=TransferKind.TEMPORARY, reason=Reason.WORK_AWAY, until=dt.date(2026, 3, 5)),  # 2 months
        dict(to_unit=t.qk, kind=TransferKind.TEMPORARY, reason=Reason.WORK_AWAY, until=None),
    ]
    for case in cases:
        with pytest.raises(DomainError):
            decide(member, **case)
    assert (Transfer.objects.count(), AuditEntry.objects.count()) == before
    transfer = sent(member, t.qc)
    with pytest.raises(DomainError):  # a second transfer while one is open
        decide(member, t.k2)
    for bad in (dict(cell=t.k2), dict(cell=t.qc), dict(cell=t.qk, on=LEFT - dt.timedelta(days=1))):
        with pytest.raises(DomainError):
            services.accept_transfer(transfer, actor=SYSTEM, **{"on": ACCEPTED, **bad})
    with pytest.raises(DomainError):  # a letter handed over twice
        services.hand_over_letter(transfer, actor=SYSTEM, on=LEFT)
    with pytest.raises(DomainError):  # a cancellation needs its reason
        services.cancel_transfer(transfer, actor=SYSTEM, on=LEFT, note=" ")
    member.refresh_from_db()
    assert (member.unit_id, Transfer.objects.get(pk=transfer.pk).state) == (t.k.pk, State.LEFT)
    assert tallies.verify() == []


def test_cancelled_transfer_leaves_the_member_and_frees_them_for_another(cast):
    transfer = sent(cast.plain_m, cast.tree.qc)
    services.cancel_transfer(transfer, actor=cast.province, on=ACCEPTED, note="Không chuyển công tác nữa")
    with pytest.raises(DomainError):
        services.accept_transfer(transfer, actor=SYSTEM, cell=cast.tree.qk, on=ACCEPTED)
    assert decide(cast.plain_m, cast.tree.k2).state == State.DECIDED


def test_a_member_who_died_in_transit_cannot_be_accepted(cast):
    transfer = sent(cast.plain_m, cast.tree.qc)
    Member.objects.filter(pk=cast.plain_m.pk).update(status="deceased")
    with pytest.raises(DomainError) as refused:
        services.accept_transfer(transfer, actor=SYSTEM, cell=cast.tree.qk, on=ACCEPTED)
    assert "member" in refused.value.field_errors


def test_temporary_member_is_attached_but_not_counted_and_returns(cast):
    t, member = cast.tree, cast.plain_m
    transfer = sent(member, t.qk, kind=TransferKind.TEMPORARY, reason=Reason.STUDY, until=dt.date(2027, 1, 5))
    services.accept_transfer(transfer, actor=cast.outsider, cell=t.qk, on=ACCEPTED)
    member.refresh_from_db()
    assert (member.unit_id, member.temp_unit_id) == (t.k.pk, t.qk.pk)
    assert (_total(t.qk), _total(t.q), _total(t.k)) == (1, 1, 3)
    assert members_as_of(t.qk, ACCEPTED + dt.timedelta(days=1))["total"] == 1
    assert members_as_of(t.k, ACCEPTED + dt.timedelta(days=1))["total"] == 3
    assert balance(t.q, ACCEPTED, ACCEPTED).changes["transferred_in"] == 0
    assert tallies.verify() == []
    with pytest.raises(DomainError):  # no official transfer while attached elsewhere
        decide(member, t.k2)
    services.return_from_temporary(transfer, actor=cast.province, on=dt.date(2026, 6, 1))
    member.refresh_from_db()
    assert member.temp_unit_id is None
    temp = Placement.objects.get(member=member, kind="temporary")
    assert (temp.unit_id, temp.valid_from, temp.valid_to) == (t.qk.pk, ACCEPTED, dt.date(2026, 6, 1))
    assert Transfer.objects.get(pk=transfer.pk).state == State.RETURNED


def test_temporary_periods_at_their_boundaries(cast):
    t = cast.tree
    work, study = dict(kind=TransferKind.TEMPORARY, reason=Reason.WORK_AWAY), dict(kind=TransferKind.TEMPORARY,
                                                                                  reason=Reason.STUDY)
    assert decide(cast.plain_m, t.qk, until=dt.date(2026, 4, 5), **work).temporary_until == dt.date(2026, 4, 5)
    assert decide(cast.other_m, t.qk, until=dt.date(2027, 1, 5), **work)
    assert decide(cast.sec_m, t.qk, until=dt.date(2028, 1, 5), **study)
    for until, kwargs in ((dt.date(2026, 4, 4), work), (dt.date(2027, 1, 6), work), (dt.date(2028, 1, 6), study)):
        with pytest.raises(DomainError) as refused:
            decide(cast.far_m, t.k, until=until, **kwargs)
        assert "temporary_until" in refused.value.field_errors


def test_late_transfer_records_the_days_beyond_the_deadlines_as_a_gap(cast):
    member = cast.plain_m
    transfer = decide(member, cast.tree.qc, on=DECIDED)  # start by 03/04/2026
    transfer = services.hand_over_letter(transfer, actor=SYSTEM, on=dt.date(2026, 4, 6))  # not counted: 4–5 April
    # present by: 30 working days after 06/04/2026 (27 April, 30 April and 1 May off)
    assert transfer.present_by == dt.date(2026, 5, 21)
    services.record_presented(transfer, actor=SYSTEM, on=dt.date(2026, 5, 26))  # not counted: 22–25 May
    transfer = services.accept_transfer(transfer, actor=SYSTEM, cell=cast.tree.qk, on=dt.date(2026, 5, 27))
    gaps = list(MembershipGap.objects.filter(member=member).order_by("valid_from").values_list(
        "kind", "valid_from", "valid_to"))
    assert gaps == [("transfer", dt.date(2026, 4, 4), dt.date(2026, 4, 6)),
                    ("transfer", dt.date(2026, 5, 22), dt.date(2026, 5, 26))]
    assert transfer.late_days == 6
    member.refresh_from_db()
    assert member.party_since == dt.date(2010, 5, 25)


def test_on_time_or_excused_transfer_records_no_gap(cast):
    on_time = sent(cast.plain_m, cast.tree.qc, left=dt.date(2026, 4, 3))
    services.accept_transfer(on_time, actor=SYSTEM, cell=cast.tree.qk, on=dt.date(2026, 5, 19))
    late = sent(cast.other_m, cast.tree.qc, left=dt.date(2026, 4, 6))
    services.accept_transfer(late, actor=SYSTEM, cell=cast.tree.qk, on=dt.date(2026, 6, 1), excuse_lateness=True)
    assert MembershipGap.objects.count() == 0


def test_whole_cell_moves_every_active_member_at_once(cast):
    t = cast.tree
    done = cells.transfer_cell(t.k, actor=cast.province, to_unit=t.k2, decided_on=DECIDED,
                               decided_by="Đảng ủy xã Đông Sơn", letters_on=LEFT, accept_into=t.k2)
    assert len(done) == 3 and len({x.batch for x in done}) == 1
    assert {(x.state, x.accepted_on, x.cell_id, x.letter_number) for x in done} == {
        (State.ACCEPTED, LEFT, t.k2.pk, f"{x.pk}/GTSHĐ") for x in done}
    assert Member.objects.filter(unit=t.k2).count() == 3 and Member.objects.filter(unit=t.k).count() == 0
    assert Placement.objects.filter(unit=t.k2, valid_from=LEFT, kind="official").count() == 3
    assert (_total(t.k), _total(t.k2), _total(t.g)) == (0, 3, 3)
    assert tallies.verify() == []
    assert balance(t.k2, LEFT, LEFT).changes["transferred_in"] == 3
    [line] = AuditEntry.objects.filter(action="members.transfer_cell")
    assert line.payload["count"] == 3 and line.payload["accepted"] == 3


def test_whole_cell_to_several_units_letters_handed_over_not_yet_accepted(cast):
    t = cast.tree
    done = cells.transfer_cell(t.k, actor=cast.province, to_unit=t.qc, decided_on=DECIDED, decided_by="Đảng ủy",
                               destinations={cast.sec_m.pk: t.k2}, letters_on=LEFT)
    by_member = {x.member_id: x for x in done}
    assert by_member[cast.sec_m.pk].letter_type == LetterType.GRASSROOTS
    assert by_member[cast.plain_m.pk].letter_type == LetterType.OTHER_PROVINCE
    assert {x.state for x in done} == {State.LEFT} and {x.present_by for x in done} == {dt.date(2026, 3, 16)}
    assert Member.objects.filter(unit=t.k).count() == 3 and tallies.verify() == []  # in transit: nothing moved


def test_whole_cell_accepted_into_a_cell_outside_the_scope_is_refused(cast):
    with pytest.raises(PermissionDenied):
        cells.transfer_cell(cast.tree.k, actor=cast.province, to_unit=cast.tree.qc, decided_on=DECIDED,
                            decided_by="Đảng ủy", letters_on=LEFT, accept_into=cast.tree.qk)
    assert Transfer.objects.count() == 0


def test_whole_cell_handed_over_late_records_the_gap_for_everyone(cast):
    t = cast.tree
    done = cells.transfer_cell(t.k, actor=SYSTEM, to_unit=t.k2, decided_on=DECIDED, decided_by="Đảng ủy",
                               letters_on=dt.date(2026, 4, 6), accept_into=t.k2)
    assert {x.late_days for x in done} == {2}
    assert MembershipGap.objects.filter(kind="transfer", valid_from=dt.date(2026, 4, 4)).count() == 3


def test_whole_cell_with_one_member_in_transit_moves_nobody_and_names_them(cast):
    t = cast.tree
    sent(cast.other_m, t.qc)
    before = (Transfer.objects.count(), AuditEntry.objects.count())
    with pytest.raises(DomainError) as refused:
        cells.transfer_cell(t.k, actor=cast.province, to_unit=t.k2, decided_on=DECIDED,
                               decided_by="Đảng ủy xã Đông Sơn", letters_on=LEFT, accept_into=t.k2)
    assert "Lê Hoàng Cường" in " ".join(refused.value.field_errors["member"])
    assert (Transfer.objects.count(), AuditEntry.objects.count()) == before
    assert Member.objects.filter(unit=t.k).count() == 3 and tallies.verify() == []


def test_whole_cell_naming_a_deceased_member_moves_nobody(cast):
    t = cast.tree
    Member.objects.filter(pk=cast.other_m.pk).update(status="deceased")
    with pytest.raises(DomainError) as refused:
        cells.transfer_cell(t.k, actor=cast.province, to_unit=t.k2, decided_on=DECIDED,
                               decided_by="Đảng ủy xã Đông Sơn", destinations={cast.other_m.pk: t.c})
    assert "Lê Hoàng Cường" in " ".join(refused.value.field_errors["member"])
    assert Transfer.objects.count() == 0


def test_whole_cell_with_one_member_sent_to_their_own_cell_moves_nobody_and_names_them(cast):
    t = cast.tree
    with pytest.raises(DomainError) as refused:
        cells.transfer_cell(t.k, actor=cast.province, to_unit=t.k2, decided_on=DECIDED,
                               decided_by="Đảng ủy xã Đông Sơn", destinations={cast.sec_m.pk: t.k})
    assert "Trần Thị Bình" in refused.value.message
    assert Transfer.objects.count() == 0 and AuditEntry.objects.filter(object_type="transfer").count() == 0
