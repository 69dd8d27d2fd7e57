"""Recovery figures beside their baselines (issue 14).

**A killed app server.** The meeting-evening load through nginx, twice at the same rate: once
untouched (the baseline error count) and once with every process of ``app-1`` (gunicorn's master
and workers) killed with SIGKILL a third of the way in. From the load generator: the errors and
the time from the kill to the last one; from nginx's access log (``upstream=``, one-second
resolution): the last request nginx left on app-1 (its answer, or its failure, went to the
client) and how many it tried there and passed on to app-2 (``max_fails=1 fail_timeout=10s``:
one attempt every 10 s, refused at once). app-1 is started again afterwards.

**A dead job re-run.** The invitations of the province's month (``meetings.tasks.invite_month``,
one transaction of ``INSERT … SELECT``), queued through the job ledger: once undisturbed (its
normal run time, from the ledger's ``started_at`` to ``finished_at``), then, after its
invitations are removed again, once more with the worker running it killed with SIGKILL a few
seconds in. The figure is the time from the kill to the ledger's second attempt starting on the
other worker (its sweeper finds the silent heartbeat after ``CHIBO_JOB_DEAD_SECONDS``, default 60 s,
sweeping every ``CHIBO_JOB_SWEEP_SECONDS``, default 15 s); the re-run must finish with the same
invitations as the normal run.
"""

from __future__ import annotations

import datetime as dt
import signal
import threading
import time
from functools import partial
from pathlib import Path
from typing import Any

from bench.report import Figure, Report

MONTH = dt.date(2031, 2, 1)  # a month of its own, far from real data


def out_of_rotation(lines: list[dict[str, Any]], address: str, killed_at: float) -> dict[str, Any]:
    """After the kill, from nginx's access log (``drills.app_server_kill._access_lines``): the last
    request nginx left on ``address`` (its failure went to the client) and those it passed on."""
    after = [line for line in lines if line["when"] >= int(killed_at)]
    left = [line["when"] for line in after if line["upstreams"][-1] == address]
    passed = [line["when"] for line in after if address in line["upstreams"][:-1]]
    # the log's times are whole seconds: a request of the kill's own second counts as at the kill
    return {"last_left_on_it_s": round(max(0.0, max(left) - killed_at), 1) if left else None,
            "left_on_it": len(left),
            "passed_on": len(passed), "passed_on_at_s": [round(t - killed_at, 1) for t in passed][:20]}


def app_kill(report: Report, cluster: Any, users: list[dict[str, Any]], work: Path, *, rate: float,
             duration: float) -> None:
    from drills.app_server_kill import _access_lines, _kill_app

    from bench.handbook_load import MIX, drive

    port, log = cluster.port_of("nginx"), cluster.dir / "log" / "nginx-access.log"
    calm = drive(port, users, MIX, rate, duration, work, seed=3)
    offset, killed = log.stat().st_size, {}

    def kill() -> None:
        time.sleep(duration / 3)
        killed["at"] = time.time()
        killed["pids"] = _kill_app(cluster, "app-1")

    killer = threading.Thread(target=kill)
    killer.start()
    try:
        hit = drive(port, users, MIX, rate, duration, work, seed=4)
    finally:
        killer.join()
        cluster.start("app-1")
    errors = [hit["started_at"] + t - killed["at"] for t, _a, _s in hit["errors_at"]]
    late = [e for e in errors if e >= 0]
    nginx = out_of_rotation(_access_lines(log, offset), f"127.0.0.1:{cluster.port_of('app-1')}", killed["at"])
    report.context["app_kill"] = {"rate": rate, "duration_s": duration, "killed_after_s": round(duration / 3, 1),
                                  "errors_s_after_kill": [round(e, 2) for e in errors], "nginx": nginx,
                                  "with_kill": hit, "without": calm}
    report.add(Figure("killed app server: last error after the kill", round(max(late), 2) if late else 0.0, "s",
                      budget=10, note=f"{len(late)} errors after the kill; nginx left its last request on app-1 "
                                      f"{nginx['last_left_on_it_s']} s after it (1-s log resolution) and passed "
                                      f"{nginx['passed_on']} on to app-2 (at {nginx['passed_on_at_s']} s)"))
    report.add(Figure("killed app server: errors", hit["overall"]["errors"], "", baseline=calm["overall"]["errors"],
                      baseline_name="the same load, no kill",
                      note=f"{rate:g} req/s for {duration:g} s through nginx, app-1 killed (SIGKILL, every process) "
                           f"at {duration / 3:g} s; of {hit['overall']['requests']:,} requests; p95 "
                           f"{hit['overall']['p95_ms']} ms vs {calm['overall']['p95_ms']} ms"))


