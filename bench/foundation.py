"""The foundation benchmark (issue 2): ``python -m chibo bench foundation --size province|nation``.

Measures, on the configured database, each figure beside its baseline in the same run:

* load of the data set (generate + write), beside the generator alone (rows produced, not written);
* import throughput (``chibo.imports``) beside a raw COPY/executemany of the same rows;
* scoped member counts from the tally row, beside ``COUNT(*)`` of the members joined to the
  unit subtree (path range);
* the first page of the member list at the root (keyset on the folded-name index), beside the
  same page sorted on the unindexed ``full_name``; a deep page by keyset beside ``OFFSET``;
* accent-insensitive name search at the root (``bench/search.py``): common, rare, full-name,
  typo and no-match terms, and two entered at the fourth phase, each beside the same search
  without the indexes of the last phases;
* the unit page at the root through the test client (time and query count), beside a cell's page;
* the RSS of a gunicorn worker serving the data set, beside the same worker idle; the peak RSS
  of the import.

The table is printed and written to ``bench/results/foundation-<size>.json``. The data set is
loaded when the database is empty (or with ``--reload``, which replaces it); otherwise the
loaded one is measured and the load figure is carried over from the previous results file.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bench import checks, search
from bench.report import Figure, Report

RESULTS = Path(__file__).resolve().parent / "results"

DEFAULT_IMPORT_ROWS = {"province": 200_000, "nation": 1_000_000}


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m chibo bench foundation", description=__doc__.split("\n\n")[0])
    p.add_argument("--size", choices=("province", "nation"), default="province")
    p.add_argument("--reps", type=int, default=7, help="repetitions per figure (median)")
    p.add_argument("--reload", action="store_true", help="(re)load the data set even if one is loaded")
    p.add_argument("--members", type=int, default=None, help="scale the preset (default: full size)")
    p.add_argument("--import-rows", type=int, default=None,
                   help="rows in the import file (default 200,000 province, 1,000,000 nation; 0 skips)")
    p.add_argument("--skip", action="append", default=[],
                   choices=("load", "counts", "list", "search", "page", "worker", "import"),
                   help="leave a part out (repeatable)")
    p.add_argument("--out", type=Path, default=None, help="results file (default bench/results/...)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> Report:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    args = parse(argv)
    call_command("migrate", verbosity=0)  # a new data directory needs the schema first
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # WhiteNoise warns if it is missing
    out = args.out or RESULTS / f"foundation-{args.size}.json"
    report = Report("foundation", args.size, connection.vendor)
    print(f"foundation bench, size {args.size}, {connection.vendor} — medians of {args.reps} runs")
    steps = [
        ("load", lambda: checks.load(report, args, previous=_previous(out))),
        ("counts", lambda: checks.counts(report, args.reps)),
        ("list", lambda: checks.member_list(report, args.reps)),
        ("search", lambda: search.search(report, args.reps)),
        ("page", lambda: checks.unit_page(report, args.reps)),
        ("worker", lambda: checks.worker_rss(report)),
        ("import", lambda: checks.import_throughput(report, _import_rows(args))),
    ]
    for name, step in steps:
        if name in args.skip:
            continue
        started = time.perf_counter()
        step()
        report.context.setdefault("step_seconds", {})[name] = round(time.perf_counter() - started, 1)
        report.write(out)  # after every step: a failure later keeps what was measured
    report.context["plans_checked"] = sorted(report.plans)
    print()
    print(report.table())
    report.write(out)
    print(f"\nwritten to {out}")
    return report


def _import_rows(args: argparse.Namespace) -> int:
    return DEFAULT_IMPORT_ROWS[args.size] if args.import_rows is None else args.import_rows


def _previous(path: Path) -> Figure | None:
    """The load figure of the last run, to carry over when this run does not load."""
    if not path.exists():
        return None
    try:
        for f in json.loads(path.read_text())["figures"]:
            if f["name"].startswith("load") and f["value"] is not None:
                keep = {k: f[k] for k in Figure.__dataclass_fields__ if k in f}
                return Figure(**keep)
    except (ValueError, KeyError, TypeError):
        return None
    return None
