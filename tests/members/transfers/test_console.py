"""The console's transfer pages: the persona matrix (sending province P, receiving province Q),
the forms of each step, the limited incoming dossier, query counts on the lists."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from docx import Document

from chibo.accounts.policy import SYSTEM
from chibo.core.audit import AuditEntry
from chibo.members.models import Member, Transfer
from chibo.members.transfers import services
from chibo.members.transfers.enums import State
from tests.console.conftest import statuses
from tests.members.transfers.conftest import ACCEPTED, sent

pytestmark = pytest.mark.django_db


@pytest.fixture
def transfer(cast):
    """Đặng Văn An (cell K, province P) sent to the commune QC of province Q; the letter handed over."""
    return sent(cast.plain_m, cast.tree.qc, actor=cast.province)


def test_unit_page_persona_matrix_on_both_sides(client, cast, transfer):
    url = reverse("console:transfers", args=[cast.tree.k.pk])
    assert statuses(client, cast, url) == {"admin": 200, "province": 200, "commune": 200, "secretary": 200,
                                           "member": 404, "outsider": 404}
    url = reverse("console:transfers", args=[cast.tree.q.pk]) + "?show=incoming"
    assert statuses(client, cast, url) == {"admin": 200, "province": 404, "commune": 404, "secretary": 404,
                                           "member": 404, "outsider": 200}


def test_detail_persona_matrix_and_the_limited_incoming_dossier(client, cast, transfer):
    url = reverse("console:transfer", args=[transfer.pk])
    assert statuses(client, cast, url) == {"admin": 200, "province": 200, "commune": 200, "secretary": 200,
                                           "member": 404, "outsider": 200}
    client.force_login(cast.outsider)
    page = client.get(url).content.decode()
    assert "Đặng Văn An" in page and "1990" in page and "45-GGT" in page and "Chi bộ Giáo viên 1" in page
    assert "12-QĐ/ĐU" not in page and "letter.docx" not in page  # the decision and the letter: the sender's
    assert reverse("console:member", args=[cast.plain_m.pk]) not in page
    assert client.get(reverse("console:member", args=[cast.plain_m.pk])).status_code == 404
    client.force_login(cast.province)
    page = client.get(url).content.decode()
    assert "12-QĐ/ĐU" in page and "letter.docx" in page


def test_letter_persona_matrix_and_the_document_read_back(client, cast, transfer):
    url = reverse("console:transfer_letter", args=[transfer.pk])
    assert statuses(client, cast, url) == {"admin": 200, "province": 200, "commune": 200, "secretary": 200,
                                           "member": 404, "outsider": 403}
    client.force_login(cast.province)
    response = client.get(url)
    document = Document(io.BytesIO(response.content))
    cells = [c.text for table in document.tables for row in table.rows for c in row.cells]
    text = "\n".join([p.text for p in document.paragraphs] + cells)
    assert "GIẤY GIỚI THIỆU SINH HOẠT ĐẢNG" in text and "ra ngoài đảng bộ tỉnh" in text
    assert "Đặng Văn An" in text and "45-GGT" in text
    assert AuditEntry.objects.filter(action="reports.exported", object_type="transfer").count() == 5


def test_step_persona_matrix_sender_and_receiver(client, cast, transfer):
    present = reverse("console:transfer_step", args=[transfer.pk, "present"])
    assert statuses(client, cast, present, "post") == {"admin": 400, "province": 403, "commune": 403,
                                                       "secretary": 403, "member": 404, "outsider": 400}
    cancel = reverse("console:transfer_step", args=[transfer.pk, "cancel"])
    assert statuses(client, cast, cancel, "post") == {"admin": 400, "province": 400, "commune": 400,
                                                      "secretary": 403, "member": 404, "outsider": 403}
    assert Transfer.objects.get(pk=transfer.pk).state == State.LEFT


def test_create_and_whole_cell_persona_matrix(client, cast):
    url = reverse("console:transfer_create", args=[cast.plain_m.pk])  # the member sees their own record
    assert statuses(client, cast, url) == {"admin": 200, "province": 200, "commune": 200, "secretary": 403,
                                           "member": 403, "outsider": 404}
    assert statuses(client, cast, url, "post") == {"admin": 200, "province": 200, "commune": 200,
                                                   "secretary": 403, "member": 403, "outsider": 404}
    url = reverse("console:transfer_cell", args=[cast.tree.k.pk])
    assert statuses(client, cast, url) == {"admin": 200, "province": 200, "commune": 200, "secretary": 403,
                                           "member": 404, "outsider": 404}
    assert statuses(client, cast, url, "post") == {"admin": 200, "province": 200, "commune": 200,
                                                   "secretary": 403, "member": 404, "outsider": 404}
    assert Transfer.objects.count() == 0  # empty forms: nothing recorded


def test_whole_cell_through_the_form(client, cast):
    client.force_login(cast.province)
    response = client.post(reverse("console:transfer_cell", args=[cast.tree.k.pk]), {
        "to_unit": "K2", "reason": "organization_closed", "decided_on": "05/01/2026", "decided_by": "Đảng ủy",
        "letters_on": "26/01/2026", "accept_into": "K2"})
    assert response.status_code == 302
    assert Member.objects.filter(unit=cast.tree.k2).count() == 3 and Transfer.objects.count() == 3


def test_decide_hand_over_and_accept_through_the_forms(client, cast):
    client.force_login(cast.province)
    response = client.post(reverse("console:transfer_create", args=[cast.plain_m.pk]), {
        "kind": "official", "reason": "job_change", "to_unit": "QC", "decided_on": "05/01/2026",
        "decided_by": "Đảng ủy xã Đông Sơn", "decision_number": "7-QĐ/ĐU"})
    transfer = Transfer.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("console:transfer", args=[transfer.pk])
    response = client.post(reverse("console:transfer_step", args=[transfer.pk, "hand_over"]),
                           {"hand_over-on": "26/01/2026", "hand_over-letter_number": "8-GGT"})
    assert response.status_code == 302
    client.force_login(cast.outsider)
    page = client.get(reverse("console:transfer", args=[transfer.pk])).content.decode()
    assert "Chi bộ thôn Bắc" in page  # the receiving cells to choose from
    response = client.post(reverse("console:transfer_step", args=[transfer.pk, "accept"]),
                           {"accept-cell": cast.tree.qk.pk, "accept-on": "02/02/2026"})
    assert response.status_code == 302
    member = Member.objects.get(pk=cast.plain_m.pk)
    transfer.refresh_from_db()
    assert (member.unit_id, transfer.state, transfer.accepted_on) == (cast.tree.qk.pk, State.ACCEPTED, ACCEPTED)
    assert client.get(reverse("console:member", args=[member.pk])).status_code == 200  # now Q's member
    client.force_login(cast.province)
    assert client.get(reverse("console:member", args=[member.pk])).status_code == 404  # P no longer sees them
    assert client.get(reverse("console:transfer", args=[transfer.pk])).status_code == 200  # but keeps the record


def test_bad_form_input_changes_nothing(client, cast, transfer):
    client.force_login(cast.outsider)
    before = AuditEntry.objects.count()
    for data in ({"accept-cell": cast.tree.qk.pk, "accept-on": "01/01/2099"},
                 {"accept-cell": cast.tree.qk.pk, "accept-on": "25/01/2026"},  # before the letter
                 {"accept-cell": "", "accept-on": "02/02/2026"}):
        response = client.post(reverse("console:transfer_step", args=[transfer.pk, "accept"]), data)
        assert response.status_code == 400
    client.force_login(cast.province)
    response = client.post(reverse("console:transfer_create", args=[cast.other_m.pk]), {
        "kind": "official", "reason": "job_change", "to_unit": "NO-SUCH", "decided_on": "05/01/2026",
        "decided_by": "Đảng ủy"})
    assert response.status_code == 200 and "No unit has this code." in response.content.decode()
    assert Transfer.objects.count() == 1 and AuditEntry.objects.count() == before
    assert Member.objects.get(pk=cast.plain_m.pk).unit_id == cast.tree.k.pk


def test_member_panel_shows_the_transfers_and_the_start_button(client, cast, transfer):
    client.force_login(cast.province)
    page = client.get(reverse("console:member", args=[cast.other_m.pk])).content.decode()
    assert reverse("console:transfer_create", args=[cast.other_m.pk]) in page
    page = client.get(reverse("console:member", args=[cast.plain_m.pk])).content.decode()
    assert reverse("console:transfer", args=[transfer.pk]) in page
    assert reverse("console:transfer_create", args=[cast.plain_m.pk]) not in page  # already in transit


def test_overdue_list_shows_what_each_side_can_act_on(client, cast):
    out = sent(cast.plain_m, cast.tree.qc, left=dt.date(2026, 1, 26))  # present by 16/03/2026: overdue
    services.decide_transfer(cast.far_m, actor=SYSTEM, kind="official", reason="residence", to_unit=cast.tree.k2,
                             decided_on=dt.date(2026, 1, 5), decided_by="Đảng ủy xã Tây Sơn")  # start by 03/04
    client.force_login(cast.admin)
    overdue = "?show=overdue"
    page = client.get(reverse("console:transfers", args=[cast.tree.g.pk]) + overdue).content.decode()
    # the letter P's member has not presented concerns the sender; the letter QC has not handed over is QC's alone
    assert "Đặng Văn An" in page and "Phạm Minh Đức" not in page
    page = client.get(reverse("console:transfers", args=[cast.tree.qc.pk]) + overdue).content.decode()
    assert "Đặng Văn An" in page and "Phạm Minh Đức" in page  # the receiver waits for the letter; its own late start
    client.force_login(cast.province)
    page = client.get(reverse("console:transfers", args=[cast.tree.k.pk]) + overdue).content.decode()
    assert "Đặng Văn An" in page and "Phạm Minh Đức" not in page
    assert out.pk


@pytest.mark.parametrize("n", [1, 3])
def test_unit_list_query_count_does_not_grow(client, cast, n, django_assert_num_queries):
    from tests.factories.registry import make_member

    for given in ("Tư Một", "Tư Hai", "Tư Ba")[:n]:
        member = make_member(cast.tree.k2, f"Nguyễn Văn {given}")
        sent(member, cast.tree.qc)
    client.force_login(cast.province)
    url = reverse("console:transfers", args=[cast.tree.k2.pk])
    with django_assert_num_queries(10):
        response = client.get(url)
    assert response.content.decode().count("Nguyễn Văn Tư") == n


@pytest.mark.parametrize("n", [1, 3])
def test_member_panel_costs_one_query_whatever_the_transfers(rf, cast, n, django_assert_num_queries):
    from chibo.accounts import policy
    from chibo.console.views.transfers import member_panel

    for _ in range(n):
        transfer = sent(cast.plain_m, cast.tree.qc)
        services.cancel_transfer(transfer, actor=SYSTEM, on=ACCEPTED, note="Không chuyển nữa")
    request = rf.get("/")
    request.user = cast.province
    policy.scope_for(cast.province, "members.view")  # the grants, read once per request by every page
    with django_assert_num_queries(1):
        panel = member_panel(request, cast.plain_m)
    assert panel is not None and len(panel["rows"]) == n and panel["may_start"]
