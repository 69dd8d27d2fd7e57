"""The primary lost (stopped with ``-m immediate``), ``scripts/cluster failover``
promotes the replica and brings the service back with nothing committed lost.

A province officer adds a meeting through nginx (the console's form); fingerprints (row count and
an md5 of every row) of several tables are taken on the primary; the primary is stopped with
``pg_ctl stop -m immediate``; ``scripts/cluster failover`` runs its documented steps. Proved: a
new meeting added through nginx (a real form POST) is stored and read back through nginx, the
meeting written before the stop is there, and every fingerprint on the promoted server equals
the one taken before. Figures: each step's time and the total time to service.

This drill leaves its cluster without a replica: run it last on a shared cluster.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from drills.common import (
    Browser,
    DrillFailed,
    Options,
    Report,
    drill_cluster,
    fingerprint,
    made,
    province_officer,
    run_drill,
)

NAME = "failover"
TABLES = ["org_unit", "members_member", "members_placement", "meetings_meeting", "meetings_invitation",
          "accounts_user"]
PG_CTL = "/usr/lib/postgresql/15/bin/pg_ctl"


def run(args: Any = None) -> int:
    return run_drill(NAME, __doc__, args, _drill)


def _drill(report: Report, opts: Options) -> None:
    with drill_cluster(report, opts, NAME) as cluster:
        if cluster.pid("replica") is None or cluster.port_of("primary") != cluster.port + 1:
            raise DrillFailed("the cluster has no replica to promote (already failed over?)")
        officer = province_officer(NAME)
        cell = _cell(officer.unit_id)
        browser = Browser(cluster.url)
        browser.log_in(officer)
        before_mark = _add_meeting(browser, cell)
        report.check(_read_back(cluster, browser, before_mark), "a meeting added through nginx before the stop "
                                                                "is read back")
        before = {table: fingerprint(cluster, table) for table in TABLES}
        lag = cluster.psql("SELECT coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), -1) "
                           "FROM pg_stat_replication")
        report.step(f"fingerprints of {len(TABLES)} tables taken; the replica is {lag} bytes behind")

        t0 = time.monotonic()
        _stop_immediate(cluster)
        stopped = time.monotonic() - t0
        report.step(f"primary stopped (-m immediate) in {stopped:.1f} s")
        first_write = _FirstWrite(browser, cell)  # a form POST through nginx every half second from now on
        t1 = time.monotonic()
        printed = cluster.failover()
        failover_s = time.monotonic() - t1
        print("\n".join(f"    {line}" for line in printed.strip().splitlines()), flush=True)
        mark, written_at = first_write.result(timeout=120)
        to_service = written_at - t0
        report.check(_read_back(cluster, browser, mark), "a meeting added through nginx after the failover is "
                                                         "stored on the new primary and read back through nginx")
        report.check(_stored(cluster, before_mark), "the meeting added before the stop is on the new primary")
        for table in TABLES:
            now = fingerprint(cluster, table)
            if table == "meetings_meeting":  # the one write after the failover, taken out of the comparison
                now = _fingerprint_without(cluster, table, mark)
            report.check(now == before[table], f"{table}: unchanged by the failover ({before[table]} → {now})")
        report.figure("stop the primary (-m immediate)", stopped, "s")
        report.figure("scripts/cluster failover", failover_s, "s", "its steps are printed above")
        report.figure("total time to service (stop to the first write through nginx)", to_service, "s",
                      "a form POST tried every 0.5 s from the stop")


def _cell(province_id: int) -> int:
    from chibo.org.enums import UnitKind
    from chibo.org.models import Unit

    province = Unit.objects.get(pk=province_id)
    cell = (Unit.objects.subtree(province).filter(kind=UnitKind.GRASSROOTS_CELL, closed_on__isnull=True)
            .order_by("path").first())
    if cell is None:
        raise DrillFailed("the province has no open cell")
    return cell.pk


def _meeting_fields(place: str) -> dict[str, str]:
    day = dt.date.today() + dt.timedelta(days=30 + secrets.randbelow(300))
    return {"kind": "thematic", "starts_on": f"{day:%d/%m/%Y}",
            "starts_time": f"{secrets.randbelow(10) + 8:02d}:{secrets.randbelow(60):02d}", "place": place}


def _add_meeting(browser: Browser, cell: int, timeout: float = 120) -> str:
    mark = f"drill failover {secrets.token_hex(4)}"
    fields = {"csrfmiddlewaretoken": browser.csrf, **_meeting_fields(mark)}
    answer = browser.request(f"/units/{cell}/meetings/", urlencode(fields).encode(), timeout=timeout)
    if answer.status != 302:
        raise DrillFailed(f"adding a meeting through nginx answered {answer.status}")
    return mark


def _try_write(browser: Browser, cell: int) -> str | None:
    try:
        mark = _add_meeting(browser, cell, timeout=10)
    except (DrillFailed, OSError):
        return None
    return mark


class _FirstWrite:
    """Tries to add a meeting through nginx every half second, in a thread, until one succeeds."""

    def __init__(self, browser: Browser, cell: int):
        self.found: tuple[str, float] | None = None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, args=(browser, cell), daemon=True)
        self.thread.start()

    def _loop(self, browser: Browser, cell: int) -> None:
        while not self.stop.is_set():
            mark = _try_write(browser, cell)
            if mark is not None:
                self.found = (mark, time.monotonic())
                return
            time.sleep(0.5)

    def result(self, timeout: float) -> tuple[str, float]:
        self.thread.join(timeout)
        self.stop.set()
        if self.found is None:
            raise DrillFailed(f"no write through nginx succeeded within {timeout:.0f} s of the failover")
        return self.found


def _stored(cluster: Any, mark: str) -> int | None:
    found = cluster.psql(f"SELECT id FROM meetings_meeting WHERE place = '{mark}'")
    if not found.strip().isdigit():
        return None
    made("meetings", [int(found)])  # removed at the end on a given cluster
    return int(found)


def _read_back(cluster: Any, browser: Browser, mark: str) -> bool:
    pk = _stored(cluster, mark)
    if pk is None:
        return False
    page = browser.get(f"/meetings/{pk}/")
    return page.status == 200 and html.escape(mark) in page.text


def _fingerprint_without(cluster: Any, table: str, mark: str) -> str:
    sql = (f"SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, '|' ORDER BY t.id)), '-') FROM {table} t "
           f"WHERE place IS DISTINCT FROM '{mark}'")
    return cluster.psql(sql).strip()


def _stop_immediate(cluster: Any) -> None:
    data = Path(cluster.dir) / "pg" / "primary"
    argv = [PG_CTL, "-D", str(data), "-m", "immediate", "-w", "-t", "60", "stop"]
    if os.geteuid() == 0:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=90)
    if done.returncode:
        raise DrillFailed(f"pg_ctl stop -m immediate failed: {done.stderr.strip()}")


if __name__ == "__main__":
    sys.exit(run())
