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
            days = tallying.rebuild()
            self.stdout.write(f"Rebuilt {rows} unit tallies and {days} daily admission tallies.")
        if verify or not rebuild:
            wrong = tallies.verify()
            codes = dict(Unit.objects.filter(pk__in={w[0] for w in wrong}).values_list("pk", "code"))
            for unit_id, column, stored, fresh in wrong[:50]:
                self.stderr.write(f"{codes.get(unit_id, unit_id)}: {column} stored {stored}, recount {fresh}")
            wrong_days = tallying.verify()
            codes = dict(Unit.objects.filter(pk__in={w[0][0] for w in wrong_days}).values_list("pk", "code"))
            for (unit_id, day), column, stored, fresh in wrong_days[:50]:
                self.stderr.write(f"{codes.get(unit_id, unit_id)} {day.isoformat()}: admissions {column} "
                                  f"stored {stored}, recount {fresh}")
            if wrong or wrong_days:
                raise CommandError(f"{len(wrong) + len(wrong_days)} tally values disagree with a recount; "
                                   "run with --rebuild.")
            self.stdout.write("All tallies agree with a recount.")
