"""Text a person typed, in an import file: control and invisible characters, names that a
spreadsheet would run as a formula, values too long for their column. Each is reported on its
row and column with what to do, and the file writes nothing."""

from __future__ import annotations

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.imports.services import import_path
from chibo.members.models import Member
from tests.imports.conftest import MEMBER_HEADER, UNIT_HEADER, member_row, write_csv, write_file
from tests.imports.test_members_import import rejected
from tests.imports.test_units_import import rejected as rejected_units
from tests.imports.test_units_import import unit_row

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("checking")]


def control(code: str, position: int) -> str:
    return f"The text contains a control character ({code}) at position {position}: delete it and type the text again."


def invisible(code: str, position: int) -> str:
    return (f"The text contains an invisible formatting character ({code}) at position {position}: "
            "delete it and type the text again.")


def formula(sign: str) -> str:
    return f"A name or place cannot start with “{sign}”: delete the sign at the start."


def test_control_characters_are_refused_on_their_row_and_column(cast, tmp_path):
    rows = [member_row(1, full_name="Nguy\x1bễn Văn An"), member_row(2, home_town="Đông\x00 Sơn"),
            member_row(3, foreign_language="Anh\x7f B1"), member_row(4, sex="M\x1b")]

    errors = rejected(write_csv(tmp_path / "m.csv", MEMBER_HEADER, rows))

    assert errors == [
        {"row": 2, "column": "full_name", "message": control("U+001B", 5)},
        {"row": 3, "column": "home_town", "message": control("U+0000", 5)},
        {"row": 4, "column": "foreign_language", "message": control("U+007F", 4)},
        {"row": 5, "column": "sex", "message": control("U+001B", 2)},
    ]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_invisible_and_unused_characters_are_refused(cast, tmp_path, suffix):
    rows = [member_row(1, full_name="Nguyễn Văn \u202eAn"), member_row(2, full_name="\u200b\u200b\u200b"),
            member_row(3, birth_name="\u3164"), member_row(4, residence="Thôn \ue000")]

    errors = rejected(write_file(tmp_path / f"m.{suffix}", MEMBER_HEADER, rows))

    assert errors == [
        {"row": 2, "column": "full_name", "message": invisible("U+202E", 12)},
        {"row": 3, "column": "full_name", "message": invisible("U+200B", 1)},
        {"row": 4, "column": "birth_name",
         "message": "The text is made only of invisible characters: type it again with letters, or leave it empty."},
        {"row": 5, "column": "residence", "message": (
            "The text contains a character that is not in use (U+E000) at position 6: delete it and type the text "
            "again.")},
    ]


def write_text_xlsx(path, header: list[str], rows: list[dict]):
    """A workbook whose cells are all text, as typed into cells formatted as text."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for r, values in enumerate([header, *[[row.get(h) for h in header] for row in rows]], start=1):
        for c, value in enumerate(values, start=1):
            if value is not None:
                sheet.cell(row=r, column=c, value=value).data_type = "s"
    book.save(path)
    return path


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_names_and_places_cannot_start_like_a_formula(cast, tmp_path, suffix):
    rows = [member_row(1, full_name='=HYPERLINK("http://x.example","Bấm")'),
            member_row(2, home_town="+cmd|' /C calc'!A0"), member_row(3, birth_place="@SUM(A1)"),
            member_row(4, ceremony_place="-cmd"), member_row(5, birth_name=" =1+1")]
    write = write_csv if suffix == "csv" else write_text_xlsx

    errors = rejected(write(tmp_path / f"m.{suffix}", MEMBER_HEADER, rows))

    assert errors == [
        {"row": 2, "column": "full_name", "message": formula("=")},
        {"row": 3, "column": "home_town", "message": formula("+")},
        {"row": 4, "column": "birth_place", "message": formula("@")},
        {"row": 5, "column": "ceremony_place", "message": formula("-")},
        {"row": 6, "column": "birth_name", "message": formula("=")},
    ]


def test_a_unit_name_cannot_start_like_a_formula(cast, tmp_path):
    rows = [unit_row("N1", "C", name="=cmd"), unit_row("N2", "C", name="Chi bộ \u202eN2")]

    errors = rejected_units(write_csv(tmp_path / "u.csv", UNIT_HEADER, rows), SYSTEM)

    assert errors == [{"row": 2, "column": "name", "message": formula("=")},
                      {"row": 3, "column": "name", "message": invisible("U+202E", 8)}]


def test_other_text_may_start_with_a_sign_and_tabs_around_a_value_are_trimmed(cast, tmp_path):
    rows = [member_row(1, foreign_language="-", background_sheet_no="=12", full_name="\tNguyễn Văn An\n",
                       phone="+84912345678")]

    result = import_path(write_csv(tmp_path / "m.csv", MEMBER_HEADER, rows), "members", actor=SYSTEM)

    assert (result.ok, result.errors) == (True, [])
    member = Member.objects.get(full_name="Nguyễn Văn An")
    assert (member.foreign_language, member.background_sheet_no, member.phone) == ("-", "=12", "+84912345678")


def test_an_apostrophe_put_by_an_export_is_taken_off(cast, tmp_path):
    rows = [member_row(1, background_sheet_no="'=12", foreign_language="'Anh"),
            member_row(2, home_town="'=cmd")]

    errors = rejected(write_csv(tmp_path / "m.csv", MEMBER_HEADER, rows))

    assert errors == [{"row": 3, "column": "home_town", "message": formula("=")}]
    rows.pop()
    assert import_path(write_csv(tmp_path / "m2.csv", MEMBER_HEADER, rows), "members", actor=SYSTEM).ok
    member = Member.objects.get(background_sheet_no="=12")
    assert member.foreign_language == "'Anh"


@pytest.mark.parametrize(("suffix", "length"), [("csv", 140_000), ("csv", 1_000), ("xlsx", 30_000)])
def test_a_value_too_long_is_reported_with_its_length_and_limit(cast, tmp_path, suffix, length):
    rows = [member_row(1), member_row(2, full_name="Nguyễn Văn " + "A" * length)]

    errors = rejected(write_file(tmp_path / f"m.{suffix}", MEMBER_HEADER, rows))

    assert errors == [{"row": 3, "column": "full_name",
                       "message": f"At most 120 characters (this has {length + 11})."}]


def test_a_value_longer_than_any_column_points_at_an_open_quote(cast, tmp_path):
    rows = [member_row(1), member_row(2, residence="x" * 1_100_000)]

    errors = rejected(write_csv(tmp_path / "m.csv", MEMBER_HEADER, rows))

    assert errors == [{"row": 3, "column": "", "message": (
        "A value in this row is longer than 1,048,576 characters, more than any column holds: a quote is "
        "probably left open. Check the quotes of this row.")}]


def test_a_column_name_with_a_control_character(cast, tmp_path):
    header = [*MEMBER_HEADER[:-1], "placed_on\x1b"]

    errors = rejected(write_csv(tmp_path / "m.csv", header, [member_row(1)]))

    assert errors == [{"row": 1, "column": "", "message": "Column 31: " + control("U+001B", 10)}]
