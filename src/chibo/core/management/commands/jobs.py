"""``python -m chibo jobs``: the job ledger for the administrator (docs/operations.md "Background
jobs that are never lost")."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from chibo.core.jobs import queue_stats, sweeper
from chibo.core.models import Job, JobState

SHOWN = 50  # rows listed of each state


def age(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h" if seconds < 172800 else f"{seconds // 86400} d"


class Command(BaseCommand):
    help = ("List the background jobs queued, running and failed, with their ages; --sweep runs one "
            "sweep now (dead jobs queued again, lost messages sent again); --retry ID queues a failed job again.")

    def add_arguments(self, parser):
        parser.add_argument("--sweep", action="store_true", help="run one sweep of the job ledger now")
        parser.add_argument("--retry", type=int, metavar="ID", help="queue the failed job ID again")

    def handle(self, *args, sweep: bool = False, retry: int | None = None, **options):
        if retry is not None:
            self._retry(retry)
        elif sweep:
            self._sweep()
        else:
            self._list()

    def _retry(self, job_id: int) -> None:
        try:
            job = sweeper.retry(job_id)
        except Job.DoesNotExist as exc:
            raise CommandError(f"There is no job {job_id}: 'python -m chibo jobs' lists them.") from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"job {job.pk} ({job.name}) queued again.")

    def _sweep(self) -> None:
        done = sweeper.sweep()
        self.stdout.write(f"{len(done.requeued)} dead jobs queued again, {len(done.failed)} failed after their "
                          f"last attempt, {len(done.resent)} queued jobs sent again.")

    def _list(self) -> None:
        stats = queue_stats()
        self.stdout.write(f"{stats['queued']} queued (the oldest {age(stats['oldest_queued_seconds'])}), "
                          f"{stats['running']} running, "
                          f"{Job.objects.filter(state=JobState.FAILED).count()} failed.")
        now = timezone.now()
        for state, since in ((JobState.RUNNING, "started_at"), (JobState.QUEUED, "enqueued_at"),
                             (JobState.FAILED, "finished_at")):
            rows = Job.objects.filter(state=state).order_by(f"-{since}")[:SHOWN]
            for job in rows:
                when = getattr(job, since)
                line = (f"{job.pk:>8}  {state:<7}  {age((now - when).total_seconds()) if when else '-':>6}  "
                        f"attempt {job.attempts}/{job.max_attempts}  {job.name}  {job.args.get('args', [])}")
                if state == JobState.RUNNING:
                    beat = (now - job.heartbeat_at).total_seconds() if job.heartbeat_at else 0
                    line += f"  on {job.worker}, heartbeat {age(beat)} ago"
                if state == JobState.FAILED and job.error:
                    line += "\n          " + job.error.strip().splitlines()[-1][:200]
                self.stdout.write(line)
