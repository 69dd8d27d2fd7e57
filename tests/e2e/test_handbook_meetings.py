"""On a phone: answer a meeting's invitation, comment on a draft paragraph, check in with the
code, and read a bookmarked document with the network switched off."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from chibo.accounts.policy import SYSTEM
from chibo.library import services as library
from chibo.meetings import drafts, services
from chibo.meetings.models import Comment, Invitation
from tests.e2e.conftest import log_in, shoot
from tests.e2e.test_handbook import phone  # noqa: F401 - the phone fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _document():
    import weasyprint

    pdf = weasyprint.HTML(string="<p>Nghị quyết về tăng cường xây dựng tổ chức cơ sở đảng</p>").write_pdf()
    return pdf


def test_a_member_follows_a_meeting_and_reads_offline(phone, live_server, cast):  # noqa: F811
    page, base = phone, live_server.url
    meeting = services.create_meeting(actor=cast.secretary, unit=cast.tree.k, kind="thematic",
                                      starts_at=timezone.now() + dt.timedelta(hours=1))
    services.set_agenda(meeting, actor=cast.secretary, topic="Học tập Nghị quyết 21", agenda="1. Quán triệt")
    services.invite(meeting, actor=cast.secretary)
    drafts.publish(meeting, actor=cast.secretary, title="Dự thảo nghị quyết", text="Đoạn một.\n\nĐoạn hai.")
    document = library.publish(actor=SYSTEM, unit=cast.tree.root, upload=SimpleUploadedFile(
        "21.pdf", _document(), content_type="application/pdf"), data={
        "kind": "resolution", "number": "21-NQ/TW", "title": "Về tăng cường củng cố tổ chức cơ sở đảng",
        "issued_on": dt.date(2022, 6, 16), "issuing_body": "Ban Chấp hành Trung ương"})

    log_in(page, base, "member")
    page.goto(f"{base}/handbook/meetings/")
    page.click(f"a[href='/handbook/meetings/{meeting.pk}/']")
    page.wait_for_load_state("networkidle")
    page.click("form:has(input[name=attending][value='1']) button")
    page.wait_for_load_state("networkidle")
    assert Invitation.objects.get(meeting=meeting, member=cast.plain_m).answer == "attending"
    page.locator("details").nth(1).locator("summary").click()
    page.locator("details").nth(1).locator("textarea").fill("Đề nghị nêu rõ thời hạn")
    page.locator("details").nth(1).locator("button").click()
    page.wait_for_load_state("networkidle")
    assert Comment.objects.get().paragraph == 1
    meeting = services.open_check_in(meeting, actor=cast.secretary)
    page.goto(f"{base}/handbook/check-in/{meeting.pk}/?code={meeting.code}")
    expect(page.locator("input[name=code]")).to_have_value(meeting.code)
    shoot(page, "49-handbook-meeting", docs=True)
    page.click("#check-in button")
    page.wait_for_load_state("networkidle")
    assert Invitation.objects.get(meeting=meeting, member=cast.plain_m).attendance == "present"

    page.goto(f"{base}/handbook/library/{document.pk}/")
    page.click("button[name=action][value=bookmark]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{base}/handbook/library/")  # the bookmark's link is marked: the worker keeps the page
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1500)
    page.context.set_offline(True)
    page.goto(f"{base}/handbook/library/{document.pk}/")
    expect(page.locator(".doc-text")).to_contain_text("tăng cường xây dựng tổ chức cơ sở đảng")
    shoot(page, "50-handbook-document-offline", docs=True)
    page.context.set_offline(False)
