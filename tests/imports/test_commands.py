"""The command line: template, import, export."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from chibo.core.models import AuditEntry
from chibo.members.export import COLUMNS as EXPORT_COLUMNS
from chibo.members.models import Member
from tests.imports.conftest import MEMBER_HEADER, UNIT_HEADER, member_row, write_csv

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("checking")]


def run(*args, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_template_csv(tmp_path):
    out, _err = run("template", "members", "-o", str(tmp_path / "members.csv"))

    with (tmp_path / "members.csv").open(encoding="utf-8-sig", newline="") as f:
        assert list(csv.reader(f)) == [MEMBER_HEADER]
    assert out == f"Wrote the members template (csv) to {tmp_path / 'members.csv'}.\n"


def test_template_xlsx_has_a_notes_sheet(tmp_path):
    run("template", "units", "--format", "xlsx", "-o", str(tmp_path / "units.xlsx"))

    book = load_workbook(tmp_path / "units.xlsx")
    assert book.sheetnames == ["units", "notes"]
    assert [c.value for c in book["units"][1]] == UNIT_HEADER
    assert book["units"].freeze_panes == "A2"
    notes = [[c.value for c in row] for row in book["notes"].iter_rows(min_row=1)]
    assert notes[0] == ["column", "required", "type", "description", "code", "meaning"]
    assert notes[1][:3] == ["code", "yes", "text"]
    assert [None, None, None, None, "grassroots_cell", "Grassroots cell (Chi bộ cơ sở)"] in notes


def test_template_xlsx_lists_the_ethnic_groups(tmp_path):
    run("template", "members", "-o", str(tmp_path / "members.xlsx"), "--examples")

    book = load_workbook(tmp_path / "members.xlsx")
    notes = [[c.value for c in row] for row in book["notes"].iter_rows()]
    assert [None, None, None, None, "01", "Kinh"] in notes
    assert [None, None, None, None, "99", "Other"] in notes
    assert book["members"].max_row == 4  # header and three examples


def test_import_command(cast, tmp_path):
    path = write_csv(tmp_path / "m.csv", MEMBER_HEADER, [member_row(1), member_row(2)])

    out, err = run("import", str(path), "--kind", "members", "--as", "province")

    assert out == "Imported 2 members.\n"
    assert "Importing [" in err and "2/2 rows" in err
    assert AuditEntry.objects.get(action="imports.members").actor == cast.province


def test_import_command_lists_the_errors_and_fails(cast, tmp_path):
    rows = [member_row(1, citizen_id="1") for _ in range(52)]
    path = write_csv(tmp_path / "m.csv", MEMBER_HEADER, rows)
    report = tmp_path / "errors.csv"
    err = io.StringIO()

    with pytest.raises(CommandError, match="The file was rejected with 52 errors: nothing was written."):
        call_command("import", str(path), "--kind", "members", "--errors-out", str(report), "--no-progress",
                     stdout=io.StringIO(), stderr=err)

    lines = err.getvalue().splitlines()
    assert lines[0] == "row 2, citizen_id: The citizen ID must be exactly 12 digits."
    assert lines[49] == "row 51, citizen_id: The citizen ID must be exactly 12 digits."
    assert lines[50:] == ["… and 2 more."]
    with report.open(encoding="utf-8-sig", newline="") as f:
        written = list(csv.reader(f))
    assert written[0] == ["row", "column", "message"]
    assert written[-1] == ["53", "citizen_id", "The citizen ID must be exactly 12 digits."]
    assert len(written) == 53
    assert Member.objects.count() == 4


def test_import_command_refusals(cast, tmp_path):
    path = write_csv(tmp_path / "m.csv", MEMBER_HEADER, [member_row(1)])

    with pytest.raises(CommandError, match="No active user named 'nobody'."):
        run("import", str(path), "--kind", "members", "--as", "nobody")
    with pytest.raises(CommandError, match="You may not import into any unit."):
        run("import", str(path), "--kind", "members", "--as", "commune")
    with pytest.raises(CommandError, match="No such file"):
        run("import", str(tmp_path / "missing.csv"), "--kind", "members")


def test_export_csv(cast, tmp_path):
    out, _err = run("export", "G", "--format", "csv", "-o", str(tmp_path / "g.csv"), "--as", "commune")

    with (tmp_path / "g.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == list(EXPORT_COLUMNS)
    assert [(r["full_name"], r["birth_date"], r["unit_code"], r["youth_union"]) for r in rows] == [
        ("Đặng Văn An", "1990-07-09", "K", "0"), ("Lê Hoàng Cường", "1975-11-30", "K", "0"),
        ("Trần Thị Bình", "1978-02-01", "K", "0")]
    assert rows[0]["citizen_id"] == cast.plain_m.citizen_id
    assert out == f"Exported 3 members of Đảng bộ Trường THCS Đông Sơn to {tmp_path / 'g.csv'}.\n"
    entry = AuditEntry.objects.get(action="members.exported")
    assert (entry.actor, entry.unit_path, entry.payload) == (
        cast.commune, cast.tree.g.path, {"count": 3, "format": "csv", "masked": False})


def test_export_xlsx_has_typed_dates(cast, tmp_path):
    run("export", "K", "-o", str(tmp_path / "k.xlsx"))

    sheet = load_workbook(tmp_path / "k.xlsx").active
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header == list(EXPORT_COLUMNS)
    first = {name: cell.value for name, cell in zip(header, sheet[2], strict=True)}
    assert (first["full_name"], first["birth_date"], first["sex"], first["unit_code"]) == (
        "Đặng Văn An", dt.datetime(1990, 7, 9), "M", "K")
    assert sheet.max_row == 4


def test_an_exported_file_imports_elsewhere(cast, tmp_path):
    """The export has the import's columns: exported members can be loaded into a fresh registry."""
    run("export", "QK", "-o", str(tmp_path / "qk.csv"))
    Member.objects.filter(unit__code="QK").update(status="deceased")  # free the citizen ID

    out, _err = run("import", str(tmp_path / "qk.csv"), "--kind", "members", "--no-progress")

    assert out == "Imported 1 members.\n"


def test_export_refusals(cast, tmp_path):
    with pytest.raises(CommandError, match="No unit K \\(or it is outside your scope\\)."):
        run("export", "K", "-o", str(tmp_path / "k.csv"), "--as", "outsider")
    with pytest.raises(CommandError, match="You may not export the members of this unit."):
        run("export", "K", "-o", str(tmp_path / "k.csv"), "--as", "secretary")
    assert not (tmp_path / "k.csv").exists()
