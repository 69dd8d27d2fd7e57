"""Measuring the import against its baseline: a raw ``bulk.insert_rows`` of the same rows.

``compare(path)`` imports a members file and then inserts the very same normalised rows with
``insert_rows`` alone (COPY on PostgreSQL, executemany on SQLite), each in a transaction that is
rolled back, and returns both rates: ``ratio`` against the member rows alone, and
``ratio_with_placements`` against every row the import writes (members and their placements).
The bench calls it; ``synthetic_units`` and ``synthetic_members`` write deterministic files to
measure with.
"""

from __future__ import annotations

import datetime as dt
import resource
import time
from functools import partial
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from chibo.accounts.policy import SYSTEM
from chibo.core.spreadsheet import csv_writer
from chibo.imports import bulk
from chibo.imports.members_check import RowIds
from chibo.imports.members_import import MemberImporter
from chibo.imports.members_write import MEMBER_TABLE_COLUMNS, PLACEMENT_TABLE_COLUMNS
from chibo.imports.readers import open_table
from chibo.imports.services import import_path
from chibo.members.rules import citizen_id_for

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"]
MIDDLE = {"M": ["Văn", "Hữu", "Đức", "Minh", "Quang"], "F": ["Thị", "Ngọc", "Thu", "Thanh", "Bích"]}
GIVEN = {"M": ["An", "Bình", "Cường", "Dũng", "Hùng", "Long", "Nam", "Sơn", "Tuấn", "Việt"],
         "F": ["Anh", "Hà", "Hương", "Lan", "Linh", "Mai", "Ngọc", "Phương", "Thảo", "Trang"]}
OCCUPATIONS = ["civil_servant", "teacher", "farmer", "worker", "retired", "student", "health", "other"]


class _Rollback(Exception):
    pass


def synthetic_units(path: Path, *, parent_code: str, cells: int, per_commune: int = 50,
                    prefix: str = "BX") -> list[str]:
    """Write a units CSV of communes with ``cells`` grassroots cells under ``parent_code``."""
    codes = []
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv_writer(f)
        out.writerow(["code", "name", "kind", "sector", "parent_code", "opened_on"])
        for c in range(0, cells, per_commune):
            commune = f"{prefix}{c // per_commune:04d}"
            out.writerow([commune, f"Đảng bộ xã Thử {c // per_commune}", "commune", "mixed", parent_code, "2025-07-01"])
            for k in range(c, min(c + per_commune, cells)):
                codes.append(f"{commune}-{k:06d}")
                out.writerow([codes[-1], f"Chi bộ thôn {k}", "grassroots_cell", "residential", commune, "2025-07-01"])
    return codes


def synthetic_members(path: Path, *, rows: int, cell_codes: list[str], start: int = 0) -> None:
    """Write a members CSV of ``rows`` valid, distinct members spread over ``cell_codes``."""
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv_writer(f)
        out.writerow(["full_name", "sex", "birth_date", "citizen_id", "phone", "ethnicity", "religion",
                      "education_grade", "occupation", "youth_union", "admission_date", "ceremony_date",
                      "official_date", "card_number", "status", "unit_code"])
        for i in range(start, start + rows):
            out.writerow(_member(i, cell_codes[i % len(cell_codes)]))


def _member(i: int, cell: str) -> list[Any]:
    sex = "F" if i % 3 == 0 else "M"
    birth = dt.date(1950 + i % 50, 1 + i % 12, 1 + i % 28)
    official = i % 10 != 0
    name = f"{SURNAMES[i % 12]} {MIDDLE[sex][i // 12 % 5]} {GIVEN[sex][i // 60 % 10]}"
    cid = citizen_id_for(province=1 + i // 1_000_000 % 96, sex=sex, birth_date=birth, serial=i % 1_000_000)
    admitted = dt.date(birth.year + 25, 5, 19)
    return [name, sex, birth.isoformat(), cid, f"09{i % 100_000_000:08d}", "01" if i % 7 else "02",
            "none" if i % 5 else "buddhism", 12, OCCUPATIONS[i % 8], int(i % 4 == 0), admitted.isoformat(),
            admitted.isoformat(), dt.date(birth.year + 26, 5, 19).isoformat() if official else "",
            str(10_000_000 + i) if official else "", "official" if official else "probationary", cell]


class _Collected:
    """A sink that keeps the prepared rows in memory."""

    def __init__(self) -> None:
        self.members: list[tuple[Any, ...]] = []
        self.placements: list[tuple[Any, ...]] = []

    def extend(self, members: list[tuple[Any, ...]], placements: list[tuple[Any, ...]]) -> None:
        self.members.extend(members)
        self.placements.extend(placements)

    def stop(self) -> None:
        raise ValueError("the file is not importable")

    def drain(self) -> None:
        pass


def _prepared_rows(path: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The member and placement rows ``import_path`` writes for the file, prepared, in memory."""
    importer = MemberImporter(SYSTEM)
    rows = _Collected()
    ids = RowIds(bulk.next_id("members_member"), bulk.next_id("members_placement"),
                 connection.ops.adapt_datetimefield_value(timezone.now()))
    try:
        with open_table(path) as table:
            importer.check_file(table, rows, ids)
        return rows.members, rows.placements
    finally:
        importer.close()


def _timed_and_rolled_back(work) -> tuple[float, Any]:
    started = time.perf_counter()
    result: Any = None
    try:
        with transaction.atomic():
            result = work()
            elapsed = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    return elapsed, result


def _raw(members: list[tuple[Any, ...]], placements: list[tuple[Any, ...]]) -> int:
    count = bulk.insert_rows("members_member", MEMBER_TABLE_COLUMNS, members)
    if placements:
        count += bulk.insert_rows("members_placement", PLACEMENT_TABLE_COLUMNS, placements)
    return count


def compare(path: Path | str, *, repeat: int = 1) -> dict[str, Any]:
    """Import the members file at ``path``, then raw-insert the same rows; all rolled back.

    With ``repeat`` > 1 the three runs alternate that many times and the best time of each is
    kept (the machine may be busy with other work).
    """
    path = Path(path)
    best: dict[str, float] = {}
    result: Any = None
    import_rss = 0.0
    members: list[tuple[Any, ...]] = []
    placements: list[tuple[Any, ...]] = []
    for _ in range(repeat):
        seconds, result = _timed_and_rolled_back(partial(import_path, path, "members", actor=SYSTEM))
        if not result.ok:
            raise ValueError(f"the file is not importable: {result.errors[:3]}")
        best["import"] = min(seconds, best.get("import", seconds))
        import_rss = import_rss or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if not members:
            members, placements = _prepared_rows(path)
        seconds, _count = _timed_and_rolled_back(partial(_raw, members, []))
        best["raw"] = min(seconds, best.get("raw", seconds))
        seconds, _count = _timed_and_rolled_back(partial(_raw, members, placements))
        best["both"] = min(seconds, best.get("both", seconds))
    return {
        "engine": connection.vendor,
        "rows": result.rows,
        "import_seconds": round(best["import"], 3),
        "import_rows_per_s": round(result.rows / best["import"]),
        "raw_seconds": round(best["raw"], 3),
        "raw_rows_per_s": round(len(members) / best["raw"]),
        "ratio": round(best["raw"] / best["import"], 3),
        "raw_with_placements_seconds": round(best["both"], 3),
        "ratio_with_placements": round(best["both"] / best["import"], 3),
        "max_rss_mb_after_import": round(import_rss),
    }
