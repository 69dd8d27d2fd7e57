"""A member reads their dues on a phone (375×740): this month's amount and how it is computed, the
reduction, the months, the payments with receipts and the unpaid months, in Vietnamese and
English; the console's register and arrears for the guide."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from chibo.accounts.policy import SYSTEM
from chibo.dues import closing, rules, services
from chibo.dues.ledger import member_months
from tests.e2e.conftest import log_in, shoot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]



@pytest.fixture
def phone(phone_375):
    return phone_375


@pytest.fixture
def dues(cast):
    """The member: salaried, a 30 % reduction for three months, paid in cash up to three months ago
    (two receipts), the months before last closed; the last three months unpaid."""
    today = timezone.localdate()
    this = rules.month_of(today)
    jan = dt.date(today.year, 1, 1)
    m = cast.plain_m
    for member, category, income in ((m, "salaried", 9_876_000), (cast.sec_m, "pensioner", 5_300_000),
                                     (cast.other_m, "student", 0)):
        services.set_basis(member, actor=SYSTEM, category=category, income=income, from_month=jan)
    services.decide_relief(m, actor=SYSTEM, kind="reduction", ground="hardship", percent=30,
                           from_month=rules.add_months(jan, 4), months=3, decision="NQ 07-NQ/CB",
                           decided_on=rules.add_months(jan, 4) - dt.timedelta(days=6))
    paid = rules.months_between(jan, rules.add_months(this, -2))
    half = len(paid) // 2
    for batch, receipt in ((paid[:half], "BL-0117"), (paid[half:], "BL-0342")):
        if batch:
            views = {v.month: v.due for v in member_months([m.pk], today.year, today=today)[m.pk]}
            services.record_payment(m, actor=cast.secretary, months=batch, amount=sum(views[x] for x in batch),
                                    receipt=receipt, paid_on=batch[-1] + dt.timedelta(days=9))
    services.record_payment(cast.sec_m, actor=cast.secretary, months=paid, amount=27_000 * len(paid) + 5000,
                            receipt="BL-0200", paid_on=today)
    for month in rules.months_between(jan, rules.add_months(this, -1)):
        closing.close_month(cast.tree.k, month, actor=SYSTEM)
    return m


def test_a_member_reads_their_dues_on_a_phone(phone, live_server, cast, dues):
    page, base = phone, live_server.url
    log_in(page, base, "member")
    page.goto(f"{base}/handbook/")
    page.click("a[href='/handbook/dues/']")
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text("Đảng phí của tôi")
    expect(page.locator(".dues-now")).to_contain_text("99.000 đ")
    expect(page.locator(".dues-now")).to_contain_text("1 % tiền lương đóng bảo hiểm xã hội")
    expect(page.locator(".dues-payments")).to_contain_text("BL-0117")
    expect(page.locator(".dues-unpaid")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Mức giảm 30 %")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing wider than the phone
    assert page.errors == []
    shoot(page, "dues-phone", docs=True)
    page.click("button[value=en]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text("My dues")
    expect(page.locator(".dues-now")).to_contain_text("99,000 đ")
    shoot(page, "dues-phone-en", docs=True)


def test_the_console_register_and_arrears(browser, live_server, cast, dues):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page, base = context.new_page(), live_server.url
    log_in(page, base, "secretary")
    page.goto(f"{base}/units/{cast.tree.k.pk}/dues/register/")
    expect(page.locator(".dues-register tbody tr")).to_have_count(3)
    expect(page.locator(".dues-register")).to_contain_text("Đặng Văn An")
    shoot(page, "dues-register", docs=True)
    page.goto(f"{base}/members/{dues.pk}/dues/")
    expect(page.locator("form.dues-payment")).to_be_visible()
    shoot(page, "dues-member", docs=True)
    context.close()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    log_in(page, base, "province")
    page.goto(f"{base}/units/{cast.tree.p.pk}/dues/arrears/")
    expect(page.locator(".dues-arrears tbody tr")).to_have_count(3)
    shoot(page, "dues-arrears", docs=True)
    closed = rules.add_months(rules.month_of(timezone.localdate()), -3)  # a closed month the members paid
    page.goto(f"{base}/units/{cast.tree.p.pk}/dues/?month={closed:%Y-%m}")
    expect(page.locator(".dues-shares")).to_be_visible()
    shoot(page, "dues-unit", docs=True)
    context.close()
