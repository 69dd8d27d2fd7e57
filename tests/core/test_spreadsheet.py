"""Every CSV file Chibo writes keeps text a spreadsheet would run as a formula from running: an
apostrophe goes before it (OWASP's rule), numbers stay numbers; the XLSX files type it as text."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from chibo.accounts.policy import SYSTEM
from chibo.core.spreadsheet import csv_writer, safe_cell, safe_rows, undo_safe_cell
from chibo.imports.report import write_errors_csv
from chibo.imports.services import import_path
from chibo.members.export import export_members, export_table
from chibo.members.models import Member
from chibo.reports import exports
from chibo.reports.tables import Column, Table

SRC = Path(__file__).resolve().parents[2] / "src" / "chibo"
RISKY = ['=HYPERLINK("http://x.example","Bấm")', "+cmd|' /C calc'!A0", "@SUM(A1)", "-cmd", "\tTab", "\rCR"]


def test_text_starting_like_a_formula_gets_an_apostrophe():
    assert [safe_cell(v) for v in RISKY] == ["'" + v for v in RISKY]


def test_numbers_and_other_text_are_left_alone():
    values = [-5, -2.5, 0, None, True, "-5", "+84912345678", "-3.5%", "-0,5", "", "Nguyễn Văn An", "a=b", "x\n=1"]
    assert [safe_cell(v) for v in values] == values


def test_undo_takes_off_only_the_apostrophe_safe_cell_puts():
    assert [undo_safe_cell(safe_cell(v)) for v in RISKY] == RISKY
    assert [undo_safe_cell(v) for v in ("'Anh", "''=x", "'")] == ["'Anh", "''=x", "'"]


def test_safe_rows_looks_at_every_cell_of_a_chunk():
    rows = [("An", 1, "=1+1"), ("-cmd", -2, None), ("Bình", 3, "ghi chú")]
    assert safe_rows(rows) == [["An", 1, "'=1+1"], ["'-cmd", -2, None], ["Bình", 3, "ghi chú"]]
    uneven = [("=x",), ("An", "@y")]
    assert safe_rows(uneven) == [["'=x"], ["An", "'@y"]]
    plain = [("An", 1), ("Bình", -2)]
    assert safe_rows(plain) is plain


def test_every_csv_writer_of_the_code_goes_through_the_safe_writer():
    found = {str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
             if re.search(r"\bcsv\.(writer|DictWriter)\(", p.read_text(encoding="utf-8"))}
    assert found == {"core/spreadsheet.py"}


def test_the_csv_writer_writes_numbers_as_numbers():
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(["-cmd", -5, "x"])
    writer.writerows([["=1", -1.5, "-7"]])
    assert out.getvalue() == "'-cmd,-5,x\n'=1,-1.5,-7\n"


def test_a_report_csv_neutralises_its_cells_and_total():
    table = Table("t", [Column("name", "=Tên"), Column("n", "n", "int"), Column("rate", "rate", "percent")],
                  [("=HYPERLINK(1)", -3, -0.25), ("An", 2, 0.5)], total={"name": "@Total", "n": -1, "rate": -0.1})
    out = io.StringIO()
    exports.to_csv(table, out)
    assert list(csv.reader(io.StringIO(out.getvalue().lstrip("\ufeff")))) == [
        ["'=Tên", "n", "rate"], ["'=HYPERLINK(1)", "-3", "-25%"], ["An", "2", "50%"], ["'@Total", "-1", "-10%"]]


def _risky_member(cast) -> Member:
    member = cast.plain_m
    Member.objects.filter(pk=member.pk).update(  # as stored before the rules: text typed long ago
        home_town=RISKY[0], birth_place=RISKY[1], residence=RISKY[2], foreign_language="-", phone="+84912345678")
    return member


@pytest.mark.django_db
def test_the_members_csv_neutralises_on_both_writers(cast, tmp_path):
    """The console's export (written by PostgreSQL itself there, by Python on SQLite) and the
    command line's export give the same safe cells."""
    _risky_member(cast)
    table = export_table(actor=cast.province, unit=cast.tree.p, row_count=4)
    exports.to_csv(table, tmp_path / "console.csv")
    python = dataclasses.replace(export_table(actor=cast.province, unit=cast.tree.p), query=None)
    exports.to_csv(python, tmp_path / "python.csv")
    export_members(actor=SYSTEM, unit=cast.tree.p, out=tmp_path / "cli.csv")

    for name in ("console.csv", "python.csv", "cli.csv"):
        rows = list(csv.DictReader(io.StringIO((tmp_path / name).read_text(encoding="utf-8-sig"))))
        an = next(r for r in rows if r["full_name"] == "Đặng Văn An")
        assert (an["home_town"], an["birth_place"], an["residence"], an["foreign_language"], an["phone"]) == (
            "'" + RISKY[0], "'" + RISKY[1], "'" + RISKY[2], "'-", "+84912345678"), name
        assert (an["education_grade"], an["birth_date"]) == ("12", "1990-07-09"), name


