"""The cards pages in Chromium, in Vietnamese: the commune officer's badge list and exchange
progress, the cell's card register, the member page's panel, and the member's card on a phone.
Screenshots for the guide (docs/screenshots/cards-*.png)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from chibo.accounts.policy import SYSTEM
from chibo.members import party_age
from chibo.members.cards import services
from chibo.members.enums import GapKind
from chibo.members.models import Member
from tests.e2e.conftest import log_in, shoot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
D = dt.date


@pytest.fixture
def scene(cast):
    t = cast.tree
    for m, admitted in ((cast.other_m, D(1996, 3, 1)), (cast.sec_m, D(1986, 4, 30))):
        Member.objects.filter(pk=m.pk).update(admission_date=admitted)
    card = services.issue_card(cast.plain_m, actor=SYSTEM, number="01234567", issued_on=D(2026, 3, 2),
                               decision="12-QĐ/ĐU")
    services.hand_over(card, actor=SYSTEM, on=D(2026, 3, 20))
    campaign = services.open_campaign(t.c, actor=SYSTEM, name="Đổi thẻ đảng viên gắn chip 2026",
                                      starts_on=D(2026, 4, 1), ends_on=D(2027, 3, 31))
    services.reissue_card(card, actor=SYSTEM, number="82600001", issued_on=D(2026, 4, 10), reason="exchange")
    services.issue_card(cast.other_m, actor=SYSTEM, number="82600002", issued_on=D(2026, 4, 10))
    return campaign


def test_the_officer_and_the_secretary_see_the_cards_pages(browser, live_server, cast, scene):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page, base, t = context.new_page(), live_server.url, cast.tree
    log_in(page, base, "commune")
    page.goto(f"{base}/units/{t.c.pk}/badges/?day=2026-05-19")
    expect(page.locator("h1")).to_contain_text("19/05/2026")
    expect(page.locator(".badge-table tbody tr")).to_have_count(2)
    shoot(page, "cards-badges", docs=True)
    page.goto(f"{base}/card-campaigns/{scene.pk}/")
    expect(page.locator(".campaign-table tbody tr")).to_have_count(1)
    shoot(page, "cards-campaign", docs=True)
    page.goto(f"{base}/members/{cast.plain_m.pk}/")
    expect(page.locator(".cards-panel")).to_contain_text("82600001")
    shoot(page, "cards-member-panel", docs=True)
    context.close()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    log_in(page, base, "secretary")
    page.goto(f"{base}/units/{t.k.pk}/cards/")
    expect(page.locator(".cards-table tbody tr")).to_have_count(3)
    expect(page.locator("body")).to_contain_text("82600002")
    shoot(page, "cards-register", docs=True)
    context.close()


def test_the_member_reads_their_card_on_a_phone(browser, live_server, cast, scene):  # noqa: F811
    party_age.open_gap(cast.other_m, kind=GapKind.LOST_CONTACT, on=D(2026, 1, 10))
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, locale="vi-VN")
    page = context.new_page()
    log_in(page, live_server.url, "member")
    page.goto(f"{live_server.url}/handbook/card/")
    expect(page.locator(".party-age")).to_contain_text("năm")
    expect(page.locator(".card-state")).to_contain_text("Thẻ gắn chip")
    shoot(page, "cards-handbook-phone", docs=True)
    context.close()
