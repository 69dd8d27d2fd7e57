"""What every console page shares, as a person sees it: the top menu on a common laptop screen, and
days written and picked the same way in Vietnamese and in English."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import log_in, shoot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def laptop(browser, live_server):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    page = context.new_page()
    yield page
    context.close()


def test_the_vietnamese_top_menu_fits_one_line_at_1366_pixels(laptop, live_server, cast):
    log_in(laptop, live_server.url, "admin")  # the account with every menu entry
    items = laptop.locator("#main-nav .nav-link")
    assert items.count() >= 6
    assert max(items.nth(i).bounding_box()["height"] for i in range(items.count())) < 45  # one line each
    tops = {round(box["y"]) for box in (items.nth(i).bounding_box() for i in range(items.count()))}
    shoot(laptop, "30-menu-vi-1366")
    assert len(tops) == 1, f"the menu wraps onto {len(tops)} lines"
    assert laptop.locator("nav.navbar").bounding_box()["height"] < 70


@pytest.mark.parametrize(("language", "month", "today"), [("vi", "Tháng", "Hôm nay"), ("en", "", "")])
def test_a_day_is_picked_in_the_pages_language_and_written_day_month_year(laptop, live_server, cast,
                                                                           language, month, today):
    from django.utils import timezone

    base = live_server.url
    log_in(laptop, base, "province")
    if language == "en":
        laptop.click("nav button[name=language][value=en]")
        laptop.wait_for_load_state("networkidle")
    laptop.goto(f"{base}/units/{cast.tree.c.pk}/progress/")
    field = laptop.locator("input#day")
    assert field.input_value() == f"{timezone.localdate():%d/%m/%Y}"
    field.click()
    picker = laptop.locator(".datepicker.active")
    picker.wait_for()
    title = picker.locator(".view-switch").inner_text()
    english_month = timezone.localdate().strftime("%B")
    assert title.startswith(month or english_month)
    shoot(laptop, f"31-date-picker-{language}")
    picker.locator(".datepicker-cell.day:not(.prev):not(.next)", has_text="1").first.click()
    assert field.input_value() == f"01/{timezone.localdate():%m/%Y}"
    laptop.click("main form button[type=submit]")
    laptop.wait_for_load_state("networkidle")
    assert laptop.locator("input#day").input_value() == f"01/{timezone.localdate():%m/%Y}"
