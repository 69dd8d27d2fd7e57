from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from chibo.core.errors import DomainError
from chibo.imports.cli import ProgressBar, actor_from
from chibo.imports.models import ImportState
from chibo.imports.report import write_errors_csv
from chibo.imports.services import import_path

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = ("Import units or members from a CSV/XLSX file. Every row is checked first; if any is wrong "
            "nothing is written and the errors are listed (row, column, message).")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--kind", required=True, choices=["units", "members"])
        parser.add_argument("--format", choices=["csv", "xlsx"], help="default: by the file extension")
        parser.add_argument("--as", dest="username", help="import as this user (default: the system)")
        parser.add_argument("--errors-out", help="also write every stored error to this CSV file")
        parser.add_argument("--no-progress", action="store_true", help="do not draw the progress bar")

    def handle(self, *args, file: str, kind: str, format: str | None = None, username: str | None = None,
               errors_out: str | None = None, no_progress: bool = False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(file)s") % {"file": path})
        actor = actor_from(username)
        bar = None if no_progress else ProgressBar(self.stderr)
        # members are written while they are checked; units are checked, then written
        first = _("Importing") if kind == "members" else _("Checking")
        labels: dict[str, str] = {ImportState.VALIDATING: first, ImportState.WRITING: _("Writing")}
        try:
            result = import_path(path, kind, actor=actor, fmt=format, progress=bar,
                                 on_phase=(lambda p: bar.phase(labels[p])) if bar else None)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        finally:
            if bar:
                bar.end()
        if result.ok:
            done = _("Imported %(n)d members.") if kind == "members" else _("Imported %(n)d units.")
            self.stdout.write(done % {"n": result.rows})
            return
        self._report(result, errors_out)

    def _report(self, result, errors_out: str | None) -> None:
        for error in result.errors[:SHOWN_ERRORS]:
            line = _("row %(row)d, %(column)s: %(message)s") if error["column"] else _("row %(row)d: %(message)s")
            self.stderr.write(line % error)
        if result.error_count > SHOWN_ERRORS:
            self.stderr.write(_("… and %(n)d more.") % {"n": result.error_count - SHOWN_ERRORS})
        if errors_out:
            with Path(errors_out).open("w", encoding="utf-8-sig", newline="") as f:
                write_errors_csv(result.errors, f, total=result.error_count)
        raise CommandError(_("The file was rejected with %(n)d errors: nothing was written.")
                           % {"n": result.error_count})