@pytest.mark.django_db
def test_an_exported_members_file_imports_with_its_apostrophes_taken_off(cast, tmp_path):
    member = _risky_member(cast)
    Member.objects.filter(pk=member.pk).update(home_town="Đông Sơn", birth_place="", residence="",
                                               background_sheet_no="=12")
    export_members(actor=SYSTEM, unit=cast.tree.k, out=tmp_path / "k.csv")
    text = (tmp_path / "k.csv").read_text(encoding="utf-8-sig")
    assert "'=12" in text
    header, *rows = list(csv.reader(io.StringIO(text)))
    mine = next(r for r in rows if r[0] == "Đặng Văn An")
    Member.objects.filter(pk=member.pk).delete()
    with (tmp_path / "again.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([[*header, "placed_on"], [*mine, ""]])

    result = import_path(tmp_path / "again.csv", "members", actor=SYSTEM)

    assert (result.ok, result.errors) == (True, [])
    again = Member.objects.get(full_name="Đặng Văn An")
    assert (again.background_sheet_no, again.foreign_language, again.phone) == ("=12", "-", "+84912345678")


@pytest.mark.django_db
def test_the_command_line_xlsx_types_formula_text_as_text(cast, tmp_path):
    _risky_member(cast)
    export_members(actor=SYSTEM, unit=cast.tree.p, out=tmp_path / "m.xlsx", fmt="xlsx")
    sheet = load_workbook(tmp_path / "m.xlsx").active
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "Đặng Văn An")
    cell = row[header.index("home_town")]
    assert (cell.value, cell.data_type) == (RISKY[0], "s")


def test_the_import_error_report_neutralises_its_cells():
    out = io.StringIO()
    write_errors_csv([{"row": 1, "column": "=cmd", "message": "-x"}], out, total=3)
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["row", "column", "message"], ["1", "'=cmd", "'-x"], ["", "", "… and 2 more errors."]]


def test_rows_written_by_postgresql_pass_unchanged_unless_a_text_cell_starts_like_a_formula():
    from chibo.core.spreadsheet import safe_copied_csv

    clean = 'Nguyễn Văn An,5,2003-05-19,"Thôn A, -B",an@x.vn,"x\n1"\n'.encode()
    assert safe_copied_csv(clean, [0, 3, 4, 5]) is clean
    looks_risky = b'An,-5,"x\n=1"\n'  # a negative number, a later line: read again, left as they are
    assert safe_copied_csv(looks_risky, [0, 2]) == looks_risky
    risky = b'-cmd,-5,"=1+1",+84912345678,"@x\n-y"\nAn,-7,"\tTab",,""\n'
    assert safe_copied_csv(risky, [0, 2, 3, 4]).decode() == (
        "'-cmd,-5,'=1+1,+84912345678,\"'@x\n-y\"\nAn,-7,'\tTab,,\n")
