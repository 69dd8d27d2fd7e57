"""The main journeys, as a person sees them: log in, walk the tree, find a member, switch language."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, shoot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


def test_province_officer_walks_the_tree_finds_a_member_and_switches_language(page, live_server, people):
    base = live_server.url
    page.goto(f"{base}/login/")
    assert page.locator("html").get_attribute("lang") == "vi"
    shoot(page, "01-login", docs=True)

    log_in(page, base, "province")
    assert page.url == f"{base}/units/{people.tree.p.pk}/"
    assert page.locator("h1").inner_text() == "Tỉnh Bắc Hà"
    shoot(page, "02-unit-province", docs=True)

    # the tree: open the province, then the commune; children arrive through htmx
    page.click("a.nav-link[href='/units/']")
    page.locator("details .member-count").first.click()
    page.get_by_role("link", name="Xã Đông Sơn").wait_for()
    page.locator("details details .member-count").first.click()
    page.get_by_role("link", name="Đảng bộ Trường THCS Đông Sơn").wait_for()
    page.locator("details details details .member-count").first.click()
    page.get_by_role("link", name="Chi bộ Giáo viên 2").wait_for()
    shoot(page, "03-tree", docs=True)

    # the unit picker narrows the scope to one unit
    page.fill("#unit-picker-input", "giao vien 2")
    page.locator("#unit-picker-results a", has_text="Chi bộ Giáo viên 2").click()
    page.wait_for_load_state("networkidle")
    assert page.url == f"{base}/units/{people.tree.k2.pk}/"
    assert page.locator(".scope-unit").inner_text() == "Chi bộ Giáo viên 2"

    # search, accent-insensitive, then open a profile
    page.goto(f"{base}/units/{people.tree.p.pk}/")
    page.fill("#id_q", "nguyen van")
    expect(page.locator("#member-list a.member-link")).to_have_count(2)
    names = page.locator("#member-list a.member-link").all_inner_texts()
    assert names == ["Nguyễn Văn Hùng", "Nguyễn Văn Thành"]
    assert "q=nguyen%20van" in page.url
    shoot(page, "04-search", docs=True)
    page.click("text=Lọc danh sách")
    status = page.locator("#id_status")
    expect(status).to_be_visible()
    assert status.locator("option:checked").inner_text() == "Đảng viên hiện có"
    shoot(page, "04b-filters", docs=True)
    page.click("text=Nguyễn Văn Hùng")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Nguyễn Văn Hùng"
    assert page.locator(".citizen-id").inner_text().isdigit()  # the province sees the full ID
    shoot(page, "05-member", docs=True)

    # language: English, then back to Vietnamese
    page.click("button[name=language][value=en]")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_text("Placement history").is_visible()
    shoot(page, "06-member-en", docs=True)
    page.click("button[name=language][value=vi]")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.locator("h1").inner_text() == "Nguyễn Văn Hùng"
    assert page.errors == []


def test_province_officer_edits_a_member_and_sees_the_import_page(page, live_server, people):
    base = live_server.url
    log_in(page, base, "province")
    page.goto(f"{base}/members/{people.plain_m.pk}/edit/")
    page.fill("#id_phone", "12")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator(".invalid-feedback").first.is_visible()
    shoot(page, "07-edit-error", docs=True)
    page.fill("#id_phone", "0911222333")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url == f"{base}/members/{people.plain_m.pk}/"
    page.goto(f"{base}/imports/")
    shoot(page, "08-import", docs=True)
    assert page.errors == []


def test_an_import_with_errors_shows_them_and_writes_nothing(page, live_server, people, tmp_path):
    from huey.contrib.djhuey import HUEY

    from chibo.org.models import Unit

    bad = tmp_path / "chi-bo-moi.csv"
    bad.write_text("code,name,kind,sector,parent_code,opened_on\n"
                   "K7,Chi bộ Giáo viên 7,cell,school,G,2025-07-01\n"
                   "K8,Chi bộ Giáo viên 8,cell,school,KHONGCO,2025-13-01\n", encoding="utf-8")
    base = live_server.url
    log_in(page, base, "province")
    page.goto(f"{base}/imports/")
    page.select_option("#id_kind", "units")
    page.set_input_files("#id_file", str(bad))
    before, HUEY.immediate = HUEY.immediate, True
    try:
        page.click("main form button[type=submit]")
        page.locator(".import-errors").wait_for()
    finally:
        HUEY.immediate = before
    assert page.locator(".import-state").inner_text() == "Bị từ chối: chưa ghi dữ liệu nào"
    assert page.locator(".import-errors tbody tr").count() >= 2
    assert not Unit.objects.filter(code="K7").exists()
    shoot(page, "12-import-errors", docs=True)


def test_cell_secretary_on_a_phone_sees_masked_details(browser, live_server, people):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, locale="vi-VN")
    page = context.new_page()
    base = live_server.url
    log_in(page, base, "secretary")
    assert page.url == f"{base}/units/{people.tree.k.pk}/"
    shoot(page, "09-secretary-phone-cell", docs=True)
    page.click("text=Đặng Văn An")
    page.wait_for_load_state("networkidle")
    assert page.locator(".citizen-id").inner_text().startswith("••••••••")
    shoot(page, "10-secretary-phone-member", docs=True)
    page.click("button.navbar-toggler")
    page.locator("#main-nav.show").wait_for()
    shoot(page, "11-secretary-phone-menu")
    context.close()
