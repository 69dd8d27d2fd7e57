"""Timing helpers and the result table shared by the benchmarks in bench/.

Every figure is a median over repetitions (after one warm-up run) and is recorded beside its
baseline, measured in the same run, so the result reads as a ratio rather than a raw number.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


def median_ms(fn: Callable[[], Any], reps: int, *, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 3)


def rss_mb(pid: int | str = "self", field_name: str = "VmRSS") -> float:
    """Resident memory of a process from /proc (VmRSS now, VmHWM peak), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def reset_peak_rss() -> bool:
    """Reset this process's peak RSS (VmHWM) to its current RSS (Linux ≥ 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


@dataclass
class Figure:
    name: str
    value: float | None
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    budget: float | None = None
    budget_kind: str = "max"  # "max": value ≤ budget; "min": value ≥ budget
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool | None:
        if self.budget is None or self.value is None:
            return None
        return self.value <= self.budget if self.budget_kind == "max" else self.value >= self.budget

    @property
    def ratio(self) -> float | None:
        if not self.baseline or self.value is None:
            return None
        return round(self.baseline / self.value, 1) if self.value else None


@dataclass
class Report:
    bench: str
    size: str
    engine: str
    figures: list[Figure] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
    plans: dict[str, str] = field(default_factory=dict)

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        print(f"  {_line(figure)}", flush=True)
        return figure

    def table(self) -> str:
        head = f"{'figure':52} {'value':>12} {'baseline':>30} {'base/val':>8} {'budget':>12}  ok"
        rows = [head, "-" * len(head)]
        rows += [_line(f) for f in self.figures]
        return "\n".join(rows)

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "bench": self.bench, "size": self.size, "engine": self.engine,
            "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg(),
                        "python": platform.python_version()},
            "context": self.context,
            "figures": [{**asdict(f), "ok": f.ok, "ratio": f.ratio} for f in self.figures],
            "plans": self.plans,
        }
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str))
        tmp.replace(path)


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit in ("rows/s", "rows"):
        return f"{value:,.0f} {unit}"
    return f"{value:,.1f} {unit}" if value >= 10 else f"{value:.2f} {unit}"


def _line(f: Figure) -> str:
    base = f"{_fmt(f.baseline, f.unit)} {f.baseline_name}".strip() if f.baseline is not None else ""
    ratio = f"{f.ratio}×" if f.ratio is not None else ""
    sign = "≤" if f.budget_kind == "max" else "≥"
    budget = f"{sign} {_fmt(f.budget, f.unit)}" if f.budget is not None else ""
    ok = {True: "yes", False: "NO", None: ""}[f.ok]
    text = f"{f.name:52} {_fmt(f.value, f.unit):>12} {base[:30]:>30} {ratio:>8} {budget:>12}  {ok}"
    return text + (f"  ({f.note})" if f.note else "")
