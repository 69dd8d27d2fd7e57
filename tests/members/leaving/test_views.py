"""The console pages of leaving: the persona matrix of every URL, the forms (a good post records,
a bad one changes nothing), the member page's panel, and query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chibo.accounts.policy import SYSTEM
from chibo.members.leaving import complaints, services
from chibo.members.leaving.models import Exemption, Removal
from tests.console.conftest import statuses
from tests.factories.registry import make_member
from tests.members.leaving.conftest import absences, removed

ON = dt.date(2026, 3, 2)
CELL = {"admin": 200, "province": 200, "commune": 200, "secretary": 200, "member": 404, "outsider": 404}
COMMITTEE = {"admin": 200, "province": 403, "commune": 200, "secretary": 403, "member": 404, "outsider": 404}
# the "member" persona is plain_m: they see their own record but act on nothing
OWN = {"member": 403}



def _action(member, key):
    return reverse("console:leaving_action", args=[member.pk, key])


@pytest.mark.parametrize(("key", "expected"), [
    ("exempt", CELL), ("propose", CELL), ("sanction", CELL), ("death", CELL),
    ("resign", COMMITTEE), ("complaint", COMMITTEE),
])
def test_the_action_pages_follow_the_roles(client, cast, key, expected):
    assert statuses(client, cast, _action(cast.plain_m, key)) == {**expected, **OWN}


def test_an_action_the_status_does_not_allow_is_forbidden(client, cast):
    assert statuses(client, cast, _action(cast.plain_m, "return")) == {**CELL, **OWN, **{
        k: 403 for k, v in CELL.items() if v == 200}}
    services.exempt(cast.plain_m, actor=SYSTEM, kind="age_health", applied_on=ON, reason="Tuổi cao", resolved_on=ON,
                    resolution="07")
    assert statuses(client, cast, _action(cast.plain_m, "return")) == {**CELL, **OWN}
    client.force_login(cast.admin)
    assert client.get(_action(cast.plain_m, "nothing")).status_code == 404


def test_the_removal_page_is_seen_by_the_tree_and_decided_by_the_committee(client, cast):
    removal = services.propose_removal(cast.plain_m, actor=SYSTEM, ground="no_progress", proposed_on=ON,
                                       proposal="03", note="Không tiến bộ")
    url = reverse("console:removal", args=[removal.pk])
    assert statuses(client, cast, url) == CELL
    posted = {"decided_on": "05/03/2026", "decision": "15-QĐ/ĐU", "answer": "remove"}
    assert statuses(client, cast, url, "post", posted) == {  # the admin first: then it is decided (the page says so)
        "admin": 302, "province": 403, "commune": 200, "secretary": 403, "member": 404, "outsider": 404}
    removal.refresh_from_db()
    cast.plain_m.refresh_from_db()
    assert (removal.state, cast.plain_m.status) == ("decided", "removed")


def test_the_committee_refuses_from_the_page(login, cast):
    removal = services.propose_removal(cast.plain_m, actor=SYSTEM, ground="no_progress", proposed_on=ON,
                                       proposal="03", note="Không tiến bộ")
    client = login("commune")
    url = reverse("console:removal", args=[removal.pk])
    page = client.post(url, {"decided_on": "05/03/2026", "refusal": "", "answer": "reject"})
    assert page.status_code == 200 and "This field is required." in page.content.decode()
    removal.refresh_from_db()
    assert removal.state == "proposed"
    page = client.post(url, {"decided_on": "05/03/2026", "refusal": "Đã tiến bộ", "answer": "reject"})
    assert page.status_code == 302
    removal.refresh_from_db()
    assert removal.state == "rejected"


def test_the_complaint_outcome_page(client, cast):
    complaint = complaints.lodge(cast.plain_m, actor=SYSTEM, against=removed(cast.plain_m, ON), lodged_on=ON,
                                 text="Xin xem xét lại")
    url = reverse("console:complaint_settle", args=[complaint.pk])
    assert statuses(client, cast, url) == COMMITTEE
    client.force_login(cast.commune)
    assert client.post(url, {"outcome": "annulled", "decided_on": "10/03/2026", "decision": "4-QĐ",
                             "body": "UBKT Đảng ủy xã"}).status_code == 302
    cast.plain_m.refresh_from_db()
    assert cast.plain_m.status == "official"
    assert client.get(url).status_code == 404  # settled


def test_the_candidates_and_pending_pages(client, cast):
    url = reverse("console:removal_candidates", args=[cast.tree.k.pk])
    assert statuses(client, cast, url) == CELL
    pending = reverse("console:pending_removals", args=[cast.tree.g.pk])
    assert statuses(client, cast, pending) == {**CELL, "secretary": 404}
    assert statuses(client, cast, reverse("console:pending_removals", args=[cast.tree.k.pk])) == CELL


def test_a_good_exemption_post_records_and_a_bad_one_changes_nothing(login, cast):
    client = login("secretary")
    url = _action(cast.plain_m, "exempt")
    good = {"kind": "age_health", "applied_on": "20/02/2026", "reason": "Tuổi cao, sức khỏe yếu",
            "resolved_on": "02/03/2026", "resolution": "07-NQ/CB", "ends_on": ""}
    bad = client.post(url, {**good, "resolved_on": "02/03/2099"})
    assert bad.status_code == 200 and "Enter today&#x27;s date or an earlier one." in bad.content.decode()
    bad = client.post(url, {**good, "kind": "working_away"})
    assert bad.status_code == 200 and "A temporary exemption needs the day it ends." in bad.content.decode()
    assert not Exemption.objects.exists()
    assert client.post(url, good).status_code == 302
    cast.plain_m.refresh_from_db()
    assert cast.plain_m.status == "exempted"


def test_the_proposal_form_offers_the_grounds_with_their_evidence(login, cast):
    absences(cast.plain_m, [dt.date(2026, 2, 10), dt.date(2026, 5, 12), dt.date(2026, 9, 8)])
    client = login("secretary")
    page = client.get(_action(cast.plain_m, "propose")).content.decode()
    assert "3 absences without reason in 2026: 10/02/2026, 12/05/2026, 08/09/2026" in page
    assert client.post(_action(cast.plain_m, "propose"), {
        "ground": "absences", "proposed_on": "01/10/2026", "proposal": "05-NQ/CB", "note": ""}).status_code == 302
    assert len(Removal.objects.get().evidence["meetings"]) == 3


def test_the_member_page_shows_the_history_and_only_the_allowed_actions(login, cast):
    services.discipline(cast.plain_m, actor=SYSTEM, kind="warning", decided_on=ON, body="Chi bộ Giáo viên 1",
                        decision="2-QĐ/CB", reason="Vắng họp")
    page = login("secretary").get(reverse("console:member", args=[cast.plain_m.pk])).content.decode()
    assert "Warning" in page and "2-QĐ/CB" in page
    assert _action(cast.plain_m, "exempt") in page and _action(cast.plain_m, "resign") not in page
    page = login("commune").get(reverse("console:member", args=[cast.plain_m.pk])).content.decode()
    assert _action(cast.plain_m, "resign") in page and _action(cast.plain_m, "complaint") in page


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


NAMES = ["Nguyễn Văn Hải", "Trần Văn Hùng", "Lê Thị Lan", "Phạm Văn Long", "Hoàng Thị Mai", "Vũ Văn Nam"]


def test_the_lists_take_a_fixed_number_of_queries(client, cast):
    client.force_login(cast.commune)
    urls = [reverse("console:removal_candidates", args=[cast.tree.g.pk]),
            reverse("console:pending_removals", args=[cast.tree.c.pk]),
            reverse("console:member", args=[cast.plain_m.pk])]

    def add(name: str) -> None:
        m = make_member(cast.tree.k, name)
        absences(m, [dt.date(2026, 2, 10), dt.date(2026, 5, 12), dt.date(2026, 9, 8)])
        services.propose_removal(m, actor=SYSTEM, ground="absences", proposed_on=ON, proposal="5", year=2026)
        services.discipline(cast.plain_m, actor=SYSTEM, kind="reprimand", decided_on=ON, body="Chi bộ",
                            decision="1", reason="Vắng họp")

    add(NAMES[0])
    _count(client, urls[0])  # the rulebook's cache warmed
    before = [_count(client, url) for url in urls]
    for name in NAMES[1:]:
        add(name)
    page = client.get(urls[0]).content.decode()
    assert all(name in page for name in NAMES)
    assert [_count(client, url) for url in urls] == before


def test_the_member_pages_grounds_load_after_the_page(client, cast):
    absences(cast.plain_m, [dt.date(2026, 2, 10), dt.date(2026, 5, 12), dt.date(2026, 9, 8)])
    url = reverse("console:leaving_grounds", args=[cast.plain_m.pk])
    assert statuses(client, cast, url) == {**CELL, **OWN}
    client.force_login(cast.secretary)
    assert url in client.get(reverse("console:member", args=[cast.plain_m.pk])).content.decode()
    assert "3 absences without reason in 2026" in client.get(url).content.decode()
