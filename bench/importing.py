"""Import throughput beside a raw COPY/executemany of the same rows, and the import's peak RSS.

The file is written by the demo generator (realistic members with every column of the import
template) for the cells of a separate bench subtree ("BENCH", created once through the units
import). ``chibo.imports.measure.compare`` imports it and then raw-inserts the very same rows,
each in a transaction that is rolled back, so the registry is left as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path

from bench.report import Figure, Report, reset_peak_rss, rss_mb
from chibo.members.services import PROFILE_FIELDS

BENCH_CODE = "BENCH"
PROFILE = PROFILE_FIELDS  # the columns the import template shares with the service


def bench_cells(rows: int, workdir: Path) -> list:
    """The grassroots cells of the bench subtree (created on first use, ~100 members each)."""
    from chibo.accounts.policy import SYSTEM
    from chibo.imports import measure
    from chibo.imports.services import import_path
    from chibo.org.enums import UnitKind
    from chibo.org.models import Unit
    from chibo.restructuring import services

    wanted = max(10, rows // 100)
    parent = Unit.objects.filter(code=BENCH_CODE).first()
    if parent is None:
        root = Unit.objects.filter(parent__isnull=True).order_by("path").first()
        parent = services.create_unit(actor=SYSTEM, parent=root, code=BENCH_CODE, kind=UnitKind.PROVINCE,
                                      name="Tỉnh Thử nghiệm (bench)", opened_on=dt.date(2025, 7, 1))
    cells = list(Unit.objects.subtree(parent).filter(kind=UnitKind.GRASSROOTS_CELL).order_by("path"))
    if len(cells) < wanted:
        units_csv = workdir / "bench-units.csv"
        measure.synthetic_units(units_csv, parent_code=BENCH_CODE, cells=wanted, prefix=f"BX{len(cells)}-")
        result = import_path(units_csv, "units", actor=SYSTEM)
        if not result.ok:
            raise RuntimeError(f"the bench units were not imported: {result.errors[:3]}")
        cells = list(Unit.objects.subtree(parent).filter(kind=UnitKind.GRASSROOTS_CELL).order_by("path"))
    return cells[:wanted]


def write_members_csv(path: Path, rows: int, cells: list) -> int:
    """A members file of about ``rows`` generated members; returns the number of rows written."""
    from chibo.demo.people import MEMBER_COLUMNS, People
    from chibo.demo.streams import apportion, member_rows
    from chibo.demo.tree import Cell

    specs = [Cell(c.pk, c.path, "village", 15, -1, 1, c.name, c.opened_on.toordinal()) for c in cells]
    codes = {c.pk: c.code for c in cells}
    index = {name: i for i, name in enumerate(MEMBER_COLUMNS)}
    # other citizen-ID serials and card numbers than the loaded data set: no clash on import
    people = People(seed=7, as_of=dt.date.today(), villages=[], province_places={}, card_base=90_000_000)
    counts = apportion([1] * len(specs), int(rows / 1.025))
    written = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow([*PROFILE, "unit_code"])
        for members, _placements in member_rows(people, specs, counts, serial_base=500_000):
            for m in members:
                values = [_cell(m[index[c]]) for c in PROFILE]
                out.writerow([*values, codes[m[index["unit_id"]]]])
                written += 1
    return written


def _cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    return value


def measure_import(report: Report, rows: int) -> None:
    try:
        from chibo.imports import measure, process
    except ImportError as exc:
        report.add(Figure("import throughput", None, "rows/s", note=f"chibo.imports.measure missing: {exc}"))
        return
    with tempfile.TemporaryDirectory(prefix="chibo-bench-") as tmp:
        workdir = Path(tmp)
        cells = bench_cells(rows, workdir)
        path = workdir / "bench-members.csv"
        written = write_members_csv(path, rows, cells)
        print(f"  importing {written:,} rows…", flush=True)
        before = rss_mb()
        peak: dict[str, float] = {}
        original = measure.import_path

        def import_with_peak(*args, **kwargs):
            reset_peak_rss()
            result = original(*args, **kwargs)
            peak["mb"] = rss_mb("self", "VmHWM")
            return result

        measure.import_path = import_with_peak
        try:
            figures = measure.compare(path)
        except ValueError as exc:
            report.add(Figure("import throughput", None, "rows/s", note=str(exc)[:300]))
            return
        finally:
            measure.import_path = original
    report.context["import"] = figures
    raw = round(figures["rows"] / figures["raw_with_placements_seconds"])
    report.add(Figure(
        "import throughput (members + placements)", figures["import_rows_per_s"], "rows/s", baseline=raw,
        baseline_name="raw insert, same rows", budget=round(raw * 0.5), budget_kind="min",
        note=f"{figures['rows']:,} rows; import = {figures['ratio_with_placements']:.0%} of raw "
             f"({figures['ratio']:.0%} of raw members alone)",
    ))
    child = process.last_child.peak_rss_mb or 0.0  # the checking process, as it reported itself
    total = peak["mb"] + child if "mb" in peak else None
    report.add(Figure("import peak RSS (writer + checker)", total, "MB", baseline=before,
                      baseline_name="process before", budget=1024,
                      note=f"writer {peak.get('mb', 0):.0f} MB + checking process {child:.0f} MB "
                           "(pages shared after the fork are counted in both)"))
