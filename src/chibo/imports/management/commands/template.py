from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from chibo.imports.template_files import write_template


class Command(BaseCommand):
    help = "Write the import template for units or members (CSV, or XLSX with a notes sheet)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["units", "members"])
        parser.add_argument("--format", choices=["csv", "xlsx"], help="default: by the file extension, else csv")
        parser.add_argument("-o", "--output", required=True, help="file to write")
        parser.add_argument("--examples", action="store_true", help="add example rows below the header")

    def handle(self, *args, kind: str, output: str, format: str | None = None, examples: bool = False,
               **options):
        out = Path(output)
        fmt = write_template(kind, out, fmt=format, examples=examples)
        self.stdout.write(_("Wrote the %(kind)s template (%(format)s) to %(file)s.")
                          % {"kind": kind, "format": fmt, "file": out})
