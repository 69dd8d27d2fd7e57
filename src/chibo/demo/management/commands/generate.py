"""``python -m chibo generate --preset demo|province|nation [--members N] [--seed S] [--replace]``."""

from __future__ import annotations

import datetime as dt
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from chibo.demo.loader import DatasetExists, LoadResult, generate
from chibo.demo.presets import PRESETS


class Command(BaseCommand):
    help = ("Generate a synthetic data set (units, members, history) into the database. "
            "Refuses a database that already holds units or members unless --replace is given.")

    def add_arguments(self, parser):
        parser.add_argument("--preset", choices=sorted(PRESETS), default="demo",
                            help="demo (two provinces, ~5,500 members), province (~150,000 members) "
                                 "or nation (5.6 million members)")
        parser.add_argument("--members", type=int, default=None,
                            help="scale the preset to about this many active members")
        parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data)")
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                            help="reference date of ages and statuses (YYYY-MM-DD, default today)")
        parser.add_argument("--replace", action="store_true",
                            help="delete the registry first: units, members, their history, role "
                                 "grants and the audit log (user accounts are kept)")

    def handle(self, *args, preset: str, members: int | None, seed: int, as_of, replace: bool, **options):
        if members is not None and members < 1:
            raise CommandError("--members must be a positive number.")
        progress = _Progress(self.stderr) if options.get("verbosity", 1) >= 1 else None
        try:
            result = generate(preset, members=members, seed=seed, as_of=as_of, replace=replace,
                              progress=progress)
        except DatasetExists as exc:
            raise CommandError(str(exc)) from exc
        if progress:
            progress.done()
        self.stdout.write(summary(result))


def summary(result: LoadResult) -> str:
    phases = ", ".join(f"{k} {v:.1f}s" for k, v in result.phases.items())
    return (f"Generated preset '{result.preset}' (seed {result.seed}, as of {result.as_of}): "
            f"{result.units:,} units ({result.cells:,} cells), {result.members:,} member records "
            f"({result.active:,} active), {result.placements:,} placements in {result.seconds:.1f}s "
            f"[{phases}]; peak memory {result.peak_rss_mb:.0f} MB"
            + (f" (generators {result.generator_peak_rss_mb:.0f} MB each)" if result.generator_peak_rss_mb else "")
            + ".")


class _Progress:
    """A one-line progress display on stderr."""

    def __init__(self, stream):
        self.stream = stream
        self.started = time.perf_counter()
        self.tty = getattr(sys.stderr, "isatty", lambda: False)()
        self.last = 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - self.last < (0.5 if self.tty else 10) and done < total:
            return
        self.last = now
        pct = 100 * done // total if total else 100
        line = f"{phase}: {done:,}/{total:,} ({pct}%) {now - self.started:.0f}s"
        self.stream.write(("\r" + line) if self.tty else line, ending="" if self.tty else "\n")

    def done(self) -> None:
        if self.tty:
            self.stream.write("")
