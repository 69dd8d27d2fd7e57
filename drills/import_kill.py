"""A worker killed (kill -9) while it writes a large members import loses nothing
and leaves nothing half-written.

A province officer logs in through nginx (password and authenticator code) and uploads a members
file of thousands of rows with the console's upload form. While the worker writes it (the import's
live progress), the worker process the job ledger names (host:pid) is killed with SIGKILL. Proved:
the members table is exactly as before (row count and an md5 of every row), the sweeper marks the
import failed with a message for the officer, the console's page shows it, and the console's
"Run again" imports every row of the file.
"""

from __future__ import annotations

import csv
import html
import io
import os
import re
import secrets
import signal
import sys
import time
from pathlib import Path
from typing import Any

from drills.common import (
    DEFAULT_SWEEPER,
    SHORT_SWEEPER,
    Browser,
    DrillFailed,
    Options,
    Report,
    alive,
    descendants,
    drill_cluster,
    fingerprint,
    made,
    province_officer,
    restart_dead_workers,
    run_drill,
    wait_until,
)

NAME = "import_kill"
# --short, full: on a quiet machine 20,000 rows were written before the drill's first look (the
# live progress is published once a second), so the short form writes as many as the full one
ROWS = {True: 60_000, False: 60_000}


def run(args: Any = None) -> int:
    return run_drill(NAME, __doc__, args, _drill)


def _drill(report: Report, opts: Options) -> None:
    rows = ROWS[opts.short]
    with drill_cluster(report, opts, NAME, sweeper=True) as cluster:
        officer = province_officer(NAME)
        content, ids = members_file(officer.unit_id, rows)
        rows = len(ids)  # the generator apportions members to cells: about the rows asked for
        browser = Browser(cluster.url)
        browser.log_in(officer)
        report.step(f"logged in through nginx as {officer.username} (province officer, two-step code)")
        before = fingerprint(cluster, "members_member")

        t0 = time.monotonic()
        answer = browser.upload("/imports/", {"kind": "members"}, "file", "members.csv", content)
        if answer.status != 302 or not re.match(r"^/imports/\d+/$", answer.location):
            raise DrillFailed(f"the upload form answered {answer.status} {answer.location!r}, not the job's page")
        job_id = int(answer.location.strip("/").split("/")[-1])
        made("imports", [job_id])
        report.step(f"uploaded {rows:,} rows ({len(content) / 1e6:.1f} MB): import {job_id}")
        children, done_at_kill = _kill_while_writing(report, cluster, job_id, rows)
        killed = time.monotonic()
        report.figure("rows in the file", rows)
        report.figure("time from the upload to the kill", killed - t0, "s",
                      f"{done_at_kill:,} rows written in the import's transaction at the kill")

        job = wait_until(lambda: _finished(job_id), "the sweeper did not mark the killed import failed", 120)
        report.figure("time from the kill until the import is marked failed", time.monotonic() - killed, "s",
                      _sweeper_note())
        restart_dead_workers(report, cluster)
        _no_survivors(report, children)
        report.check(job.state == "failed", f"the killed import is marked failed (state {job.state})")
        report.check(bool(job.message), "it carries a message for the officer")
        print(f"  message shown to the officer: {job.message}", flush=True)
        after = fingerprint(cluster, "members_member")
        report.check(after == before, f"the members table is unchanged (count and md5: {before} → {after})")
        page = browser.get(f"/imports/{job_id}/")
        report.check(page.status == 200 and html.escape(job.message) in page.text,
                     "the console's import page shows the failure and its message")
        _run_again(report, cluster, browser, page.text, job_id, rows, ids, before)


