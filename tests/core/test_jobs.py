"""The job ledger (chibo.core.jobs): the row is written with the caller's transaction, a job runs
once however often its id is delivered, the sweeper re-runs the jobs of a dead worker and sends
again what a restarted queue lost, a periodic slot runs once. (Jobs run at once in tests:
tests/conftest.py; the real processes: tests/deploy/test_jobs_ledger.py.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from huey import crontab

from chibo.core.jobs import REGISTRY, job, periodic_job, queue_stats
from chibo.core.jobs.ledger import scheduled_minute
from chibo.core.jobs.runner import execute, run_job
from chibo.core.jobs.sweeper import purge_finished, sweep
from chibo.core.models import AuditEntry, Job

pytestmark = pytest.mark.django_db
dead_calls: list[int] = []


def _died(ledger_job: Job) -> None:
    dead_calls.append(ledger_job.pk)


@job(max_attempts=2, on_dead=_died)
def record(tag: str, *, times: int = 1) -> int:
    """A test job with a visible effect: one audit line per run."""
    for _ in range(times):
        AuditEntry.objects.create(action="jobtest.ran", object_id=tag)
    return times


@job()
def explode(tag: str) -> None:
    raise RuntimeError(f"boom {tag}")


@periodic_job(crontab(minute="*/5"))
def every_five_minutes() -> None:
    AuditEntry.objects.create(action="jobtest.slot")


def runs(tag: str) -> int:
    return AuditEntry.objects.filter(action="jobtest.ran", object_id=tag).count()


def test_a_job_called_in_a_rolled_back_transaction_leaves_no_row(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ZeroDivisionError), transaction.atomic():
        record("a")
        1 / 0  # noqa: B018
    assert not Job.objects.exists() and runs("a") == 0


def test_a_committed_job_runs_once_and_is_done(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as sent:
        queued = record("a", times=2)
    assert len(sent) == 1  # the id goes to the queue after the commit, not before
    job_row = Job.objects.get()
    assert (job_row.pk, job_row.name, job_row.args) == (queued.pk, "tests.core.test_jobs.record",
                                                         {"args": ["a"], "kwargs": {"times": 2}})
    assert (job_row.state, job_row.attempts, job_row.max_attempts, job_row.error) == ("done", 1, 2, "")
    assert job_row.worker.endswith(f":{__import__('os').getpid()}") and job_row.finished_at is not None
    assert runs("a") == 2


def test_a_second_delivery_of_the_same_id_does_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queued = record("a")
    assert execute(queued.pk) == "skipped"
    run_job(queued.pk)  # through huey, as a duplicate message would come
    assert runs("a") == 1 and Job.objects.get().attempts == 1


def test_a_failing_job_is_failed_with_its_error_and_the_caller_goes_on(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        explode("x")
        record("after")
    failed = Job.objects.get(name__endswith="explode")
    assert failed.state == "failed" and "RuntimeError: boom x" in failed.error
    assert runs("after") == 1


def test_the_call_syntax_stays_and_call_local_runs_in_place():
    assert record.call_local("here", times=3) == 3 and not Job.objects.exists()
    assert REGISTRY["tests.core.test_jobs.record"] is record
    with pytest.raises(TypeError, match="must be JSON"):
        record(object())


def _dead(tag: str, *, attempts: int, seconds: int = 120) -> Job:
    """A job whose worker died (running, its heartbeat ``seconds`` old)."""
    then = timezone.now() - dt.timedelta(seconds=seconds)
    return Job.objects.create(name=record.name, args={"args": [tag], "kwargs": {}}, state="running",
                              attempts=attempts, max_attempts=2, worker="gone:1", started_at=then, heartbeat_at=then)


def test_a_stale_running_job_is_queued_again_and_run_again_by_the_sweeper(django_capture_on_commit_callbacks):
    dead, alive = _dead("dead", attempts=1), _dead("alive", attempts=1, seconds=5)
    with django_capture_on_commit_callbacks(execute=True):
        swept = sweep()
    assert (swept.requeued, swept.failed, swept.resent) == ([dead.pk], [], [])
    dead.refresh_from_db()
    assert (dead.state, dead.attempts, runs("dead")) == ("done", 2, 1)
    assert Job.objects.get(pk=alive.pk).state == "running" and runs("alive") == 0


def test_after_its_last_attempt_a_dead_job_fails_and_its_hook_runs(django_capture_on_commit_callbacks):
    dead_calls.clear()
    dead = _dead("dead", attempts=2)
    with django_capture_on_commit_callbacks(execute=True):
        swept = sweep()
    assert swept.failed == [dead.pk] and dead_calls == [dead.pk]
    dead.refresh_from_db()
    assert dead.state == "failed" and "no heartbeat for 60 s" in dead.error and runs("dead") == 0
    with django_capture_on_commit_callbacks(execute=True):
        call_command("jobs", "--retry", str(dead.pk))
    dead.refresh_from_db()
    assert (dead.state, dead.attempts, runs("dead")) == ("done", 1, 1)


def test_a_queued_job_never_delivered_is_sent_again(django_capture_on_commit_callbacks):
    lost = record("lost")  # committed, but its message never reached a worker (Redis restarted)
    fresh = record("fresh")
    Job.objects.filter(pk=lost.pk).update(sent_at=timezone.now() - dt.timedelta(seconds=61))
    with django_capture_on_commit_callbacks(execute=True):
        swept = sweep()
    assert swept.resent == [lost.pk]
    assert (Job.objects.get(pk=lost.pk).state, runs("lost")) == ("done", 1)
    assert (Job.objects.get(pk=fresh.pk).state, runs("fresh")) == ("queued", 0)


def test_a_periodic_slot_queued_twice_runs_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        every_five_minutes.schedule.call_local()  # two workers' schedulers, the same minute
        every_five_minutes.schedule.call_local()
    slot = Job.objects.get()
    assert slot.key.startswith("tests.core.test_jobs.every_five_minutes:") and slot.state == "done"
    assert AuditEntry.objects.filter(action="jobtest.slot").count() == 1


def test_a_late_scheduler_still_names_the_scheduled_minute():
    schedule = crontab(hour="6", minute="10")
    assert scheduled_minute(schedule, dt.datetime(2026, 12, 7, 6, 12, 40)) == dt.datetime(2026, 12, 7, 6, 10)
    assert scheduled_minute(schedule, dt.datetime(2026, 12, 7, 6, 10, 5)) == dt.datetime(2026, 12, 7, 6, 10)


def test_queue_stats_in_one_query(django_assert_num_queries):
    record("q1")
    record("q2")
    Job.objects.filter(args__args=["q1"]).update(enqueued_at=timezone.now() - dt.timedelta(seconds=90))
    _dead("r", attempts=1)
    with django_assert_num_queries(1):
        stats = queue_stats()
    assert (stats["queued"], stats["running"]) == (2, 1) and 89 < stats["oldest_queued_seconds"] < 120
    assert queue_stats(now=timezone.now()) is not None


def test_the_jobs_command_lists_and_sweeps(capsys):
    record("waiting")
    _dead("dead", attempts=2)
    call_command("jobs")
    out = capsys.readouterr().out
    assert out.startswith("1 queued (the oldest 0 s), 1 running, 0 failed.")
    assert "attempt 2/2  tests.core.test_jobs.record  ['dead']  on gone:1, heartbeat 2 min ago" in out
    call_command("jobs", "--sweep")
    assert "0 dead jobs queued again, 1 failed after their last attempt" in capsys.readouterr().out


def test_done_jobs_leave_the_ledger_after_the_keep_days(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record("old")
    later = timezone.now() + dt.timedelta(days=31)
    assert purge_finished(now=later) == 1 and purge_finished(now=later) == 0
