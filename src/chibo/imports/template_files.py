"""The import templates: one header row of column names (CSV or XLSX, with a notes sheet)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from django.utils.translation import gettext as _

from chibo.core.spreadsheet import csv_writer
from chibo.imports.columns import CHOICE, COLUMNS, DATE, DIGITS, Column

# Example rows (the same as docs/templates/): the units file defines the cells the members use.
EXAMPLES: dict[str, list[dict[str, str]]] = {
    "units": [
        {"code": "XDS", "name": "Đảng bộ xã Đông Sơn", "kind": "commune", "sector": "mixed",
         "parent_code": "THA", "opened_on": "2025-07-01"},
        {"code": "XDS-TDONG", "name": "Chi bộ thôn Đông", "kind": "grassroots_cell", "sector": "residential",
         "parent_code": "XDS", "opened_on": "2025-07-01"},
        {"code": "XDS-THCS", "name": "Chi bộ Trường THCS Đông Sơn", "kind": "grassroots_cell",
         "sector": "school", "parent_code": "XDS", "opened_on": "15/07/2025"},
    ],
    "members": [
        {"full_name": "Nguyễn Văn An", "sex": "M", "birth_date": "1975-04-12", "citizen_id": "038075001234",
         "phone": "0912345678", "ethnicity": "01", "religion": "none", "home_town": "Đông Sơn, Thanh Hóa",
         "education_grade": "12", "qualification": "university", "political_theory": "intermediate",
         "occupation": "civil_servant", "admission_date": "2003-05-19", "ceremony_date": "2003-06-01",
         "official_date": "2004-06-01", "card_number": "38123456", "status": "official",
         "unit_code": "XDS-TDONG", "placed_on": "2025-07-01"},
        {"full_name": "Trần Thị Bích Ngọc", "sex": "F", "birth_date": "02/09/1988", "citizen_id": "038188004567",
         "ethnicity": "01", "religion": "buddhism", "education_grade": "12/12", "qualification": "university",
         "political_theory": "elementary", "occupation": "teacher", "youth_union": "0",
         "admission_date": "2012-11-07", "ceremony_date": "2012-11-20", "official_date": "2013-11-20",
         "card_number": "38123457", "status": "official", "unit_code": "XDS-THCS", "placed_on": "2025-07-15"},
        {"full_name": "Lê Hoàng Minh", "sex": "M", "birth_date": "2001-01-20", "citizen_id": "038201000321",
         "ethnicity": "06", "religion": "none", "education_grade": "12", "qualification": "college",
         "occupation": "worker", "youth_union": "1", "admission_date": "2025-03-26",
         "ceremony_date": "2025-04-10", "status": "probationary", "unit_code": "XDS-TDONG",
         "placed_on": "01/07/2025"},
    ],
}


def _rows(kind: str, examples: bool) -> Iterator[list[str]]:
    names = [c.name for c in COLUMNS[kind]]
    yield names
    if examples:
        for example in EXAMPLES[kind]:
            yield [example.get(name, "") for name in names]


def write_csv(kind: str, out: Path, *, examples: bool = False) -> None:
    with out.open("w", encoding="utf-8-sig", newline="") as f:
        csv_writer(f, lineterminator="\n").writerows(_rows(kind, examples))


def notes_rows(kind: str) -> Iterator[list[str]]:
    """One row per column (name, required, type, description), then its allowed codes."""
    yield [_("column"), _("required"), _("type"), _("description"), _("code"), _("meaning")]
    for column in COLUMNS[kind]:
        yield [column.name, _("yes") if column.required else _("no"), column.type_label(), str(column.help),
               column.example, ""]
        for code, label in column.choices:
            yield ["", "", "", "", code, str(label)]


def _validation(column: Column, letter: str):
    from openpyxl.worksheet.datavalidation import DataValidation

    codes = ",".join(code for code, _label in column.choices)
    if len(codes) > 250:
        return None
    rule = DataValidation(type="list", formula1=f'"{codes}"', allow_blank=not column.required)
    rule.add(f"{letter}2:{letter}1048576")
    return rule


def write_xlsx(kind: str, out: Path, *, examples: bool = False) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = kind
    for row in _rows(kind, examples):
        sheet.append(row)
    for index, column in enumerate(COLUMNS[kind], start=1):
        letter = get_column_letter(index)
        sheet.cell(row=1, column=index).font = Font(bold=True)
        sheet.column_dimensions[letter].width = max(12, len(column.name) + 4)
        if column.kind in (DIGITS, DATE) or column.name.endswith("code"):
            sheet.column_dimensions[letter].number_format = "@"  # keep leading zeros, dates as typed
            for number in range(2, sheet.max_row + 1):
                sheet.cell(row=number, column=index).number_format = "@"
        rule = _validation(column, letter) if column.kind == CHOICE else None
        if rule is not None:
            sheet.add_data_validation(rule)
    sheet.freeze_panes = "A2"
    notes = book.create_sheet(_("notes"))
    for row in notes_rows(kind):
        notes.append(row)
    for letter, width in zip("ABCDEF", (20, 10, 28, 70, 22, 50), strict=True):
        notes.column_dimensions[letter].width = width
    notes.freeze_panes = "A2"
    book.save(out)


def write_template(kind: str, out: Path, *, fmt: str | None = None, examples: bool = False) -> str:
    """Write the ``kind`` template to ``out`` (format by ``fmt`` or extension); returns the format."""
    fmt = (fmt or out.suffix.lstrip(".") or "csv").lower()
    if fmt == "csv":
        write_csv(kind, out, examples=examples)
    elif fmt == "xlsx":
        write_xlsx(kind, out, examples=examples)
    else:
        raise ValueError(fmt)
    return fmt
