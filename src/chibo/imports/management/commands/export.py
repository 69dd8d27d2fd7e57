from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from chibo.core.errors import DomainError, NotFound
from chibo.imports.cli import actor_from
from chibo.members.export import export_members
from chibo.org.queries import get_unit_for_user


class Command(BaseCommand):
    help = "Export the members of a unit's subtree to CSV or XLSX (audited)."

    def add_arguments(self, parser):
        parser.add_argument("unit_code")
        parser.add_argument("--format", choices=["csv", "xlsx"], help="default: by the file extension, else csv")
        parser.add_argument("-o", "--output", required=True, help="file to write")
        parser.add_argument("--as", dest="username", help="export as this user (default: the system)")

    def handle(self, *args, unit_code: str, output: str, format: str | None = None, username: str | None = None,
               **options):
        out = Path(output)
        fmt = (format or out.suffix.lstrip(".") or "csv").lower()
        if fmt not in ("csv", "xlsx"):
            raise CommandError(_("Use --format csv or xlsx (or a .csv/.xlsx file name)."))
        actor = actor_from(username)
        try:
            unit = get_unit_for_user(actor, code=unit_code)
            count = export_members(actor=actor, unit=unit, out=out, fmt=fmt)
        except NotFound as exc:
            raise CommandError(_("No unit %(code)s (or it is outside your scope).") % {"code": unit_code}) from exc
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(_("Exported %(n)d members of %(unit)s to %(file)s.")
                          % {"n": count, "unit": unit.name, "file": out})
