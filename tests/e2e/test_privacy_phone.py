"""A member reads "who can see my data" on a phone (375×740): who may read their record, with
what masked, and the reads of the last year, in Vietnamese; the guide's screenshots."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from chibo.members.queries import profile_for
from tests.e2e.conftest import log_in, shoot
from tests.privacy.conftest import line

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]




@pytest.fixture
def phone(phone_375):
    return phone_375


def test_a_member_reads_who_can_see_their_data_on_a_phone(phone, live_server, cast):
    t, m = cast.tree, cast.plain_m
    profile_for(cast.secretary, m)
    line("members.viewed", actor=cast.province, obj=m, unit_path=m.unit_path, payload={"sensitive": True},
         days_ago=20)
    line("reports.exported", actor=cast.commune, obj=t.c, unit_path=t.c.path,
         payload={"kind": "members", "format": "xlsx", "title": "Danh sách đảng viên", "masked": False}, days_ago=40)
    line("members.viewed", actor=cast.province, obj=cast.other_m, unit_path=m.unit_path, days_ago=5)  # not theirs

    page, base = phone, live_server.url
    log_in(page, base, "member")
    page.goto(f"{base}/handbook/")
    page.click("a[href='/handbook/privacy/']")
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text("Ai có thể xem dữ liệu của tôi")
    readers = page.locator(".privacy-readers > li")
    expect(readers).to_have_count(5)  # you, the administrator, the province, the commune, the cell
    expect(readers.nth(4)).to_contain_text("Chi bộ Giáo viên 1")
    expect(page.locator("body")).not_to_contain_text("Tỉnh Nam Lâm")
    reads = page.locator(".privacy-reads > li")
    expect(reads).to_have_count(3)
    expect(reads.nth(2)).to_contain_text("Xã Đông Sơn")
    # nothing wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.errors == []
    shoot(page, "privacy-phone", docs=True)
    # the same page in English
    page.click("button[value=en]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text("Who can see my data")
    expect(page.locator(".privacy-readers > li").nth(4)).to_contain_text(
        "sees citizen ID, phone, ethnicity, religion masked")
    shoot(page, "privacy-phone-en", docs=True)
