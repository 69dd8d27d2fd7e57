from django.core.management.base import BaseCommand, CommandError

from chibo.admissions import tallying
from chibo.dues import arrears as dues_arrears
from chibo.members import tallies
from chibo.org.models import Unit
from chibo.quality import tallies as review_tallies


class Command(BaseCommand):
    help = ("Recompute (--rebuild) or check (--verify, the default) the per-unit member, admission and review "
            "tallies (--verify also checks the dues arrears tallies).")

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="recompute every tally from the member table")
        parser.add_argument("--verify", action="store_true", help="compare the tallies with a recount (default)")

    def handle(self, *args, rebuild: bool = False, verify: bool = False, **options):
        if rebuild:
            rows = tallies.rebuild()
            days = tallying.rebuild()
            reviews = review_tallies.rebuild()
            self.stdout.write(f"Rebuilt {rows} unit tallies, {days} daily admission tallies and {reviews} review "
                              "tallies.")
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
            wrong_reviews = review_tallies.verify()
            codes = dict(Unit.objects.filter(pk__in={w[0][0] for w in wrong_reviews}).values_list("pk", "code"))
            for (unit_id, year, quarter), column, stored, fresh in wrong_reviews[:50]:
                self.stderr.write(f"{codes.get(unit_id, unit_id)} {year}" + (f" Q{quarter}" if quarter else "")
                                  + f": reviews {column} stored {stored}, recount {fresh}")
            wrong_arrears = dues_arrears.verify()
            codes = dict(Unit.objects.filter(pk__in={w[0] for w in wrong_arrears}).values_list("pk", "code"))
            for unit_id, year, column, stored, fresh in wrong_arrears[:50]:
                self.stderr.write(f"{codes.get(unit_id, unit_id)} {year}: dues arrears {column} stored {stored}, "
                                  f"recount {fresh} (closing the month again recounts them)")
            if wrong or wrong_days or wrong_reviews or wrong_arrears:
                total = len(wrong) + len(wrong_days) + len(wrong_reviews) + len(wrong_arrears)
                raise CommandError(f"{total} tally values disagree with a recount; run with --rebuild.")
            self.stdout.write("All tallies agree with a recount.")
