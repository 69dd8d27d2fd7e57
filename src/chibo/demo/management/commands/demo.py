"""``python -m chibo demo [--no-serve] [--port 8000]``: the demo, from an empty database to a browser."""

from __future__ import annotations

import shutil
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from chibo.core.errors import DomainError
from chibo.demo import cards, dbtools, dues, leaving, privacy, transfers
from chibo.demo.accounts import DEMO_PASSWORD, NotDemoData, create_demo_accounts
from chibo.demo.admissions import make_demo_cases
from chibo.demo.loader import generate
from chibo.demo.management.commands.generate import summary
from chibo.demo.meetings import make_demo_meeting
from chibo.demo.reviews import make_demo_review
from chibo.demo.serving import serve
from chibo.demo.targets import make_demo_targets

# the member's life after admission, in the order its records build on each other (the reads of
# the demo member's record last, after the other parts wrote theirs)
LIFECYCLE = (leaving, transfers, cards, dues, privacy)


class Command(BaseCommand):
    help = ("Set up the database (migrate), load the demo province if the database is empty, create "
            "the six demo accounts (password 'demo') and serve the console.")

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="set up only, do not start the server")
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
        parser.add_argument("--members", type=int, default=None, help="scale the demo data set")
        parser.add_argument("--seed", type=int, default=1, help="random seed of the demo data set")

    def handle(self, *args, no_serve: bool, host: str, port: int, members: int | None, seed: int,
               **options):
        verbosity = options.get("verbosity", 1)
        check_system_tools()
        call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0))
        if dbtools.is_empty():
            self.stdout.write("Loading the demo data set…")
            self.stdout.write(summary(generate("demo", members=members, seed=seed)))
        try:
            accounts = create_demo_accounts()
            make_demo_cases(timezone.localdate())
            make_demo_targets(timezone.localdate())
            make_demo_meeting(timezone.localdate())
            make_demo_review(timezone.localdate())
            for part in LIFECYCLE:
                part.make_demo(timezone.localdate())
        except NotDemoData as exc:
            raise CommandError(
                f"{exc} The demo only runs on its own data set: use an empty database "
                "(e.g. CHIBO_DATA_DIR=/tmp/chibo-demo) or 'python -m chibo generate --preset demo --replace'."
            ) from exc
        except DomainError as exc:
            raise CommandError(f"The demo data could not be set up: {exc.describe()}") from exc
        url = f"http://{host}:{port}/"
        self.stdout.write(f"\nChibo demo at {url}\nAccounts (password '{DEMO_PASSWORD}'):")
        width = max(len(a.username) for a in accounts)
        for account in accounts:
            self.stdout.write(f"  {account.username.ljust(width)}  {account.description}")
        if not no_serve:
            self.stdout.write("")
            self.stdout.write("The job worker (exports, imports, e-mail, reminders) runs beside the server. "
                              "Ctrl-C stops both.\n")
            sys.exit(serve(host=host, port=port, env={"CHIBO_DEMO": "1"}, with_worker=True))


def check_system_tools() -> None:
    """Refuse to start, saying what to install, when a system package the demo uses is missing."""
    missing = [] if shutil.which("pdftotext") else ["poppler-utils (pdftotext reads the library's PDF files)"]
    try:
        import weasyprint  # noqa: F401  (loads Pango through its C library binding)
    except OSError:
        missing.append("Pango (libpango-1.0-0, libpangoft2-1.0-0: WeasyPrint prints the PDF forms)")
    if missing:
        raise CommandError(
            "Missing system packages: " + "; ".join(missing) + ". Install them with 'scripts/ensure-pdf-tools' "
            "(as root; 'make demo' does it for you), then start the demo again.")
