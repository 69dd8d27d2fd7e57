"""Files that cannot be read as a whole: wrong encoding, truncated, wrong header. Nothing written."""

from __future__ import annotations

import csv
import io

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.imports.services import import_path
from chibo.members.models import Member, Placement
from tests.imports.conftest import MEMBER_HEADER, member_row, write_csv, write_xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("checking")]

NOT_UTF8 = ("The file is not UTF-8 text: it was probably saved in another encoding (such as Windows-1258 "
            "or Latin-1). Save it again as “CSV UTF-8” and import that file.")
DAMAGED = ("The file is damaged or incomplete (it is not a valid XLSX workbook): it may be truncated. "
           "Save it again from the spreadsheet program.")
WIDTH = len(MEMBER_HEADER)


def csv_text(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MEMBER_HEADER)
    writer.writerows([[r.get(h, "") for h in MEMBER_HEADER] for r in rows])
    return out.getvalue()


def rejected(path) -> list[dict]:
    before = (Member.objects.count(), Placement.objects.count())
    result = import_path(path, "members", actor=SYSTEM)
    assert (result.ok, result.error_count) == (False, len(result.errors))
    assert (Member.objects.count(), Placement.objects.count()) == before
    return result.errors


def test_a_windows_1258_file_is_refused_at_once(cast, tmp_path):
    rows = [member_row(1, full_name="Lê Văn Tâm"), member_row(2, full_name="Đào Văn Hà")]  # all in cp1258
    path = write_csv(tmp_path / "m.csv", MEMBER_HEADER, rows, encoding="cp1258")

    assert rejected(path) == [{"row": 2, "column": "", "message": NOT_UTF8}]


def test_a_wrong_byte_far_into_the_file_is_found_on_its_row(cast, tmp_path):
    text = csv_text([member_row(1, full_name="Nguyễn Văn Thử") for _ in range(700)])  # > 64 KiB
    path = tmp_path / "m.csv"
    path.write_bytes(text.encode() + "Lê Văn Tám,,M\n".encode("cp1258"))

    assert rejected(path) == [{"row": 702, "column": "", "message": NOT_UTF8}]


def test_utf16_is_not_utf8(cast, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text(csv_text([member_row(1)]), encoding="utf-16")

    assert rejected(path) == [{"row": 1, "column": "", "message": NOT_UTF8}]


def test_a_csv_cut_short_in_its_last_row(cast, tmp_path):
    text = csv_text([member_row(1), member_row(2)])
    path = tmp_path / "m.csv"
    path.write_text(text[: text.rindex("\n", 0, len(text) - 1) + 40], encoding="utf-8")

    assert rejected(path) == [{"row": 3, "column": "", "message": (
        f"The last row has 5 values but the header has {WIDTH} columns: the file seems truncated.")}]


def test_a_csv_cut_inside_a_quoted_value(cast, tmp_path):
    text = csv_text([member_row(1), member_row(2, home_town="Đông Sơn, Thanh Hóa")])
    path = tmp_path / "m.csv"
    path.write_text(text[: text.index("Đông Sơn") + 4], encoding="utf-8")

    assert rejected(path) == [{"row": 3, "column": "", "message": (
        "The file ends in the middle of a quoted value, or a quote is misplaced: it may be truncated.")}]


def test_a_row_of_the_wrong_width_in_the_middle(cast, tmp_path):
    text = csv_text([member_row(1)]) + "a,b,c\n" + csv_text([member_row(2)]).split("\n", 1)[1]
    path = tmp_path / "m.csv"
    path.write_text(text, encoding="utf-8")

    assert rejected(path) == [{"row": 3, "column": "",
                               "message": f"This row has 3 values but the header has {WIDTH} columns."}]


def test_a_truncated_xlsx(cast, tmp_path):
    whole = write_xlsx(tmp_path / "whole.xlsx", MEMBER_HEADER, [member_row(1), member_row(2)]).read_bytes()
    path = tmp_path / "m.xlsx"
    path.write_bytes(whole[: len(whole) // 2])

    assert rejected(path) == [{"row": 1, "column": "", "message": DAMAGED}]


def test_a_csv_renamed_to_xlsx(cast, tmp_path):
    path = tmp_path / "m.xlsx"
    path.write_text(csv_text([member_row(1)]), encoding="utf-8")

    assert rejected(path) == [{"row": 1, "column": "", "message": DAMAGED}]


def test_header_problems(cast, tmp_path):
    header = [h for h in MEMBER_HEADER if h not in ("citizen_id", "status")] + ["nickname", "sex", ""]
    path = write_csv(tmp_path / "m.csv", header, [member_row(1)])

    assert rejected(path) == [
        {"row": 1, "column": "nickname", "message": "Unknown column: see the template for the column names."},
        {"row": 1, "column": "sex", "message": "This column appears twice."},
        {"row": 1, "column": "", "message": f"Column {len(header)} has no name in the first row."},
        {"row": 1, "column": "citizen_id", "message": "This required column is missing."},
        {"row": 1, "column": "status", "message": "This required column is missing."},
    ]


def test_empty_files(cast, tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    header_only = write_csv(tmp_path / "header.csv", MEMBER_HEADER, [])

    assert rejected(tmp_path / "empty.csv") == [
        {"row": 1, "column": "", "message": "The file is empty: the first row must name the columns."}]
    assert rejected(header_only) == [
        {"row": 1, "column": "", "message": "The file has no data rows below the header."}]


def test_an_unknown_file_type(cast, tmp_path):
    path = tmp_path / "m.ods"
    path.write_bytes(b"PK")

    assert rejected(path) == [{"row": 1, "column": "", "message": "Unknown file type: use a .csv or .xlsx file."}]
