"""In the browser: the secretary sees the grounds the data shows on a member's page, proposes the
removal with its evidence; the commune committee finds it among the pending proposals and removes
the member. Screenshots of each screen (the guide's in docs/screenshots/leaving-*.png)."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.members.leaving.models import Removal
from tests.e2e.conftest import log_in, shoot
from tests.members.leaving.conftest import absences

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _switch(page, base: str, username: str) -> None:
    page.click("nav form[action='/logout/'] button")
    page.wait_for_load_state("networkidle")
    log_in(page, base, username)


def test_a_removal_from_the_grounds_to_the_decision(browser, live_server, cast):
    member = cast.plain_m
    year = dt.date.today().year
    absences(member, [dt.date(year, 2, 10), dt.date(year, 5, 12), dt.date(year, 9, 8)])
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    base = live_server.url

    log_in(page, base, "secretary")
    page.goto(f"{base}/members/{member.pk}/")
    page.wait_for_selector(".leaving-panel .alert-info")  # the grounds load after the page
    page.locator(".leaving-panel").scroll_into_view_if_needed()
    shoot(page, "leaving-member-panel", docs=True)

    page.goto(f"{base}/units/{cast.tree.k.pk}/removal-candidates/")
    assert member.full_name in page.content()
    shoot(page, "leaving-candidates", docs=True)

    page.click(f"a[href='/members/{member.pk}/leaving/propose/']")
    page.select_option("select[name=ground]", "absences")
    page.fill("input[name=proposed_on]", dt.date.today().strftime("%d/%m/%Y"))
    page.fill("input[name=proposal]", "05-NQ/CB")
    page.keyboard.press("Escape")
    shoot(page, "leaving-propose", docs=True)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    removal = Removal.objects.get(member=member)
    assert len(removal.evidence["meetings"]) == 3

    _switch(page, base, "commune")
    page.goto(f"{base}/units/{cast.tree.g.pk}/removals/")
    assert member.full_name in page.content()
    shoot(page, "leaving-pending", docs=True)
    page.click(f"a[href='/removals/{removal.pk}/']")
    page.fill("input[name=decided_on]", dt.date.today().strftime("%d/%m/%Y"))
    page.fill("input[name=decision]", "15-QĐ/ĐU")
    page.keyboard.press("Escape")
    shoot(page, "leaving-decide", docs=True)
    page.click("button[name=answer][value=remove]")
    page.wait_for_load_state("networkidle")
    member.refresh_from_db()
    assert member.status == "removed"
    shoot(page, "leaving-removed")

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN", is_mobile=True)
    small = phone.new_page()
    log_in(small, base, "secretary")
    small.goto(f"{base}/members/{cast.other_m.pk}/leaving/exempt/")
    shoot(small, "leaving-exempt-phone", docs=True)
    phone.close()
    context.close()
