"""The console pages: the persona matrix of every URL, the forms, query counts, exports read back."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess

import pytest
from django.urls import reverse

from chibo.accounts.policy import SYSTEM
from chibo.members.cards import services
from chibo.members.cards.enums import CardState
from chibo.members.cards.models import BadgeAward, CardCampaign, PartyCard, SeriousIllness
from chibo.members.models import Member
from tests.console.conftest import statuses

D = dt.date
DAY = "2026-05-19"
REGISTER_QUERIES = 10  # session, user, grants, unit, cards page (with members and cells), campaigns, rulebook…


@pytest.fixture
def due(cast):
    """The other member of K reaches 30 years of party age between 3 Feb and 19 May 2026."""
    Member.objects.filter(pk=cast.other_m.pk).update(admission_date=D(1996, 3, 1), party_since=None)
    return cast.other_m


@pytest.fixture
def campaign(cast):
    return services.open_campaign(cast.tree.c, actor=SYSTEM, name="Đổi thẻ 2026", starts_on=D(2026, 1, 1),
                                  ends_on=D(2026, 12, 31))


def test_register_persona_matrix(client, cast, issued):
    url = reverse("console:cards_register", args=[cast.tree.k.pk])
    assert statuses(client, cast, url) == {"admin": 200, "province": 200, "commune": 200, "secretary": 200,
                                           "member": 404, "outsider": 404}


def test_card_page_persona_matrix(client, cast, issued):
    url = reverse("console:card", args=[issued.pk])
    assert statuses(client, cast, url) == {"admin": 200, "province": 200, "commune": 200, "secretary": 200,
                                           "member": 404, "outsider": 404}


def test_issue_persona_matrix_and_form(client, cast):
    url = reverse("console:card_issue", args=[cast.other_m.pk])
    assert statuses(client, cast, url) == {"admin": 200, "province": 403, "commune": 200, "secretary": 403,
                                           "member": 404, "outsider": 404}
    client.force_login(cast.commune)
    bad = client.post(url, {"number": "12", "kind": "chip", "issued_on": "02/03/2026"})
    assert bad.status_code == 200 and not PartyCard.objects.exists()
    done = client.post(url, {"number": "300001", "kind": "chip", "issued_on": "02/03/2026", "decision": "5-QĐ"})
    card = PartyCard.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("console:card", args=[card.pk])
    assert Member.objects.get(pk=cast.other_m.pk).card_number == "300001"


def test_hand_over_loss_withdraw_persona_matrix(client, cast, issued):
    for name in ("card_hand_over", "card_loss", "card_withdraw"):
        url = reverse(f"console:{name}", args=[issued.pk])
        seen = statuses(client, cast, url, "post", {"on": "bad"})
        cell = name != "card_withdraw"
        assert seen == {"admin": 200, "province": 200 if cell else 403, "commune": 200,
                        "secretary": 200 if cell else 403, "member": 404, "outsider": 404}, name
    assert PartyCard.objects.get(pk=issued.pk).state == CardState.ISSUED  # bad input changed nothing
    client.force_login(cast.secretary)
    done = client.post(reverse("console:card_hand_over", args=[issued.pk]), {"on": "20/03/2026"})
    assert done.status_code == 302 and PartyCard.objects.get(pk=issued.pk).state == CardState.HANDED_OVER


def test_loss_papers_and_reissue(client, cast, issued):
    from docx import Document

    services.report_loss(issued, actor=SYSTEM, on=D(2026, 4, 1), note="rơi khi đi đường")
    url = reverse("console:card_reissue", args=[issued.pk])
    assert statuses(client, cast, url) == {"admin": 200, "province": 403, "commune": 200, "secretary": 403,
                                           "member": 404, "outsider": 404}
    client.force_login(cast.secretary)
    for kind, words in (("loss", "BÁO CÁO MẤT THẺ ĐẢNG VIÊN"), ("reissue", "đề nghị cấp lại thẻ đảng viên")):
        response = client.get(reverse("console:card_paper", args=[issued.pk, kind]))
        text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
        assert words in text and "100001" in text, kind
    assert client.get(reverse("console:card_paper", args=[issued.pk, "other"])).status_code == 404
    client.force_login(cast.commune)
    response = client.post(url, {"number": "100001", "kind": "chip", "issued_on": "10/04/2026", "reason": "loss"})
    assert response.status_code == 200 and PartyCard.objects.count() == 1  # the lost number is never reused
    response = client.post(url, {"number": "100002", "kind": "chip", "issued_on": "10/04/2026", "reason": "loss"})
    assert response.status_code == 302 and PartyCard.objects.get(number="100002").replaces_id == issued.pk


def test_campaign_pages(client, cast, campaign):
    url = reverse("console:card_campaign", args=[campaign.pk])
    assert statuses(client, cast, url) == {"admin": 200, "province": 200, "commune": 200, "secretary": 404,
                                           "member": 404, "outsider": 404}
    client.force_login(cast.commune)
    assert client.get(url, {"unit": cast.tree.g.pk}).status_code == 200
    assert client.get(url, {"unit": cast.tree.qk.pk}).status_code == 404
    open_url = reverse("console:card_campaign_open", args=[cast.tree.c.pk])
    seen = statuses(client, cast, open_url, "post", {"name": ""})
    assert seen == {"admin": 200, "province": 403, "commune": 200, "secretary": 404, "member": 404,
                    "outsider": 404}
    assert CardCampaign.objects.count() == 1


def test_campaign_progress_query_count(client, cast, campaign, django_assert_max_num_queries):
    client.force_login(cast.commune)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("console:card_campaign", args=[campaign.pk]))
    assert [r.unit.code for r in response.context["rows"]] == ["G"]


def test_badge_list_persona_matrix_award_and_query_count(client, cast, due, django_assert_max_num_queries):
    url = reverse("console:badges", args=[cast.tree.c.pk]) + f"?day={DAY}"
    assert statuses(client, cast, url) == {"admin": 200, "province": 200, "commune": 200, "secretary": 404,
                                           "member": 404, "outsider": 404}
    client.force_login(cast.commune)
    with django_assert_max_num_queries(16):
        response = client.get(url)
    assert [r.full_name for r in response.context["page"].rows] == [due.full_name]
    award = reverse("console:badges_award", args=[cast.tree.c.pk])
    seen = statuses(client, cast, award, "post", {"day": DAY, "member": [due.pk], "decision": ""})
    assert seen == {"admin": 302, "province": 403, "commune": 302, "secretary": 404, "member": 404,
                    "outsider": 404}
    assert not BadgeAward.objects.exists()  # no decision number: nothing recorded
    client.force_login(cast.commune)
    client.post(award, {"day": DAY, "member": [due.pk], "decision": "88-QĐ/TU"})
    assert BadgeAward.objects.get(member=due).tier == 30
    assert client.get(url).context["page"].rows == []


def test_badge_list_not_an_award_day_goes_to_the_next(client, cast):
    client.force_login(cast.commune)
    response = client.get(reverse("console:badges", args=[cast.tree.c.pk]) + "?day=2026-05-18")
    assert response.status_code == 302 and response["Location"].endswith("?day=2026-05-19")


def _badge_file(client, unit, fmt: str, capture) -> bytes:
    """Start the background export (the job runs at once after the commit) and download the file."""
    from chibo.reports.models import ExportJob

    with capture(execute=True):
        response = client.post(reverse("console:badges_export", args=[unit.pk]), {"day": DAY, "format": fmt})
    job = ExportJob.objects.filter(kind="badges", format=fmt).latest("pk")
    assert response.status_code == 302 and response["Location"] == reverse("console:export_job", args=[job.pk])
    assert job.state == "done"
    download = client.get(reverse("console:export_download", args=[job.pk]))
    return b"".join(download.streaming_content)


def test_badge_exports_read_back(client, cast, due, tmp_path, django_capture_on_commit_callbacks):
    from openpyxl import load_workbook

    client.force_login(cast.commune)
    xlsx = _badge_file(client, cast.tree.c, "xlsx", django_capture_on_commit_callbacks)
    sheet = load_workbook(io.BytesIO(xlsx)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert due.full_name in values and 30 in values
    pdf = _badge_file(client, cast.tree.c, "pdf", django_capture_on_commit_callbacks)
    out = os.environ.get("CHIBO_SCREENSHOTS_DIR") or str(tmp_path)
    (tmp_path / "b.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(tmp_path / "b.pdf"),
                    f"{out}/cards-badges-pdf"], check=True, timeout=60)
    assert os.path.getsize(f"{out}/cards-badges-pdf.png") > 10_000
    text = subprocess.run(["pdftotext", str(tmp_path / "b.pdf"), "-"], capture_output=True, text=True).stdout
    assert due.full_name in text


def test_illness_persona_matrix(client, cast):
    url = reverse("console:card_illness", args=[cast.plain_m.pk])  # the member sees their own record
    assert statuses(client, cast, url) == {"admin": 200, "province": 200, "commune": 200, "secretary": 200,
                                           "member": 403, "outsider": 404}
    client.force_login(cast.secretary)
    assert client.post(url, {"valid_from": "01/01/2026"}).status_code == 302
    record = SeriousIllness.objects.get()
    end = reverse("console:card_illness_end", args=[record.pk])
    assert statuses(client, cast, end, "post")["outsider"] == 404
    assert SeriousIllness.objects.get().valid_to is not None


def test_member_page_shows_the_panel(client, cast, issued):
    Member.objects.filter(pk=cast.plain_m.pk).update(admission_date=D(1996, 3, 1))
    client.force_login(cast.commune)
    page = client.get(reverse("console:member", args=[cast.plain_m.pk])).content.decode()
    assert "100001" in page and "cards-panel" in page and "30 years" in page


def test_the_meeting_page_lists_the_cards_waiting_and_hands_one_over(client, cast, issued):
    from django.utils import timezone

    from chibo.meetings import services as meeting_services

    meeting = meeting_services.create_meeting(
        actor=SYSTEM, unit=cast.tree.k, kind="regular",
        starts_at=timezone.make_aware(dt.datetime(2026, 3, 20, 8, 0)))
    url = reverse("console:cards_waiting", args=[meeting.pk])
    assert statuses(client, cast, url) == {"admin": 200, "province": 200, "commune": 200, "secretary": 200,
                                           "member": 404, "outsider": 404}
    client.force_login(cast.secretary)
    page = client.get(reverse("console:meeting", args=[meeting.pk])).content.decode()
    assert url in page  # the meeting page loads the fragment
    assert "100001" in client.get(url).content.decode()
    done = client.post(reverse("console:card_hand_over_at", args=[issued.pk, meeting.pk]))
    assert done.status_code == 302
    card = PartyCard.objects.get(pk=issued.pk)
    assert (card.state, card.meeting_id, card.handed_over_on) == (CardState.HANDED_OVER, meeting.pk, D(2026, 3, 20))
    assert "100001" not in client.get(url).content.decode()


def test_a_day_out_of_range_goes_to_the_next_award_day(client, cast):
    client.force_login(cast.commune)
    base = reverse("console:badges", args=[cast.tree.c.pk])
    for asked in ("0001-02-03", "9999-11-07", "2000-01-01", "2011-02-02"):
        response = client.get(base + f"?day={asked}")
        assert response.status_code == 302, asked
        assert client.get(response["Location"]).status_code == 200, asked


@pytest.mark.parametrize("cards", [1, 3])
def test_register_query_count_does_not_grow(client, cast, cards, django_assert_num_queries):
    members = [cast.plain_m, cast.other_m, cast.sec_m][:cards]
    for i, m in enumerate(members):
        services.issue_card(m, actor=SYSTEM, number=f"55500{i}", issued_on=D(2026, 3, 2))
    client.force_login(cast.commune)
    client.get(reverse("console:cards_register", args=[cast.tree.k.pk]))  # warm the session
    with django_assert_num_queries(REGISTER_QUERIES):
        response = client.get(reverse("console:cards_register", args=[cast.tree.k.pk]))
    assert len(response.context["rows"]) == cards


def test_papers_persona_matrix(client, cast, issued):
    services.report_loss(issued, actor=SYSTEM, on=D(2026, 4, 1))
    for kind in ("loss", "reissue"):
        url = reverse("console:card_paper", args=[issued.pk, kind])
        assert statuses(client, cast, url) == {"admin": 200, "province": 200, "commune": 200, "secretary": 200,
                                               "member": 404, "outsider": 404}, kind


def test_hand_over_at_a_meeting_and_end_of_illness_persona_matrices(client, cast, issued):
    from django.utils import timezone

    from chibo.meetings import services as meeting_services

    meeting = meeting_services.create_meeting(actor=SYSTEM, unit=cast.tree.k, kind="regular",
                                              starts_at=timezone.make_aware(dt.datetime(2026, 3, 20, 8, 0)))
    url = reverse("console:card_hand_over_at", args=[issued.pk, meeting.pk])
    seen = statuses(client, cast, url, "post")
    assert seen == {"admin": 302, "province": 302, "commune": 302, "secretary": 302, "member": 404,
                    "outsider": 404}  # the first hands it over; the others are told it is handed over already
    assert PartyCard.objects.get(pk=issued.pk).state == CardState.HANDED_OVER
    record = services.record_illness(cast.plain_m, actor=SYSTEM, valid_from=D(2026, 1, 1))
    end = reverse("console:card_illness_end", args=[record.pk])
    assert statuses(client, cast, end, "post") == {"admin": 302, "province": 302, "commune": 302,
                                                   "secretary": 302, "member": 403, "outsider": 404}
