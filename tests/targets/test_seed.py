"""The provinces' own reported figures (DOMAIN.md §5) come out exactly: on the dashboard and in
the periodic report. Rounding rule: percentages to two decimals, half up (104.75%); the round
figure the provinces quote is the exact ratio rounded half up once (61.80% → 62%)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.targets import assistant, progress, reports
from tests.targets import seed as scenario


@pytest.fixture
def seed(db):
    return scenario.build()


def test_quang_ninh_2024_by_the_end_of_august(seed):
    board = progress.dashboard(seed.quang_ninh, dt.date(2024, 8, 31))
    row = board.unit
    assert (row.admitted, row.target, row.percent, row.whole_percent) == (2108, 3411, Decimal("61.80"), 62)
    mong_cai = next(r for r in board.children if r.name == "Thành phố Móng Cái")
    assert (mong_cai.admitted, mong_cai.target, mong_cai.percent) == (195, 195, Decimal("100.00"))
    year_end = progress.dashboard(seed.quang_ninh, dt.date(2024, 12, 31)).unit
    assert year_end.admitted == 2228  # the 120 admitted after the cut-off do not count before it


def test_mong_cai_in_eight_months_by_category(seed):
    row = progress.dashboard(seed.mong_cai, dt.date(2024, 8, 31)).unit
    counts = dict(row.categories)
    assert (counts["non_state_enterprise"], counts["residential"], counts["student"],
            counts["civil_servant"]) == (20, 77, 10, 88)
    assert sum((20, 77, 10, 88)) == row.admitted == 195
    assert assistant.propose(seed.quang_ninh, 2024, "last_year", extra=20).children[seed.mong_cai.pk] == 195


def test_ninh_binh_2023(seed):
    board = progress.dashboard(seed.ninh_binh, dt.date(2023, 12, 31))
    assert (board.unit.admitted, board.unit.target, board.unit.percent) == (2360, 2253, Decimal("104.75"))
    assert (board.new_orgs, board.unit.new_orgs_target, board.new_orgs_percent) == (12, 10, Decimal("120.00"))
    assert dict(board.unit.categories)["entrepreneur"] == 11


def test_ninh_thuan_2024_and_its_police_committee(seed):
    board = progress.dashboard(seed.ninh_thuan, dt.date(2024, 12, 31))
    assert (board.unit.admitted, board.unit.whole_percent) == (853, 106)
    police = next(r for r in board.children if r.name == "Đảng bộ Công an tỉnh")
    assert (police.admitted, police.target, police.whole_percent) == (52, 30, 173)


def test_the_periodic_report_gives_the_same_figures(seed):
    report = reports.take(seed.quang_ninh, dt.date(2024, 8, 31), actor=SYSTEM)
    own = report.data["rows"][0]
    assert (own["admitted"], own["target"], own["percent"]) == (2108, 3411, "61.80")
    mong_cai = next(r for r in report.data["rows"] if r["name"] == "Thành phố Móng Cái")
    assert (mong_cai["percent"], mong_cai["categories"]["civil_servant"]) == ("100.00", 88)


def test_the_exports_give_the_same_figures(seed, tmp_path, client):
    """The progress of Quảng Ninh on 31 August, downloaded as XLSX (read back) and PDF (its text)."""
    import io
    import subprocess

    from openpyxl import load_workbook

    from tests.factories.registry import make_user

    client.force_login(make_user("qn-board", role="board_staff", unit=seed.quang_ninh))
    url = f"/units/{seed.quang_ninh.pk}/progress/export.xlsx?day=2024-08-31"
    book = load_workbook(io.BytesIO(client.get(url).content))
    cells = {row[0]: row for row in book.worksheets[0].iter_rows(values_only=True) if row and row[0]}
    quang_ninh, mong_cai = cells["Tỉnh Quảng Ninh"], cells["Thành phố Móng Cái"]
    assert quang_ninh[1:4] == (2108, 3411, pytest.approx(0.618))
    assert mong_cai[1:4] == (195, 195, 1)
    percent_cell = next(row[3] for row in book.worksheets[0].iter_rows() if row[0].value == "Tỉnh Quảng Ninh")
    assert percent_cell.number_format == "0.00%"  # shown as 61.80%
    pdf = tmp_path / "qn.pdf"
    pdf.write_bytes(client.get(url.replace(".xlsx", ".pdf")).content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "61.80 %" in text and "100.00 %" in text and "Thành phố Móng Cái" in text  # English decimals in tests
