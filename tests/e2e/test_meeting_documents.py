"""Documents to read before a meeting. The secretary finds a library document from the meeting's
page in the console and attaches it. On a phone, a member who only opened the meetings list and
the library online then reads, with the network switched off, the next meeting, its document and a
bookmarked document they had never opened."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from chibo.library import services as library
from chibo.meetings import services
from tests.e2e.conftest import log_in, shoot, wait_until
from tests.e2e.test_handbook import KEPT_PAGES, phone  # noqa: F401 - the phone fixture
from tests.factories.library import make_document

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RESOLUTION_TEXT = "Nghị quyết về tăng cường củng cố tổ chức cơ sở đảng"
BOOKMARKED_TEXT = "Quy định về chức năng, nhiệm vụ của chi bộ"


@pytest.fixture
def meeting(cast):
    meeting = services.create_meeting(actor=cast.secretary, unit=cast.tree.k, kind="thematic",
                                      starts_at=timezone.now() + dt.timedelta(days=2), place="Phòng họp trường")
    services.set_agenda(meeting, actor=cast.secretary, topic="Học tập Nghị quyết 21",
                        agenda="1. Quán triệt nghị quyết\n2. Thảo luận")
    services.invite(meeting, actor=cast.secretary)
    return meeting


@pytest.fixture
def console(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="vi-VN")
    yield context.new_page()
    context.close()


def test_the_secretary_attaches_a_document_from_the_meeting_page(console, live_server, cast, meeting):
    page, base = console, live_server.url
    resolution = make_document(cast.tree.root, "21-NQ/TW", "Về tăng cường củng cố, xây dựng tổ chức cơ sở đảng",
                               text=RESOLUTION_TEXT, issued_on=dt.date(2022, 6, 16),
                               body="Ban Chấp hành Trung ương")
    plan = make_document(cast.tree.c, "12-KH/ĐU", "Kế hoạch học tập, quán triệt Nghị quyết 21-NQ/TW",
                         kind="plan", body="Đảng ủy xã Đông Sơn")
    make_document(cast.tree.k2, "4-NQ/CB", "Nghị quyết chi bộ Giáo viên 2")  # another cell's: never offered
    log_in(page, base, "secretary")
    page.goto(f"{base}/meetings/{meeting.pk}/")
    page.fill("#documents input[name=q]", "nghi quyet")
    page.locator("#documents form[role=search] button").click()
    page.wait_for_load_state("networkidle")
    offered = page.locator("#documents form:has(input[name=action][value=attach]) input[name=document]")
    assert sorted(offered.evaluate_all("els => els.map(e => +e.value)")) == sorted([resolution.pk, plan.pk])
    page.click(f"#documents form:has(input[name=document][value='{resolution.pk}']) button")
    page.wait_for_load_state("networkidle")
    expect(page.locator(f"#documents a[href='/library/{resolution.pk}/']")).to_be_visible()
    assert list(meeting.documents.all()) == [resolution]
    page.goto(f"{base}/meetings/{meeting.pk}/?q=ke+hoach#documents")
    expect(page.locator(f"#documents input[name=document][value='{plan.pk}']")).to_have_count(1)
    shoot(page, "52-console-meeting-documents", docs=True)


def test_a_member_reads_the_meetings_documents_offline(phone, live_server, cast, meeting):  # noqa: F811
    page, base = phone, live_server.url
    resolution = make_document(cast.tree.root, "21-NQ/TW", "Về tăng cường củng cố, xây dựng tổ chức cơ sở đảng",
                               text=RESOLUTION_TEXT, issued_on=dt.date(2022, 6, 16),
                               body="Ban Chấp hành Trung ương")
    services.attach(meeting, actor=cast.secretary, document=resolution)
    bookmarked = make_document(cast.tree.p, "05-QĐ/TU", "Quy định về chi bộ", text=BOOKMARKED_TEXT, kind="regulation")
    library.bookmark(bookmarked, actor=cast.member)
    meeting_path, resolution_path = f"/handbook/meetings/{meeting.pk}/", f"/handbook/library/{resolution.pk}/"
    bookmarked_path = f"/handbook/library/{bookmarked.pk}/"

    # online: the home page installs the worker; then only the meetings list and the library
    log_in(page, base, "member")
    page.goto(f"{base}/handbook/")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.goto(f"{base}/handbook/meetings/")
    page.goto(f"{base}/handbook/library/")
    page.wait_for_load_state("networkidle")
    wanted = {"/handbook/meetings/", meeting_path, resolution_path, bookmarked_path}
    assert wait_until(lambda: wanted <= set(page.evaluate(KEPT_PAGES))), page.evaluate(KEPT_PAGES)

    page.context.set_offline(True)
    page.goto(f"{base}/handbook/meetings/")
    page.click(f"a[href='{meeting_path}']")
    expect(page.locator("h1")).to_have_text("Học tập Nghị quyết 21")
    expect(page.locator("#net-state")).to_be_visible()
    page.click(f"main section a[href='{resolution_path}']")
    expect(page.locator(".doc-text")).to_contain_text(RESOLUTION_TEXT)
    page.goto(f"{base}{bookmarked_path}")
    expect(page.locator(".doc-text")).to_contain_text(BOOKMARKED_TEXT)
    page.context.set_offline(False)

    page.goto(f"{base}{meeting_path}")
    expect(page.locator(f"main section a[href='{resolution_path}'][data-keep]")).to_be_visible()
    shoot(page, "51-handbook-meeting-documents", docs=True)
    assert page.errors == []  # type: ignore[attr-defined]
