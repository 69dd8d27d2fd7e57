"""The review results pages: who sees them, the figures a committee reads, drill-down, the query
count, the exports read back, and the indicator with its target on the targets pages."""

from __future__ import annotations

import io
import os
import subprocess

import pytest
from django.urls import reverse

from chibo.accounts.policy import SYSTEM
from chibo.core.errors import DomainError
from chibo.core.models import AuditEntry
from chibo.targets import services as target_services
from chibo.targets.models import Indicator, Target
from tests.console.conftest import PERSONAS, statuses
from tests.factories.registry import make_unit
from tests.quality.test_results import two_years

OK, FOUND, FORBIDDEN, MISSING = 200, 302, 403, 404
YEAR = 2026


def _matrix(*codes):
    return dict(zip(PERSONAS, codes, strict=True))


PAGES = {
    "results of the commune": (lambda c: reverse("console:review_results", args=[c.tree.c.pk, YEAR]),
                               _matrix(OK, OK, OK, MISSING, MISSING, MISSING)),
    "results of the cell": (lambda c: reverse("console:review_results", args=[c.tree.k.pk, YEAR]),
                            _matrix(OK, OK, OK, OK, MISSING, MISSING)),
    "results of the other province": (lambda c: reverse("console:review_results", args=[c.tree.qk.pk, YEAR]),
                                      _matrix(OK, MISSING, MISSING, MISSING, MISSING, OK)),
    "the year picker": (lambda c: reverse("console:review_results_latest", args=[c.tree.g.pk]),
                        _matrix(FOUND, FOUND, FOUND, MISSING, MISSING, MISSING)),
    "results of the commune as XLSX": (
        lambda c: reverse("console:review_results_export", args=[c.tree.c.pk, YEAR, "xlsx"]),
        _matrix(OK, OK, OK, MISSING, MISSING, MISSING)),
    "results of the cell as PDF": (
        lambda c: reverse("console:review_results_export", args=[c.tree.k.pk, YEAR, "pdf"]),
        _matrix(OK, OK, OK, OK, MISSING, MISSING)),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_persona_matrix(page, cast, client):
    url_of, expected = PAGES[page]
    assert statuses(client, cast, url_of(cast)) == expected


def test_the_page_shows_the_figures_beside_last_year_and_each_child(cast, login):
    two_years(cast)
    target_services.set_targets(actor=SYSTEM, parent=cast.tree.c, year=YEAR, indicator=Indicator.GRASSROOTS_GOOD,
                                values={cast.tree.c.pk: 75})
    response = login("commune").get(reverse("console:review_results", args=[cast.tree.c.pk, YEAR]))
    assert response.status_code == 200
    board = response.context["board"]
    assert (board.unit.of("member").classified, board.unit.of("member").last_classified) == (2, 3)
    assert response.context["target"] == 75 and response.context["met"] is True
    assert [c.name for c, _t in response.context["children"]] == ["Đảng bộ Trường THCS Đông Sơn"]
    page = response.content.decode()
    assert "100.00% / 75%" in page and "target met" in page
    assert reverse("console:review_results", args=[cast.tree.g.pk, YEAR]) in page  # drill-down
    chart = response.context["chart"]
    assert chart["members_now"] == [0.0, 50.0, 50.0, 0.0]
    assert chart["members_before"] == [0.0, 66.67, 0.0, 33.33]
    assert chart["children_levels"] == [[0.0, 50.0, 50.0, 0.0]]


def test_the_year_picker_goes_to_the_year_asked_or_the_latest_review(cast, login):
    two_years(cast)
    client = login("province")
    url = reverse("console:review_results_latest", args=[cast.tree.c.pk])
    assert client.get(url)["Location"] == reverse("console:review_results", args=[cast.tree.c.pk, 2026])
    assert client.get(url + "?year=2025")["Location"] == reverse("console:review_results", args=[cast.tree.c.pk, 2025])
    for garbled in ("abc", "99999", "%C2%B2", "-1"):
        assert client.get(f"{url}?year={garbled}")["Location"].endswith("/2026/")


def test_an_absurd_year_or_format_is_not_found(cast, login):
    client = login("province")
    assert client.get(reverse("console:review_results", args=[cast.tree.c.pk, 1900])).status_code == 404
    assert client.get(reverse("console:review_results_export", args=[cast.tree.c.pk, YEAR, "csv"])).status_code == 404
    page = client.get(reverse("console:review_results", args=[cast.tree.c.pk, 2031])).content.decode()
    assert "No review was opened" in page


@pytest.mark.parametrize("more", [1, 3])
def test_the_page_query_count_does_not_grow_with_children(more, cast, login, django_assert_num_queries):
    two_years(cast)
    for i in range(more):
        make_unit(cast.tree.g, f"N{i}", f"Chi bộ mới {i}", "cell")
    client = login("province")
    url = reverse("console:review_results", args=[cast.tree.g.pk, YEAR])
    client.get(url)  # the session and the grants cached
    # session, user, grants, unit, children, tallies, new members, targets, years, ancestors; the frame's two
    with django_assert_num_queries(13):
        response = client.get(url)
    assert len(response.context["children"]) == 2 + more


def test_the_xlsx_export_reads_back(cast, login):
    from openpyxl import load_workbook

    two_years(cast)
    response = login("province").get(reverse("console:review_results_export", args=[cast.tree.g.pk, YEAR, "xlsx"]))
    assert response.status_code == 200 and ".xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.worksheets) == 3
    levels = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    assert levels[0][0] == "Classification results: Đảng bộ Trường THCS Đông Sơn, 2026"
    by_item = {row[0]: row[1:] for row in levels[3:] if row[0]}
    assert by_item["Party members: reviewed"] == [3, None, 3, None]
    assert by_item["– – Good completion"] == [1, 0.5, 2, 0.6667]
    assert by_item["– – Non-completion"][2:] == [1, 0.3333]
    children = [[c.value for c in row] for row in book.worksheets[1].iter_rows()]
    names = [row[0] for row in children[4:]]
    assert names == ["Chi bộ Giáo viên 1", "Chi bộ Giáo viên 2", "Total"]
    new = [[c.value for c in row] for row in book.worksheets[2].iter_rows()]
    assert new[0][0] == "Quality of the members admitted in 2026"
    assert AuditEntry.objects.filter(action="reports.exported").count() == 1


def test_the_pdf_export_renders(cast, login, tmp_path):
    two_years(cast)
    target_services.set_targets(actor=SYSTEM, parent=cast.tree.c, year=YEAR, indicator=Indicator.GRASSROOTS_GOOD,
                                values={cast.tree.c.pk: 75, cast.tree.g.pk: 80})
    response = login("commune").get(reverse("console:review_results_export", args=[cast.tree.c.pk, YEAR, "pdf"]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    out = os.environ.get("CHIBO_SCREENSHOTS_DIR") or str(tmp_path)
    pdf = os.path.join(out, "review-results.pdf")
    with open(pdf, "wb") as f:
        f.write(response.content)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", pdf, f"{out}/review-results"],
                   check=True, timeout=60)
    pngs = [p for p in os.listdir(out) if p.startswith("review-results") and p.endswith(".png")]
    assert pngs and os.path.getsize(os.path.join(out, pngs[0])) > 10_000


# ---- the indicator with a target on the targets pages ----------------------------------------

def test_the_percentage_target_is_between_0_and_100(cast):
    with pytest.raises(DomainError) as refused:
        target_services.set_targets(actor=cast.province, parent=cast.tree.c, year=YEAR,
                                    indicator=Indicator.GRASSROOTS_GOOD, values={cast.tree.c.pk: 101})
    assert "percentage" in str(refused.value.field_errors)
    target_services.set_targets(actor=cast.province, parent=cast.tree.c, year=YEAR,
                                indicator=Indicator.GRASSROOTS_GOOD, values={cast.tree.c.pk: 100})
    assert Target.objects.get().value == 100


def test_a_province_sets_the_target_and_the_progress_page_shows_it(cast, login):
    two_years(cast)
    client = login("province")
    url = reverse("console:targets", args=[cast.tree.p.pk]) + f"?year={YEAR}&indicator=grassroots_good"
    page = client.get(url).content.decode()
    assert "This target is a percentage" in page
    response = client.post(url, {"year": YEAR, "indicator": "grassroots_good", "action": "save",
                                 f"value_{cast.tree.p.pk}": "75", f"value_{cast.tree.c.pk}": "80"})
    assert response.status_code == 302
    assert dict(Target.objects.values_list("unit__code", "value")) == {"P": 75, "C": 80}
    bad = client.post(url, {"year": YEAR, "indicator": "grassroots_good", "action": "save",
                            f"value_{cast.tree.p.pk}": "150"})
    assert "a whole number from 0 to 100" in bad.content.decode()
    assert Target.objects.get(unit=cast.tree.p).value == 75
    board = client.get(reverse("console:progress", args=[cast.tree.p.pk]) + f"?day=31/12/{YEAR}").context["board"]
    assert (board.unit.grassroots_good, board.unit.grassroots_good_target, board.unit.grassroots_good_met) == (
        100, 75, True)
    assert [(c.name, c.grassroots_good, c.grassroots_good_target) for c in board.children] == [
        ("Xã Đông Sơn", 100, 80)]
