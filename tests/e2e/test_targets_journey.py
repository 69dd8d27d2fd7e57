"""A target set and broken down, approved and locked, then progress watched and drilled into,
in the browser (screenshots for the user guide)."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.admissions.stages import Stage
from chibo.targets.models import State, Target
from tests.e2e.conftest import log_in, shoot
from tests.factories.admissions import carry, open_case

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_set_break_down_approve_and_follow_a_target(browser, live_server, people, tmp_path):
    cast, year = people, dt.date.today().year
    start = dt.date(year, 1, 5)
    for name in ("Vũ Thị Hạnh", "Đỗ Thị Lan"):
        carry(open_case(cast.tree.k, full_name=name, on=start), Stage.ADMITTED, step_days=3)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN", accept_downloads=True)
    page = context.new_page()
    base = live_server.url
    g = cast.tree.g
    log_in(page, base, "province")
    page.goto(f"{base}/units/{g.pk}/targets/?year={year}")
    page.fill("input[name=rate]", "20")
    page.click("button[name=propose][value=rate]")
    page.wait_for_load_state("networkidle")
    proposed = [int(page.input_value(f"input[name=value_{u.pk}]")) for u in (g, cast.tree.k, cast.tree.k2)]
    assert proposed[0] == 2 and proposed[1] + proposed[2] == 2  # 20% of G's 8 members, split to its cells
    page.fill(f"input[name=value_{g.pk}]", "4")
    page.fill(f"input[name=value_{cast.tree.k.pk}]", "3")
    page.fill(f"input[name=value_{cast.tree.k2.pk}]", "1")
    shoot(page, "30-targets-breakdown", docs=True)
    page.click("button[name=action][value=save]")
    page.wait_for_load_state("networkidle")
    assert Target.objects.filter(year=year).count() == 3
    page.click("nav form[action='/logout/'] button")
    log_in(page, base, "commune")
    page.goto(f"{base}/units/{g.pk}/targets/?year={year}")
    page.click("button[name=action][value=lock]")
    page.wait_for_load_state("networkidle")
    assert set(Target.objects.values_list("state", flat=True)) == {State.LOCKED}
    page.goto(f"{base}/units/{cast.tree.c.pk}/progress/")
    page.wait_for_load_state("networkidle")
    page.click(f"a[href^='/units/{g.pk}/progress/']")
    page.wait_for_load_state("networkidle")
    assert "2 / 4" in page.locator(".figure-total .figure-value").inner_text()
    page.wait_for_function("document.querySelector('#chart-line').width > 0")
    shoot(page, "31-progress-dashboard", docs=True)
    with page.expect_download() as download:
        page.click(f"a[href^='/units/{g.pk}/progress/export.xlsx']")
    from openpyxl import load_workbook

    assert download.value.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    book = load_workbook(saved, read_only=True)
    rows = {r[0]: r for r in book.worksheets[0].iter_rows(values_only=True) if r and r[0]}
    assert rows["Đảng bộ Trường THCS Đông Sơn"][1:3] == (2, 4)
    page.click(f"a[href^='/units/{cast.tree.k.pk}/progress/']")
    page.wait_for_load_state("networkidle")
    assert "2 / 3" in page.locator(".figure-total .figure-value").inner_text()
    context.close()
