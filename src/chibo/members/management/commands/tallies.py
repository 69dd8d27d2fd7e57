from django.core.management.base import BaseCommand, CommandError

from chibo.admissions import tallying
from chibo.members import tallies
from chibo.org.models import Unit


class Command(BaseCommand):
    help = "Recompute (--rebuild) or check (--verify, the default) the per-unit member and admission tallies."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="recompute every tally from the member table")
        parser.add_argument("--verify", action="store_true", help="compare the tallies with a recount (default)")

    def handle(self, *args, rebuild: bool = False, verify: bool = False, **options):
        if rebuild:
            rows = tallies.rebuild()
            months = tallying.rebuild()
            self.stdout.write(f"Rebuilt {rows} unit tallies and {months} monthly admission tallies.")
        if verify or not rebuild:
            wrong = tallies.verify()
            codes = dict(Unit.objects.filter(pk__in={w[0] for w in wrong}).values_list("pk", "code"))
            for unit_id, column, stored, fresh in wrong[:50]:
                self.stderr.write(f"{codes.get(unit_id, unit_id)}: {column} stored {stored}, recount {fresh}")
            wrong_months = tallying.verify()
            codes = dict(Unit.objects.filter(pk__in={w[0][0] for w in wrong_months}).values_list("pk", "code"))
            for (unit_id, year, month), column, stored, fresh in wrong_months[:50]:
                self.stderr.write(f"{codes.get(unit_id, unit_id)} {year}-{month:02d}: admissions {column} "
                                  f"stored {stored}, recount {fresh}")
            if wrong or wrong_months:
                raise CommandError(f"{len(wrong) + len(wrong_months)} tally values disagree with a recount; "
                                   "run with --rebuild.")
            self.stdout.write("All tallies agree with a recount.")
