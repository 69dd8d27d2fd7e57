"""The review findings of issue 13 on transfers: an acceptance dated before a restructuring, a
restructuring of the home cell during a temporary stay, a member who leaves in transit, a receiving
cell merged in transit, the letter on the member's "who can see my data" page and refused to the
sending side once the member is accepted elsewhere."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from chibo.accounts.policy import SYSTEM
from chibo.core.audit import AuditEntry
from chibo.core.audit_queries import reads_of
from chibo.core.errors import DomainError
from chibo.members import tallies
from chibo.members.enums import DisciplineKind
from chibo.members.leaving import services as leaving
from chibo.members.models import Member, Placement, Transfer
from chibo.members.transfers import cells, reminders, services
from chibo.members.transfers.enums import Reason, State, TransferKind
from chibo.notifications.models import Notification
from chibo.reports.statistics import members_as_of
from chibo.restructuring import services as restructuring
from tests.console.conftest import statuses
from tests.members.transfers.conftest import ACCEPTED, sent

pytestmark = pytest.mark.django_db

MERGED = dt.date(2026, 2, 10)
UNTIL = dt.date(2027, 1, 5)


def _open_places(member):
    return sorted(Placement.objects.filter(member=member, valid_to__isnull=True).values_list("kind", "unit_id"))


# 1. an acceptance dated before a restructuring ------------------------------------------------

def test_acceptance_dated_before_the_member_was_merged_elsewhere_is_refused_and_counts_stay_exact(cast):
    t, member = cast.tree, cast.plain_m
    transfer = sent(member, t.qc)  # letter handed over 26/01
    restructuring.merge_units([t.k], into=t.k2, actor=SYSTEM, on=MERGED)
    with pytest.raises(DomainError) as refused:
        services.accept_transfer(transfer, actor=cast.outsider, cell=t.qk, on=ACCEPTED)  # 02/02
    assert "Chi bộ Giáo viên 2" in str(refused.value.field_errors["on"]) and "10/02/2026" in str(
        refused.value.field_errors["on"])
    assert Transfer.objects.get(pk=transfer.pk).state == State.LEFT
    services.accept_transfer(transfer, actor=cast.outsider, cell=t.qk, on=MERGED + dt.timedelta(days=1))
    for day in (ACCEPTED, MERGED, MERGED + dt.timedelta(days=1), dt.date(2026, 3, 1)):
        assert members_as_of(t.root, day)["total"] == 4, day
    assert tallies.verify() == []


def test_whole_cell_accepted_before_a_restructuring_is_refused(cast):
    t = cast.tree
    restructuring.merge_units([t.k], into=t.k2, actor=SYSTEM, on=MERGED)
    with pytest.raises(DomainError) as refused:
        cells.transfer_cell(t.k2, actor=SYSTEM, to_unit=t.qc, decided_on=dt.date(2026, 1, 5), decided_by="Đảng ủy",
                            letters_on=ACCEPTED, accept_into=t.qk)
    assert "letters_on" in refused.value.field_errors and Transfer.objects.count() == 0


# 2. a restructuring of the home cell during a temporary stay ----------------------------------

@pytest.mark.parametrize("how", ["merge", "split"])
def test_restructuring_the_home_cell_keeps_the_temporary_stay(cast, how):
    t, member = cast.tree, cast.plain_m
    transfer = sent(member, t.qk, kind=TransferKind.TEMPORARY, reason=Reason.STUDY, until=UNTIL)
    services.accept_transfer(transfer, actor=cast.outsider, cell=t.qk, on=ACCEPTED)
    if how == "merge":
        restructuring.merge_units([t.k], into=t.k2, actor=SYSTEM, on=MERGED)
        home = t.k2
    else:
        ids = list(Member.objects.filter(unit=t.k).values_list("pk", flat=True))
        new = restructuring.split_unit(t.k, actor=SYSTEM, on=MERGED, parts=[
            {"code": "K3", "name": "Chi bộ Giáo viên 3"}, {"code": "K4", "name": "Chi bộ Giáo viên 4"}],
            members={pk: 0 for pk in ids})
        home = new[0]
    member.refresh_from_db()
    assert (member.unit_id, member.temp_unit_id) == (home.pk, t.qk.pk)
    assert _open_places(member) == [("official", home.pk), ("temporary", t.qk.pk)]
    assert Transfer.objects.get(pk=transfer.pk).state == State.ACCEPTED
    assert tallies.verify() == []


# 3. a member who leaves with a transfer open ---------------------------------------------------

def test_death_during_a_temporary_stay_ends_it(cast):
    t, member = cast.tree, cast.plain_m
    transfer = sent(member, t.qk, kind=TransferKind.TEMPORARY, reason=Reason.STUDY, until=UNTIL)
    services.accept_transfer(transfer, actor=cast.outsider, cell=t.qk, on=ACCEPTED)
    died = dt.date(2026, 3, 2)
    leaving.record_death(member, actor=SYSTEM, on=died, cause="Bệnh")
    transfer.refresh_from_db()
    member.refresh_from_db()
    assert (transfer.state, transfer.returned_on, member.temp_unit_id) == (State.RETURNED, died, None)
    assert Placement.objects.get(member=member, kind="temporary").valid_to == died
    assert AuditEntry.objects.filter(action="members.transfer_returned", payload__departure=True).count() == 1


@pytest.mark.parametrize("how", ["resign", "expel"])
def test_leaving_in_transit_cancels_the_transfer_and_frees_the_record(cast, how):
    t, member = cast.tree, cast.plain_m
    transfer = sent(member, t.qc)
    on = dt.date(2026, 2, 20)
    if how == "resign":
        leaving.resign(member, actor=SYSTEM, on=on, decision="05-QĐ/ĐU")
    else:
        leaving.discipline(member, actor=SYSTEM, kind=DisciplineKind.EXPULSION, decided_on=on, body="Đảng ủy xã",
                           decision="06-QĐ/ĐU", reason="Vi phạm")
    transfer.refresh_from_db()
    assert (transfer.state, transfer.cancelled_on) == (State.CANCELLED, on)
    assert services.open_transfers([member.pk]) == {}
    assert tallies.verify() == []


def test_reminders_skip_a_member_no_longer_active(cast):
    sent(cast.plain_m, cast.tree.qc)  # present by 16/03/2026
    Member.objects.filter(pk=cast.plain_m.pk).update(status="deceased")
    assert reminders.run(dt.date(2026, 3, 17)) == 0
    assert not Notification.objects.exists()


# 4. a receiving cell merged in transit ---------------------------------------------------------

def test_receiving_cell_merged_in_transit_accepts_into_its_successor(client, cast):
    t, member = cast.tree, cast.plain_m
    qk3 = restructuring.create_unit(actor=SYSTEM, parent=t.qc, code="QK3", name="Chi bộ thôn Nam",
                                    kind="grassroots_cell", sector="residential", opened_on=dt.date(2026, 1, 1))
    transfer = sent(member, t.qk)
    restructuring.merge_units([t.qk], into=qk3, actor=SYSTEM, on=MERGED)
    transfer.refresh_from_db()
    client.force_login(cast.outsider)
    page = client.get(reverse("console:transfer", args=[transfer.pk])).content.decode()
    assert "Chi bộ thôn Nam" in page  # offered in the acceptance form
    with pytest.raises(DomainError):
        services.accept_transfer(transfer, actor=cast.outsider, cell=t.qk, on=MERGED)  # closed
    services.accept_transfer(transfer, actor=cast.outsider, cell=qk3, on=MERGED)
    member.refresh_from_db()
    assert member.unit_id == qk3.pk and tallies.verify() == []
    assert services.receiving_unit(transfer) == qk3


# 5. and 6. the letter: who can see my data, and the sending side after the acceptance ----------

def test_letter_download_is_on_the_members_privacy_page_and_no_one_elses(client, cast):
    transfer = sent(cast.plain_m, cast.tree.qc)
    client.force_login(cast.secretary)
    assert client.get(reverse("console:transfer_letter", args=[transfer.pk])).status_code == 200
    [entry] = AuditEntry.objects.filter(action="reports.exported", object_type="transfer")
    assert entry.unit_path == cast.tree.k.path and entry.payload["format"] == "docx"
    rows = reads_of(cast.plain_m).rows
    assert [r.entry.pk for r in rows if r.is_export] == [entry.pk]
    assert entry.pk not in [r.entry.pk for r in reads_of(cast.sec_m).rows]


def test_letter_refused_to_the_sending_side_once_accepted_elsewhere(client, cast):
    transfer = sent(cast.plain_m, cast.tree.qc)
    url = reverse("console:transfer_letter", args=[transfer.pk])
    before = statuses(client, cast, url)
    assert (before["province"], before["secretary"], before["outsider"]) == (200, 200, 403)
    services.accept_transfer(transfer, actor=cast.outsider, cell=cast.tree.qk, on=ACCEPTED)
    assert statuses(client, cast, url) == {"admin": 200, "province": 404, "commune": 404, "secretary": 404,
                                           "member": 404, "outsider": 200}
    client.force_login(cast.province)
    page = client.get(reverse("console:transfer", args=[transfer.pk])).content.decode()
    assert "letter.docx" not in page


def test_receiving_cell_closed_without_a_successor_says_to_cancel(cast):
    t = cast.tree
    qk3 = restructuring.create_unit(actor=SYSTEM, parent=t.qc, code="QK3", name="Chi bộ thôn Nam",
                                    kind="grassroots_cell", sector="residential", opened_on=dt.date(2026, 1, 1))
    transfer = sent(cast.plain_m, qk3)
    restructuring.close_unit(qk3, actor=SYSTEM, on=MERGED)
    transfer.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        services.accept_transfer(transfer, actor=cast.outsider, cell=t.qk, on=MERGED)
    assert "without a successor" in str(refused.value.field_errors["cell"])