def members_file(province_id: int, rows: int) -> tuple[bytes, list[str]]:
    """A members file of ``rows`` generated members of the province's cells (the demo generator's
    people, with citizen IDs of their own each run); returns the file and its citizen IDs."""
    from bench.importing import write_members_csv

    from chibo.org.enums import UnitKind
    from chibo.org.models import Unit

    province = Unit.objects.get(pk=province_id)
    cells = list(Unit.objects.subtree(province).filter(kind=UnitKind.GRASSROOTS_CELL, closed_on__isnull=True)
                 .order_by("path")[: max(10, rows // 100)])
    path = _workdir() / f"members-{secrets.token_hex(3)}.csv"
    written = _write(write_members_csv, path, rows, cells)
    content = path.read_bytes()
    reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    ids = [row["citizen_id"] for row in reader]
    if len(ids) != written:
        raise DrillFailed(f"the members file holds {len(ids)} rows, {written} were written")
    return content, ids


def _write(writer: Any, path: Any, rows: int, cells: list) -> int:
    """bench/importing.py's generated members file, with another seed and serial range each run
    (the cluster may already hold the rows of an earlier run)."""
    import chibo.demo.people as people_module
    import chibo.demo.streams as streams

    seed = secrets.randbelow(10**6) + 100
    original_people, original_rows = people_module.People, streams.member_rows

    def people(**kwargs: Any) -> Any:
        return original_people(**{**kwargs, "seed": seed, "card_base": 80_000_000 + seed * 10})

    def member_rows(*args: Any, **kwargs: Any) -> Any:
        return original_rows(*args, **{**kwargs, "serial_base": 600_000 + (seed % 300) * 1000})

    people_module.People, streams.member_rows = people, member_rows  # type: ignore[assignment,misc]
    try:
        return writer(path, rows, cells)
    finally:
        people_module.People, streams.member_rows = original_people, original_rows  # type: ignore[misc]


def _workdir() -> Path:
    path = Path(os.environ["CHIBO_DATA_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def _ledger_row(job_id: int) -> Any:
    from chibo.core.models import Job

    return (Job.objects.filter(name="chibo.imports.tasks.run_import", args__args=[job_id]).order_by("-pk").first())


def _kill_while_writing(report: Report, cluster: Any, job_id: int, rows: int) -> tuple[int, int]:
    """Wait until the worker has written a fifth of the rows (inside its transaction), then kill -9
    the process the ledger names; (pid, rows done at the kill)."""
    from chibo.imports.models import ImportJob

    def writing() -> tuple[int, int] | None:
        job = ImportJob.objects.get(pk=job_id).with_live_progress()
        if job.state in ("done", "failed"):
            raise DrillFailed(f"the import ended ({job.state}) before it could be killed: use more rows")
        return (job.rows_done, job.rows_total) if job.running and job.rows_done >= rows // 5 else None

    done, _total = wait_until(writing, "the import did not start writing", 180, every=0.05)
    ledger = _ledger_row(job_id)
    if ledger is None or ledger.state != "running" or ":" not in ledger.worker:
        raise DrillFailed(f"the job ledger does not show the import running on a worker ({ledger})")
    pid = int(ledger.worker.rsplit(":", 1)[1])
    workers = {cluster.pid(name): name for name in ("worker-1", "worker-2")}
    below = descendants(pid)
    os.kill(pid, signal.SIGKILL)
    report.step(f"kill -9 {pid} ({workers.get(pid, 'a worker process')}, named by ledger job {ledger.pk}) "
                f"at {done:,} rows written; its child processes {below}")
    return below, done


def _no_survivors(report: Report, children: list[int]) -> None:
    """The killed worker's child processes (the import's checking process) must end with it: one
    that lives on keeps the worker's database connection open (it was inherited), and with it the
    import's transaction and its table lock, which the re-run then waits on. A survivor is reported,
    then killed, so that the drill can go on to the re-run."""
    time.sleep(1.0)
    survivors = alive(children)
    report.check(not survivors, f"no process of the killed worker outlives it (survivors: {survivors})")
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    if survivors:
        report.step(f"the drill killed the survivors {survivors} to go on")


def _finished(job_id: int) -> Any:
    from chibo.imports.models import ImportJob

    job = ImportJob.objects.get(pk=job_id)
    return job if job.state in ("done", "failed") else None


def _sweeper_note() -> str:
    short = ", ".join(f"{k.removeprefix('CHIBO_JOB_')}={v}" for k, v in SHORT_SWEEPER.items())
    default = ", ".join(f"{k.removeprefix('CHIBO_JOB_')}={v}" for k, v in DEFAULT_SWEEPER.items())
    return f"with {short}; the defaults {default} give at most DEAD + SWEEP = 75 s"


def _run_again(report: Report, cluster: Any, browser: Browser, page: str, job_id: int, rows: int,
               ids: list[str], before: str) -> None:
    """The console's "Run again" form on the failed import's page, posted; every row is then in."""
    action, fields = run_again_form(page, f"/imports/{job_id}/")
    t0 = time.monotonic()
    answer = browser.post(action, fields)
    if answer.status != 302:
        raise DrillFailed(f"'Run again' answered {answer.status}, not a redirect")
    found = re.match(r"^/imports/(\d+)/$", answer.location)
    again = int(found.group(1)) if found else job_id
    made("imports", [again])
    job = wait_until(lambda: _finished(again), "the import run again did not finish", 300)
    took = time.monotonic() - t0
    report.figure("re-run time ('Run again' to done)", took, "s", f"import {again}")
    report.check(job.state == "done", f"the import run again is done ({job.state}: {job.message})")
    from chibo.members.models import Member

    cited = [i for i in ids if i]
    present = sum(Member.objects.filter(citizen_id__in=cited[i:i + 5000]).count() for i in range(0, len(cited), 5000))
    count_before, count_after = int(before.split()[0]), Member.objects.count()
    report.check(present == len(cited) and count_after == count_before + rows,
                 f"every row of the file is in, once: {present:,} members hold the file's {len(cited):,} citizen "
                 f"IDs ({rows - len(cited):,} rows have none); members {count_before:,} → {count_after:,} "
                 f"(+{count_after - count_before:,} for {rows:,} rows)")


def run_again_form(page: str, default_action: str) -> tuple[str, dict[str, str]]:
    """The action and hidden fields of the page's form whose button says "Run again"."""
    for form in re.findall(r"<form\b.*?</form>", page, flags=re.S | re.I):
        if "run again" not in form.lower():
            continue
        action = re.search(r'action="([^"]*)"', form)
        fields = dict(re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form))
        button = re.search(r'<button[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form)
        if button:
            fields[button.group(1)] = button.group(2)
        fields.pop("csrfmiddlewaretoken", None)
        return html.unescape(action.group(1)) if action and action.group(1) else default_action, fields
    raise DrillFailed("the failed import's page has no 'Run again' form")


if __name__ == "__main__":
    sys.exit(run())
