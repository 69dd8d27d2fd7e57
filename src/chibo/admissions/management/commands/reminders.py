import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from chibo.admissions import reminders
from chibo.notifications import services


class Command(BaseCommand):
    help = ("Send today's admission reminders (deadlines 7 and 1 working days ahead, overdue, probation "
            "ending) now; the worker does this every morning at 06:00. Running it twice sends nothing twice.")

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to run for (YYYY-MM-DD; default today)")

    def handle(self, *args, date: str | None = None, **options):
        try:
            day = dt.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--date {date!r} is not a date like 2026-11-23.") from exc
        sent = reminders.run(day)
        mailed = services.send_email(digest=False)
        self.stdout.write(f"{sent} notifications for {day.isoformat()}; {mailed} e-mails sent now "
                          "(digests go out at 07:00).")