def _undo(province: Any) -> int:
    """Remove the month's invitations again (and their notifications); the meetings are ready anew."""
    from chibo.meetings.models import Invitation, Meeting
    from chibo.notifications.models import Notification

    meetings = list(_meetings(province).values_list("pk", flat=True))
    Notification.objects.filter(key__in=[f"meeting:{i}" for i in meetings]).delete()
    removed, _ = Invitation.objects.filter(meeting_id__in=meetings).delete()
    Meeting.objects.filter(pk__in=meetings).update(state="planned")
    return removed


def _meetings(province: Any) -> Any:
    from chibo.meetings.models import Meeting

    return Meeting.objects.filter(unit_path__gte=province.path, unit_path__lt=province.path_upper,
                                  starts_at__date__gte=MONTH)


def _piece(cluster: Any, worker: str) -> str:
    pid = int(worker.rsplit(":", 1)[1])
    for name in ("worker-1", "worker-2"):
        if cluster.pid(name) == pid:
            return name
    raise RuntimeError(f"the job ran on {worker}, which is not a worker of the cluster in {cluster.dir}")


def dead_job(report: Report, cluster: Any, province: Any, actor: Any) -> None:
    from drills.common import wait_until
    from drills.fanout_kill import _done, _rerun

    from bench.handbook import _setup, teardown
    from chibo.core.models import Job
    from chibo.meetings.tasks import invite_month

    def running(pk: int) -> Any:
        return Job.objects.filter(pk=pk, state="running").first()

    setup, name = _setup(province, MONTH), None
    try:
        normal = wait_until(partial(_done, invite_month(actor.pk, province.pk, MONTH.isoformat()).pk),
                            "the invitations job did not finish", 600)
        invited = _undo(province)
        run_s = (normal.finished_at - normal.started_at).total_seconds()
        job = wait_until(partial(running, invite_month(actor.pk, province.pk, MONTH.isoformat()).pk),
                         "the invitations job did not start", 300, every=0.05)
        time.sleep(min(3.0, run_s / 3))
        name = _piece(cluster, job.worker)
        killed_at = time.time()
        cluster.kill(name, signal.SIGKILL)
        committed = _meetings(province).filter(invitations__isnull=False).distinct().count()
        rerun = wait_until(partial(_rerun, job.pk), "the sweeper did not run the dead job again", 400, every=0.25)
        finished = wait_until(partial(_done, job.pk), "the job run again did not finish", 600)
        again = _undo(province)
    finally:
        if name and cluster.pid(name) is None:
            cluster.start(name)
        teardown(province, MONTH)
    waited = rerun.started_at.timestamp() - killed_at
    report.context["dead_job"] = {"job": "meetings.tasks.invite_month", "meetings": setup["meetings"],
                                  "normal_run_s": round(run_s, 1), "killed": name, "rerun_on": rerun.worker,
                                  "rerun_state": finished.state, "invitations": invited, "after_rerun": again,
                                  "meetings_with_invitations_after_the_kill": committed}
    report.add(Figure("dead job: kill → the sweeper's re-run starts", round(waited, 1), "s", baseline=round(run_s, 1),
                      baseline_name="the job's normal run", budget=120,
                      note=f"invitations of {province.name} ({setup['meetings']:,} meetings, {invited:,} invitations); "
                           f"{name} killed (SIGKILL) mid-run, re-run on {rerun.worker} ended {finished.state} with "
                           f"{again:,} invitations"))
