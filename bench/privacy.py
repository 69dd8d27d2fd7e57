"""The "who can see my data" benchmark: ``python -m chibo bench privacy --size nation``.

PostgreSQL, on the national data set, with 100 million audit lines (``bench/privacy_data.py``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.report import Report

RESULTS = Path(__file__).resolve().parent / "results"


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m chibo bench privacy", description=__doc__.split("\n\n")[0])
    p.add_argument("--size", choices=("nation",), default="nation")
    p.add_argument("--reps", type=int, default=7, help="repetitions per figure (median)")
    p.add_argument("--lines", type=int, default=100_000_000, help="generated audit lines")
    p.add_argument("--generate", action="store_true", help="only generate the audit lines, then stop")
    p.add_argument("--drop", action="store_true", help="delete the generated audit lines and stop")
    p.add_argument("--out", type=Path, default=None)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> Report:
    from django.db import connection

    from bench import privacy_data

    args = parse(argv)
    if connection.vendor != "postgresql":
        raise SystemExit("The privacy bench runs on PostgreSQL (DATABASE_URL).")
    if args.drop:
        privacy_data.drop()
        raise SystemExit(0)
    report = Report("privacy", args.size, connection.vendor)
    report.context["generation"] = privacy_data.generate(args.lines)
    print(report.context["generation"])
    return report
