"""The export mechanism: tables as XLSX (read back with openpyxl), CSV (read back as text) and PDF
(pdftotext, pdftoppm), the SVG charts, and the background export job with its progress, audit
line, row limit and masking.

``CHIBO_DOCS_SCREENSHOTS=1`` also saves the sample PDF's first page to
docs/screenshots/export-sample.png.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image

from chibo.accounts.roles import ROLE_PERMISSIONS, Perm, Role
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.core.models import AuditEntry
from chibo.members.export import COLUMNS
from chibo.reports import charts, exports, services, tasks
from chibo.reports.models import ExportJob
from chibo.reports.tables import Column, Table
from tests.factories.registry import make_user

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TITLE = "Kết quả kết nạp đảng viên năm 2026"
SUBTITLE = "Đảng bộ tỉnh Bắc Hà — từ 01/01/2026 đến 30/11/2026"
UNITS = ["Đảng bộ xã Đông Sơn", "Đảng bộ phường Bắc Hà", "Chi bộ thôn Thượng", "Đảng bộ Trường THCS Đông Sơn"]


def report_table(rows: int = 4, **kwargs) -> Table:
    data = [{"unit": f"{UNITS[i % len(UNITS)]} {i + 1}", "members": 1200 + 37 * i, "admitted": 10 + i,
             "target": 15, "rate": (10 + i) / 15, "updated": dt.date(2026, 11, 1 + i % 28)} for i in range(rows)]
    return Table(
        title=TITLE, subtitle=SUBTITLE,
        columns=[Column("unit", "Đơn vị", width=34), Column("members", "Số đảng viên", "int", 14),
                 Column("admitted", "Kết nạp", "int"), Column("target", "Chỉ tiêu", "int"),
                 Column("rate", "Tỷ lệ hoàn thành", "percent", 16), Column("updated", "Cập nhật", "date")],
        rows=data, total={"unit": "Tổng cộng", "members": sum(r["members"] for r in data),
                          "admitted": sum(r["admitted"] for r in data), "target": 15 * rows, "rate": 0.8},
        notes=["Số liệu theo báo cáo của các đảng bộ trực thuộc."], **kwargs)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def run(tool: str, *args: str) -> str:
    if not shutil.which(tool):
        pytest.fail(f"{tool} is missing: run scripts/ensure-pdf-tools (Debian's poppler-utils)")
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True).stdout


# ---- XLSX --------------------------------------------------------------------------------------

def test_xlsx_cells_are_typed_under_a_bold_frozen_header(tmp_path):
    out = tmp_path / "r.xlsx"
    assert exports.to_xlsx(report_table(), out) == 4

    sheet = load_workbook(out).active
    assert sheet.title == "Kết quả kết nạp đảng viên năm"  # ≤ 31 characters, cut between words
    assert (sheet["A1"].value, sheet["A1"].font.b, sheet["A2"].value) == (TITLE, True, SUBTITLE)
    assert sheet.freeze_panes == "A5"  # title, subtitle, a blank line, the header
    header = [c.value for c in sheet[4]]
    assert header == ["Đơn vị", "Số đảng viên", "Kết nạp", "Chỉ tiêu", "Tỷ lệ hoàn thành", "Cập nhật"]
    assert all(c.font.b for c in sheet[4])
    unit, members, admitted, _target, rate, updated = sheet[5]
    assert (unit.value, unit.data_type) == ("Đảng bộ xã Đông Sơn 1", "s")
    assert (members.value, members.data_type, admitted.value) == (1200, "n", 10)
    assert rate.value == pytest.approx(10 / 15) and rate.number_format == "0.00%"
    assert (updated.value, updated.is_date, updated.number_format) == (dt.datetime(2026, 11, 1), True, "dd/mm/yyyy")
    assert {k: sheet.column_dimensions[k].width for k in "ABE"} == {"A": 34, "B": 14, "E": 16}
    total = sheet[9]
    assert [c.value for c in total][:5] == ["Tổng cộng", 4 * 1200 + 37 * 6, 46, 60, 0.8]
    assert all(c.font.b for c in total[:5]) and total[4].number_format == "0.00%"
    assert sheet["A11"].value == "Số liệu theo báo cáo của các đảng bộ trực thuộc."


def test_one_sheet_per_table_with_unique_short_names(tmp_path):
    tables = [report_table(), report_table(), Table("Sổ: đảng viên [2026]/*?", [Column("a", "A")], [{"a": 1}])]
    exports.to_xlsx(tables, tmp_path / "r.xlsx")

    names = load_workbook(tmp_path / "r.xlsx").sheetnames
    assert names == ["Kết quả kết nạp đảng viên năm", "Kết quả kết nạp đảng viên (2)", "Sổ  đảng viên  2026"]
    assert all(len(n) <= 31 for n in names)
    assert exports.sheet_titles(["a", "A", "x" * 40]) == ["a", "A (2)", "x" * 31]


def test_a_list_for_programs_has_its_header_in_the_first_row(tmp_path):
    table = Table("members", [Column("full_name", "full_name"), Column("youth_union", "youth_union", "int")],
                  rows=[("Đặng Văn An", True), ("=HYPERLINK(\"x\")", False), ("Lê\x07 Văn Bình", None)],
                  title_rows=False)
    exports.to_xlsx(table, tmp_path / "m.xlsx")

    sheet = load_workbook(tmp_path / "m.xlsx").active
    assert sheet.freeze_panes == "A2"
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["full_name", "youth_union"], ["Đặng Văn An", 1], ['=HYPERLINK("x")', 0], ["Lê Văn Bình", None]]
    assert sheet["A3"].data_type == "s"  # text that looks like a formula stays text


def test_an_xlsx_longer_than_a_sheet_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 3)
    rows = [("a",), ("b",), ("c",), ("d",)]
    with pytest.raises(exports.TooManyRows, match="a spreadsheet holds at most 3. Export it as CSV instead."):
        exports.to_xlsx(Table("t", [Column("x", "x")], rows, title_rows=False), tmp_path / "t.xlsx")
    # row count unknown beforehand (an iterator): refused while writing
    with pytest.raises(exports.TooManyRows, match="This list has 4 rows"):
        exports.to_xlsx(Table("t", [Column("x", "x")], iter(rows), title_rows=False), tmp_path / "t.xlsx")


# ---- CSV ---------------------------------------------------------------------------------------

def test_csv_is_utf8_with_a_bom_and_plain_values(tmp_path):
    out = tmp_path / "r.csv"
    assert exports.to_csv(report_table(), out) == 4

    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["Đơn vị", "Số đảng viên", "Kết nạp", "Chỉ tiêu", "Tỷ lệ hoàn thành", "Cập nhật"]
    assert rows[1] == ["Đảng bộ xã Đông Sơn 1", "1200", "10", "15", "66.67%", "2026-11-01"]
    assert rows[-1] == ["Tổng cộng", "5022", "46", "60", "80%", ""]
    assert len(rows) == 6


def test_csv_streams_to_binary_and_text_streams():
    table = Table("t", [Column("name", "Họ và tên"), Column("ok", "ok", "int")], [("Nguyễn Thị Hương", True)])
    binary = io.BytesIO()
    exports.to_csv(table, binary)
    assert binary.getvalue() == "\ufeffHọ và tên,ok\nNguyễn Thị Hương,1\n".encode()
    text = io.StringIO()
    exports.to_csv(Table("t", table.columns, [("Nguyễn Thị Hương", False)]), text)
    assert text.getvalue() == "\ufeffHọ và tên,ok\nNguyễn Thị Hương,0\n"


def test_writers_report_progress_per_chunk(tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK", 2)
    seen: list[int] = []
    exports.to_csv(report_table(5), tmp_path / "r.csv", progress=seen.append)
    assert seen == [2, 4, 5]
    seen.clear()
    exports.to_xlsx([report_table(3), report_table(2)], tmp_path / "r.xlsx", progress=seen.append)
    assert seen == [2, 3, 5]


# ---- PDF and charts ----------------------------------------------------------------------------

def sample_charts():
    bars = charts.bar_chart_svg([f"Xã Đông Sơn {i}" for i in range(1, 7)], [12, 9, 15, 7, 18, 11], target=14,
                                title="Kết nạp theo đơn vị")
    lines = charts.line_chart_svg({"Kết nạp": [(f"T{m}", 6 * m) for m in range(1, 12)],
                                   "Chỉ tiêu": [(f"T{m}", 50) for m in range(1, 12)]},
                                  title="Tiến độ cả năm")
    return [bars, lines]


def test_pdf_prints_the_vietnamese_title_the_charts_and_the_table(tmp_path, settings):
    settings.LANGUAGE_CODE = "vi"
    from django.utils import translation

    with translation.override("vi"):
        html = exports.render_html(report_table(60), sample_charts())
        pdf = exports.to_pdf(report_table(60), sample_charts())
    assert html.count("<svg") == 2 and "Kết nạp theo đơn vị" in html
    assert pdf.startswith(b"%PDF")
    source = tmp_path / "r.pdf"
    source.write_bytes(pdf)
    text = _flat(run("pdftotext", str(source), "-"))
    for piece in (TITLE, SUBTITLE, "Kết nạp theo đơn vị", "Tiến độ cả năm", "Đảng bộ xã Đông Sơn 1", "66,67 %",
                  "Tổng cộng", "Số liệu theo báo cáo"):
        assert piece in text, piece
    assert "A4" in run("pdfinfo", str(source))
    # the header row is printed again on the next page
    page2 = _flat(run("pdftotext", "-f", "2", "-l", "2", str(source), "-"))
    assert page2.startswith("Đơn vị Số đảng viên Kết nạp Chỉ tiêu Tỷ lệ hoàn thành Cập nhật"), page2[:120]
    fonts = run("pdffonts", str(source))
    assert "NotoSans" in fonts.replace("-", ""), fonts
    run("pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", "-singlefile", str(source), str(tmp_path / "page"))
    png = (tmp_path / "page.png").read_bytes()
    image = Image.open(io.BytesIO(png)).convert("L")
    assert sum(image.histogram()[:128]) > 3000  # ink: text, bars and lines
    if os.environ.get("CHIBO_DOCS_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        run("pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", "-singlefile", str(source),
            str(SCREENSHOTS / "export-sample"))


def test_a_wide_table_turns_the_page(tmp_path):
    columns = [Column(f"c{i}", f"Cột {i}", "int") for i in range(9)]
    pdf = exports.to_pdf(Table("Bảng rộng", columns, [{f"c{i}": i for i in range(9)}]))
    (tmp_path / "w.pdf").write_bytes(pdf)
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", run("pdfinfo", str(tmp_path / "w.pdf")))
    assert size and float(size.group(1)) > float(size.group(2))  # landscape


def test_a_pdf_is_refused_beyond_its_rows(monkeypatch):
    monkeypatch.setattr(exports, "PDF_MAX_ROWS", 3)
    with pytest.raises(exports.TooManyRows, match="Export it as XLSX or CSV instead."):
        exports.render_html(report_table(4))


def test_charts_escape_their_labels_and_scale_to_a_round_top():
    svg = charts.bar_chart_svg(["<script>x</script>", "Chi bộ 2"], [3, 7], target=[5, None])
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.count('class="bar"') == 2 and svg.count('class="target"') == 1
    assert [charts.nice_ceiling(v) for v in (0, 7, 18, 240, 1000)] == [1, 10, 20, 250, 1000]
    line = charts.line_chart_svg({"A": [("T1", 1), ("T2", None), ("T3", 2), ("T4", 3)]})
    assert line.count('class="series"') == 1  # the gap splits the line; a lone point is no line
    assert "<b>" not in exports.render_html(Table("t", [Column("a", "a")], []), ["<b>not markup</b>"])


def test_from_simple_guesses_the_kinds():
    from django.utils.translation import gettext_lazy

    table = Table.from_simple(
        gettext_lazy("Statistics"), [("label", gettext_lazy("Unit")), ("n", "Số"), ("share", "Tỷ lệ"),
                                     ("on", "Ngày"), ("avg", "Bình quân")],
        [{"label": "Xã A", "level": 0, "n": 3, "share": 0.25, "on": dt.date(2026, 1, 2), "avg": 1.5},
         {"label": "Nữ", "level": 1, "n": 1, "share": 1, "on": None, "avg": 0.5}],
        total={"label": "Cộng", "n": 3, "share": 1.0})
    assert [(c.kind, c.label) for c in table.columns] == [
        ("text", "Unit"), ("int", "Số"), ("percent", "Tỷ lệ"), ("date", "Ngày"), ("text", "Bình quân")]
    assert table.title == "Statistics" and table.row_count == 2 and table.total == {"label": "Cộng", "n": 3,
                                                                                     "share": 1.0}
    assert [r["label"] for r in table.rows] == ["Xã A", "– Nữ"]  # an "of which" row is set in
    assert Table.from_simple("t", [("x", "x")], [{"x": 2.5}], percent=["x"]).columns[0].kind == "percent"


# ---- the background job ------------------------------------------------------------------------

def start(actor, fmt, unit, capture, **params):
    with capture(execute=True):
        job = services.start_export(actor, "members", {"unit": unit.pk, **params}, fmt)
    job.refresh_from_db()
    return job


def test_the_job_writes_the_member_list_with_progress(cast, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(exports, "CHUNK", 1)
    monkeypatch.setattr(tasks, "SAVE_EVERY", 0)
    published: list[tuple[int, int, int]] = []
    monkeypatch.setattr(tasks, "publish_progress", lambda *args: published.append(args))

    job = start(cast.province, "xlsx", cast.tree.g, django_capture_on_commit_callbacks)

    assert (job.state, job.rows_done, job.rows_total, job.error, job.user) == ("done", 3, 3, "", cast.province)
    assert [p[1:] for p in published] == [(1, 3), (2, 3), (3, 3)] and {p[0] for p in published} == {job.pk}
    assert job.finished_at is not None and job.percent == 100
    assert job.file.name.startswith("exports/") and job.download_name == f"members-G.{dt.date.today():%Y-%m-%d}.xlsx"
    sheet = load_workbook(job.file.path).active
    assert [c.value for c in sheet[1]] == list(COLUMNS) and sheet.freeze_panes == "A2"
    first = {c: cell.value for c, cell in zip(COLUMNS, sheet[2], strict=True)}
    assert (first["full_name"], first["birth_date"], first["youth_union"], first["citizen_id"]) == (
        "Đặng Văn An", dt.datetime(1990, 7, 9), 0, cast.plain_m.citizen_id)
    assert sheet.max_row == 4


def test_an_export_is_audited_with_its_parameters_masked(cast, django_capture_on_commit_callbacks):
    job = start(cast.commune, "csv", cast.tree.c, django_capture_on_commit_callbacks, citizen_id="001090001234")

    entry = AuditEntry.objects.get(action="reports.exported")
    assert (entry.actor, entry.unit_path, entry.object_id) == (cast.commune, cast.tree.c.path, str(job.pk))
    assert entry.payload == {"kind": "members", "format": "csv", "title": "Members of Xã Đông Sơn", "rows": 3,
                             "masked": False, "params": {"unit": cast.tree.c.pk, "citizen_id": "••••••••••34"}}


def test_a_user_who_may_not_see_sensitive_fields_gets_them_masked(cast, monkeypatch, tmp_path,
                                                                   django_capture_on_commit_callbacks):
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.AUDITOR, ROLE_PERMISSIONS[Role.AUDITOR] | {Perm.MEMBERS_EXPORT})
    auditor = make_user("auditor", role="auditor", unit=cast.tree.c)

    job = start(auditor, "csv", cast.tree.k, django_capture_on_commit_callbacks)

    raw = Path(job.file.path).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = {r["full_name"]: r for r in csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))}
    assert list(rows) == ["Đặng Văn An", "Lê Hoàng Cường", "Trần Thị Bình"]
    binh = rows["Trần Thị Bình"]
    assert (binh["phone"], binh["religion"]) == ("091•••••78", "•••")
    assert binh["citizen_id"] == "••••••••" + cast.sec_m.citizen_id[-4:]
    assert AuditEntry.objects.get(action="reports.exported").payload["masked"] is True


def test_an_xlsx_longer_than_a_sheet_is_refused_with_the_way_out(cast, monkeypatch,
                                                                  django_capture_on_commit_callbacks):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)
    with pytest.raises(DomainError) as refused:
        services.start_export(cast.province, "members", {"unit": cast.tree.g.pk}, "xlsx")
    assert str(refused.value.message) == ("This list has 3 rows: a spreadsheet holds at most 2. "
                                          "Export it as CSV instead.")
    assert not ExportJob.objects.exists() and not AuditEntry.objects.filter(action="reports.exported").exists()
    assert start(cast.province, "csv", cast.tree.g, django_capture_on_commit_callbacks).state == "done"


def test_the_job_fails_clearly(cast, monkeypatch, django_capture_on_commit_callbacks):
    job = services.start_export(cast.province, "members", {"unit": cast.tree.g.pk}, "xlsx")  # not run yet
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)  # the list grew meanwhile
    assert tasks.run_export.call_local(job.pk) == "failed"
    job.refresh_from_db()
    assert job.error.endswith("Export it as CSV instead.") and not job.file
    assert not list((Path(job.file.storage.location) / "exports").rglob("*.xlsx"))

    other = services.start_export(cast.commune, "members", {"unit": cast.tree.k.pk}, "csv")
    cast.commune.is_active = False  # the user lost access before the job ran
    cast.commune.save()
    assert tasks.run_export.call_local(other.pk) == "failed"
    other.refresh_from_db()
    assert other.error == "What you asked to export is no longer within your scope."
    assert tasks.run_export.call_local(other.pk) == "failed"  # a finished job is not run again


def test_who_may_start_an_export(cast):
    for persona in ("secretary",):
        with pytest.raises(PermissionDenied):
            services.start_export(getattr(cast, persona), "members", {"unit": cast.tree.k.pk}, "csv")
    for persona in ("member", "outsider"):
        with pytest.raises(NotFound):
            services.start_export(getattr(cast, persona), "members", {"unit": cast.tree.k.pk}, "csv")
    with pytest.raises(NotFound):
        services.start_export(cast.admin, "members", {"unit": "x"}, "csv")
    with pytest.raises(DomainError, match="cannot be exported as PDF"):
        services.start_export(cast.admin, "members", {"unit": cast.tree.k.pk}, "pdf")
    with pytest.raises(DomainError, match="There is no such export."):
        services.start_export(cast.admin, "nothing", {}, "csv")


def test_a_small_report_exports_at_once_audited(cast):
    made = services.render_export(actor=cast.province, tables=report_table(), fmt="xlsx", name="kết nạp 2026",
                                  unit_path=cast.tree.p.path, params={"year": 2026})
    assert made.filename == f"ket-nap-2026.{dt.date.today():%Y-%m-%d}.xlsx"
    assert made.content_type.endswith("spreadsheetml.sheet") and made.data.startswith(b"PK")
    entry = AuditEntry.objects.get(action="reports.exported")
    assert (entry.unit_path, entry.payload["rows"], entry.payload["kind"]) == (cast.tree.p.path, 4, "report")
    assert services.render_export(actor=cast.province, tables=report_table(), fmt="pdf",
                                  name="r").data.startswith(b"%PDF")


def test_old_export_files_are_deleted(cast, django_capture_on_commit_callbacks):
    job = start(cast.province, "csv", cast.tree.g, django_capture_on_commit_callbacks)
    path = Path(job.file.path)
    ExportJob.objects.filter(pk=job.pk).update(created_at=job.created_at - dt.timedelta(days=8))
    assert tasks.purge_old_exports.call_local() == 1
    job.refresh_from_db()
    assert not path.exists() and not job.file


def test_the_server_written_csv_equals_the_python_written_one(cast, tmp_path):
    """On PostgreSQL the member list's CSV is written by the server (COPY); it reads back the same
    as the one Python's csv module writes from the rows (on SQLite both are Python's). The server
    quotes an empty text (``""``) where Python writes nothing: both read as empty."""
    import dataclasses

    from chibo.members.export import export_table
    from tests.factories.registry import make_member

    make_member(cast.tree.k, "Hoàng Thị Én", residence='Thôn "Thượng", xã Đông Sơn\nBắc Hà', email="")
    table = export_table(actor=cast.province, unit=cast.tree.p, row_count=4)
    assert table.query is not None
    seen: list[int] = []
    assert exports.to_csv(table, tmp_path / "server.csv", progress=seen.append) == 4
    assert seen[-1] == 4
    python = dataclasses.replace(export_table(actor=cast.province, unit=cast.tree.p), query=None)
    assert exports.to_csv(python, tmp_path / "python.csv") == 4
    server_bytes = (tmp_path / "server.csv").read_bytes()
    assert server_bytes.startswith(b"\xef\xbb\xbffull_name,birth_name,")
    rows = list(csv.DictReader(io.StringIO(server_bytes.decode("utf-8-sig"))))
    python_bytes = (tmp_path / "python.csv").read_bytes()
    assert rows == list(csv.DictReader(io.StringIO(python_bytes.decode("utf-8-sig"))))
    assert [r["full_name"] for r in rows] == ["Đặng Văn An", "Hoàng Thị Én", "Lê Hoàng Cường", "Trần Thị Bình"]
    assert rows[1]["residence"] == 'Thôn "Thượng", xã Đông Sơn\nBắc Hà'
    assert (rows[0]["birth_date"], rows[0]["youth_union"], rows[1]["email"]) == ("1990-07-09", "0", "")


def test_each_chunk_is_converted_only_where_it_needs_to_be(tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK", 2)
    columns = [Column("name", "name"), Column("n", "n", "int"), Column("on", "on", "date"), Column("note", "note")]
    rows = [("An", 1, None, 5), ("Bình", 2, dt.date(2026, 1, 2), None),  # a number in a text column
            ("=SUM(A1:A9)", True, None, "ghi\x0bchú"), ("Cường", False, None, "x\n=1")]
    exports.to_xlsx(Table("t", columns, rows, title_rows=False), tmp_path / "t.xlsx")

    sheet = load_workbook(tmp_path / "t.xlsx").active
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [
        ["An", 1, None, 5], ["Bình", 2, dt.datetime(2026, 1, 2), None],
        ["=SUM(A1:A9)", 1, None, "ghichú"], ["Cường", 0, None, "x\n=1"]]
    assert (sheet["A4"].data_type, sheet["C3"].number_format) == ("s", "dd/mm/yyyy")
