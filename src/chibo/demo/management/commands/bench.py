"""``python -m chibo bench NAME [options]``: run ``bench/NAME.py`` from the repository root."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

import chibo

REPOSITORY = Path(chibo.__file__).resolve().parents[2]


class Command(BaseCommand):
    help = ("Run a benchmark from bench/ in the repository (e.g. 'bench foundation --size province'); "
            "'bench NAME --help' lists its options.")
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("name", help="the benchmark: a module in bench/ (e.g. foundation)")
        parser.add_argument("options", nargs=argparse.REMAINDER, help="options of the benchmark")

    def handle(self, *args, name: str, options: list[str], **kwargs):
        if not (REPOSITORY / "bench" / f"{name}.py").is_file() or not name.isidentifier():
            available = sorted(p.stem for p in (REPOSITORY / "bench").glob("*.py") if p.stem != "__init__")
            raise CommandError(f"No benchmark {name!r} in {REPOSITORY / 'bench'} (available: {', '.join(available)}).")
        if str(REPOSITORY) not in sys.path:
            sys.path.insert(0, str(REPOSITORY))
        module = importlib.import_module(f"bench.{name}")
        module.main(options)
