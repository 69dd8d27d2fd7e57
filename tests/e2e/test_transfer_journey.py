"""An official transfer from province P to province Q in the browser: P's officer decides, hands
the letter over and downloads it; Q's officer sees the limited incoming dossier and accepts the
member into QK; P then no longer sees the member but keeps the transfer. Screenshots of each screen."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document

from chibo.members.models import Member, Transfer
from tests.e2e.conftest import log_in, shoot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _switch(page, base: str, username: str) -> None:
    page.click("nav form[action='/logout/'] button")
    page.wait_for_load_state("networkidle")
    log_in(page, base, username)


def _submit(page, form: str) -> None:
    page.locator(form).locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def test_a_transfer_between_two_provinces(browser, live_server, people):
    cast = people
    member = cast.plain_m
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN", accept_downloads=True)
    page = context.new_page()
    base = live_server.url

    log_in(page, base, "province")
    page.goto(f"{base}/members/{member.pk}/")
    page.click(f"a[href='/members/{member.pk}/transfers/new/']")
    page.select_option("select[name=kind]", "official")
    page.select_option("select[name=reason]", "job_change")
    page.fill("input[name=to_unit]", "QC")
    page.fill("input[name=decided_on]", "05/01/2026")
    page.fill("input[name=decided_by]", "Đảng ủy xã Đông Sơn")
    page.fill("input[name=decision_number]", "12-QĐ/ĐU")
    shoot(page, "transfers-1-decide", docs=True)
    _submit(page, "form.transfer-form")
    transfer = Transfer.objects.get()
    assert page.url == f"{base}/transfers/{transfer.pk}/"

    page.fill("input[name='hand_over-on']", "26/01/2026")
    page.fill("input[name='hand_over-letter_number']", "45-GGT")
    _submit(page, "form.transfer-step-hand_over")
    transfer.refresh_from_db()
    assert (transfer.state, transfer.letter_number) == ("left", "45-GGT")
    shoot(page, "transfers-2-letter-handed-over", docs=True)
    with page.expect_download() as download:
        page.click(f"a[href='/transfers/{transfer.pk}/letter.docx']")
    document = Document(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert any("ra ngoài đảng bộ tỉnh" in p.text for p in document.paragraphs)

    _switch(page, base, "outsider")
    page.goto(f"{base}/units/{cast.tree.q.pk}/transfers/?show=incoming")
    assert "Đặng Văn An" in page.locator("table.transfers").inner_text()
    shoot(page, "transfers-3-incoming-limited", docs=True)
    page.click(f"a[href='/transfers/{transfer.pk}/']")
    page.wait_for_load_state("networkidle")
    body = page.locator("main").inner_text()
    assert "45-GGT" in body and "1990" in body and "12-QĐ/ĐU" not in body
    assert page.locator(f"a[href='/transfers/{transfer.pk}/letter.docx']").count() == 0
    assert page.locator(f"a[href='/members/{member.pk}/']").count() == 0
    page.select_option("select[name='accept-cell']", str(cast.tree.qk.pk))
    page.fill("input[name='accept-on']", "02/02/2026")
    shoot(page, "transfers-4-accept", docs=True)
    _submit(page, "form.transfer-step-accept")
    transfer.refresh_from_db()
    assert transfer.state == "accepted" and Member.objects.get(pk=member.pk).unit_id == cast.tree.qk.pk
    page.goto(f"{base}/members/{member.pk}/")
    assert page.locator("h1").inner_text() == "Đặng Văn An"  # now Q's member: the full record

    _switch(page, base, "province")
    response = page.goto(f"{base}/members/{member.pk}/")
    assert response is not None and response.status == 404  # P no longer sees the member …
    page.goto(f"{base}/units/{cast.tree.p.pk}/transfers/?show=outgoing")
    assert "Đặng Văn An" in page.locator("table.transfers").inner_text()  # … but keeps the transfer
    shoot(page, "transfers-5-outgoing-after", docs=True)
    context.close()


def test_the_unit_page_on_a_phone(browser, live_server, people):
    from tests.members.transfers.conftest import sent

    sent(people.plain_m, people.tree.qc)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN", is_mobile=True)
    page = context.new_page()
    log_in(page, live_server.url, "province")
    page.goto(f"{live_server.url}/units/{people.tree.k.pk}/transfers/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shoot(page, "transfers-6-phone")
    context.close()
