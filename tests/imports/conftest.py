"""Helpers for the import tests: files written the way people's spreadsheets write them."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from chibo.imports.columns import MEMBER_COLUMNS
from chibo.members.rules import citizen_id_for

MEMBER_HEADER = [c.name for c in MEMBER_COLUMNS]


@pytest.fixture(params=["here", "child"])
def checking(request, settings):
    """Run a member import's checks in this process, then again in a child process (as a
    large file is checked), by lowering the size from which a child is used."""
    if request.param == "child":
        settings.CHIBO_IMPORT_CHILD_ROWS = 0
    return request.param
UNIT_HEADER = ["code", "name", "kind", "sector", "parent_code", "opened_on"]


def cid(serial: int, *, sex: str = "M", birth: dt.date = dt.date(1985, 3, 15), province: int = 38) -> str:
    return citizen_id_for(province=province, sex=sex, birth_date=birth, serial=900_000 + serial)


def member_row(serial: int, unit_code: str = "K", **overrides: Any) -> dict[str, Any]:
    """A valid official member as the cells of a file (strings, as in a CSV)."""
    row: dict[str, Any] = {
        "full_name": f"Nguyễn Văn Thử {chr(64 + serial)}", "sex": "M", "birth_date": "1985-03-15",
        "citizen_id": cid(serial), "status": "official", "admission_date": "2010-05-19",
        "ceremony_date": "2010-06-01", "official_date": "2011-06-01", "unit_code": unit_code,
    }
    row.update(overrides)
    return row


def write_csv(path: Path, header: list[str], rows: list[dict[str, Any]], *, encoding: str = "utf-8-sig",
              delimiter: str = ",") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows([[r.get(h, "") for h in header] for r in rows])
    return path


def write_xlsx(path: Path, header: list[str], rows: list[dict[str, Any]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for r in rows:
        sheet.append([r.get(h) for h in header])
    book.save(path)
    return path


def write_file(path: Path, header: list[str], rows: list[dict[str, Any]]) -> Path:
    return (write_csv if path.suffix == ".csv" else write_xlsx)(path, header, rows)
