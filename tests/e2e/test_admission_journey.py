"""One person from sympathizer to official member in the browser: the cell secretary records the
cell's steps, the commune committee leader the committee's; screenshots of each screen."""

from __future__ import annotations

import pytest

from chibo.admissions.models import AdmissionCase
from tests.e2e.conftest import log_in, shoot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _record(page, on: str, **fields: str) -> None:
    """Fill the next-step form (text, select, checkbox by field name) and submit it."""
    form = page.locator("section.next-step form")
    form.locator("input[name=on]").fill(on)
    for name, value in fields.items():
        field = form.locator(f"[name={name}]")
        kind = field.evaluate("e => e.tagName + ':' + (e.type || '')")
        if kind.startswith("SELECT"):
            field.select_option(value)
        elif kind.endswith("checkbox"):
            field.check()
        else:
            field.fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def _switch(page, base: str, username: str) -> None:
    page.click("nav form[action='/logout/'] button")
    page.wait_for_load_state("networkidle")
    log_in(page, base, username)


def _stage(case_id: int) -> str:
    return AdmissionCase.objects.get(pk=case_id).stage


def test_a_case_from_sympathizer_to_official_member(browser, live_server, people):
    cast = people
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    base = live_server.url
    log_in(page, base, "secretary")
    page.goto(f"{base}/units/{cast.tree.k.pk}/admissions/")
    page.click(f"a[href='/units/{cast.tree.k.pk}/admissions/new/']")
    page.fill("input[name=on]", "02/09/2024")
    page.fill("input[name=resolution]", "01-NQ/CB")
    page.select_option("select[name=helper]", str(cast.other_m.pk))
    page.fill("input[name=full_name]", "  Vũ  Thị Hạnh ")
    page.select_option("select[name=sex]", "F")
    page.fill("input[name=birth_date]", "10/05/2000")
    page.fill("input[name=citizen_id]", "001300012345")
    page.select_option("select[name=occupation]", "civil_servant")
    shoot(page, "20-admission-new-sympathizer", docs=True)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    case_id = AdmissionCase.objects.get().pk
    assert page.url == f"{base}/admissions/{case_id}/"
    assert page.locator("h1").inner_text() == "Vũ Thị Hạnh"

    _record(page, "2024-09-09", certificate_no="125/GCN-TTCT", certificate_issuer="Trung tâm Chính trị huyện")
    _record(page, "2024-09-16")
    # a refused step: one introducer only; the reason shows on the page and nothing is recorded
    _record(page, "2024-09-23", introducer_1=str(cast.sec_m.pk), together_since_1="2020-01-01")
    assert page.locator(".alert-danger").count() == 1 and _stage(case_id) == "application"
    shoot(page, "21-admission-refused-step", docs=True)
    _record(page, "2024-09-23", introducer_1=str(cast.sec_m.pk), together_since_1="2020-01-01",
            introducer_2=str(cast.plain_m.pk), together_since_2="2021-03-01")
    _record(page, "2024-09-30", note="Công đoàn trường và chi bộ thôn nơi cư trú đồng ý.")
    assert _stage(case_id) == "opinions"
    shoot(page, "22-admission-case-awaits-committee", docs=True)

    _switch(page, base, "commune")
    page.goto(f"{base}/admissions/inbox/")
    shoot(page, "23-admission-committee-inbox", docs=True)
    page.click("text=Vũ Thị Hạnh")
    page.wait_for_load_state("networkidle")
    _record(page, "2024-10-07", self_name="Vũ Thị Hạnh", self_result="clear", father_name="Vũ Văn Hòa",
            father_result="clear", mother_name="Lê Thị Thu", mother_result="clear")
    assert _stage(case_id) == "verified"

    _switch(page, base, "secretary")
    page.goto(f"{base}/admissions/{case_id}/")
    _record(page, "2024-10-14", number="05-NQ/CB", yes="3")
    assert _stage(case_id) == "cell_voted"

    _switch(page, base, "commune")
    page.goto(f"{base}/admissions/{case_id}/")
    _record(page, "2024-10-21", number="12-NQ/ĐU", committee_members="5", yes="5")
    _record(page, "2024-10-28", number="45-QĐ/HU")
    assert _stage(case_id) == "admitted"

    _switch(page, base, "secretary")
    page.goto(f"{base}/admissions/{case_id}/")
    _record(page, "2024-11-04", place="Hội trường Trường THCS Đông Sơn")
    page.goto(f"{base}/units/{cast.tree.k.pk}/admissions/")
    shoot(page, "24-admission-cell-board", docs=True)
    page.goto(f"{base}/admissions/{case_id}/")
    _record(page, "2025-11-04", course_done="on", self_review="on", helper_review="on")
    _record(page, "2025-11-05", number="09-NQ/CB", yes="3")
    assert _stage(case_id) == "recognition_voted"

    _switch(page, base, "commune")
    page.goto(f"{base}/admissions/{case_id}/")
    _record(page, "2025-11-10", number="80-QĐ/HU")
    assert _stage(case_id) == "official"
    case = AdmissionCase.objects.select_related("member").get(pk=case_id)
    assert case.member.status == "official" and str(case.member.official_date) == "2025-11-04"
    shoot(page, "25-admission-case-official", docs=True)
    context.close()
