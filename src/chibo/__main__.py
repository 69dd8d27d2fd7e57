"""``python -m chibo COMMAND``: the service's command line.

The Chibo commands are listed first by ``--help``; every Django management command
(``migrate``, ``createsuperuser``, …) works too.
"""

from __future__ import annotations

import os
import sys

COMMANDS = {
    "demo": "set up the database, load the demo province and serve it (demo accounts, password 'demo')",
    "serve": "run the web service (gunicorn; --dev for Django's auto-reloading server)",
    "generate": "generate a synthetic data set (--preset demo|province|nation or --members N) into the database",
    "import": "import units or members from a CSV/XLSX file (all-or-nothing, errors as row/column/message)",
    "export": "export the members of a unit's subtree to CSV or XLSX",
    "template": "write the import template (CSV or XLSX) for units or members",
    "token": "create an API bearer token for a user",
    "tallies": "recompute (--rebuild) or check (--verify) the per-unit member and admission tallies",
    "reminders": "send today's admission reminders now (the worker sends them every morning)",
    "bench": "run a benchmark from bench/ ('bench foundation --size province', 'bench admissions --size province')",
    "migrate": "create or update the database schema",
    "worker": "run the background job worker (huey)",
    "jobs": "list the background jobs queued, running and failed (--sweep: one sweep now; --retry ID)",
}


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = ["usage: python -m chibo COMMAND [options]", "", "Chibo commands:"]
    lines += [f"  {name.ljust(width)}  {text}" for name, text in COMMANDS.items()]
    lines += ["", "'python -m chibo COMMAND --help' explains a command's options.",
              "Every Django management command works too ('python -m chibo help --commands')."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help"}:
        print(usage())
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chibo.settings")
    from django.core.management import execute_from_command_line

    if argv[0] == "worker":
        argv[0] = "run_huey"
    execute_from_command_line(["python -m chibo", *argv])


if __name__ == "__main__":
    main()
