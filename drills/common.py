"""What the fault drills share: their options, a cluster of their own (or one already running),
Django set up on the cluster's primary, an officer who logs in over HTTP like a person (password,
then the authenticator's code), a browser that keeps its cookies, and the report each drill prints.

A drill is a module of ``drills/`` with a docstring (what it proves) and ``run(args) -> int``:
``python -m drills NAME [--short] [--cluster-dir DIR --port BASE]``.

A drill writes test data (an officer account, meetings, invitations, exports, imported members)
and breaks the cluster's pieces: run on a cluster given with ``--cluster-dir``, it must be a drill
cluster (a copy, never the production service): one with the demo data (``DIR/demo.txt``) or
marked by its operator (``touch DIR/drill-cluster``), unless ``--yes-this-is-not-production``. At
its end (also when it fails) it puts the workers back as they were (their environment) and
removes what it made (or deactivates the accounts it cannot remove, their role grants ended).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

REPOSITORY = Path(__file__).resolve().parents[1]
T = TypeVar("T")

# The job ledger's settings the drills give the workers so that they do not wait a minute for the
# sweeper; the defaults (settings.py, "the job ledger") are printed beside every figure they shape.
SHORT_SWEEPER = {"CHIBO_JOB_HEARTBEAT_SECONDS": "1", "CHIBO_JOB_DEAD_SECONDS": "3",
                 "CHIBO_JOB_SWEEP_SECONDS": "1", "CHIBO_JOB_RESEND_SECONDS": "3"}
DEFAULT_SWEEPER = {"CHIBO_JOB_HEARTBEAT_SECONDS": "10", "CHIBO_JOB_DEAD_SECONDS": "60",
                   "CHIBO_JOB_SWEEP_SECONDS": "15", "CHIBO_JOB_RESEND_SECONDS": "60"}


class DrillFailed(Exception):
    """What the drill set out to prove does not hold (or the drill could not get that far)."""


@dataclass
class Options:
    short: bool = False
    cluster_dir: Path | None = None
    port: int | None = None
    keep: bool = False
    not_production: bool = False


# what marks a running cluster as one the drills may break and write test data into
DRILL_MARKS = ("demo.txt", "drill-cluster")


def parser(name: str, doc: str | None) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=f"python -m drills {name}", description=(doc or "").split("\n\n")[0])
    p.add_argument("--short", action="store_true", help="the small version run in CI")
    p.add_argument("--cluster-dir", type=Path, help="use this running cluster (scripts/cluster)")
    p.add_argument("--port", type=int, help="the port base of the running cluster (CHIBO_CLUSTER_PORT)")
    p.add_argument("--keep", action="store_true", help="leave the drill's own cluster running afterwards")
    p.add_argument("--yes-this-is-not-production", dest="not_production", action="store_true",
                   help="run on a --cluster-dir that is not marked as a drill cluster (DIR/drill-cluster)")
    return p


def options(args: Any, name: str, doc: str | None) -> Options:
    """The drill's options from an argv list (or None: ``sys.argv``) or the runner's namespace."""
    if args is None or isinstance(args, list | tuple):
        args = parser(name, doc).parse_args(args)
    found = Options(short=bool(getattr(args, "short", False)), cluster_dir=getattr(args, "cluster_dir", None),
                    port=getattr(args, "port", None), keep=bool(getattr(args, "keep", False)),
                    not_production=bool(getattr(args, "not_production", False)))
    if found.cluster_dir is not None:
        found.cluster_dir = Path(found.cluster_dir).resolve()
        if found.port is None:
            raise SystemExit("--cluster-dir needs --port (the cluster's CHIBO_CLUSTER_PORT base)")
        if not found.not_production and not any((found.cluster_dir / m).exists() for m in DRILL_MARKS):
            raise SystemExit(
                f"{found.cluster_dir} is not marked as a drill cluster: a drill writes test data and breaks the "
                "cluster's pieces, so run it on a copy, never on the production service. Mark the copy with "
                f"'touch {found.cluster_dir}/drill-cluster' (a cluster with the demo data is marked already), or "
                "give --yes-this-is-not-production.")
    return found


# --- the report -----------------------------------------------------------------------------------
@dataclass
class Report:
    """Prints what the drill proves, its steps and figures; collects what did not hold."""

    name: str
    doc: str
    started: float = field(default_factory=time.monotonic)
    broken: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        print(f"== drill {self.name} ==", flush=True)
        print(self.doc.strip().split("\n\n")[0], flush=True)

    def step(self, text: str) -> None:
        print(f"[{time.monotonic() - self.started:7.1f} s] {text}", flush=True)

    def figure(self, label: str, value: Any, unit: str = "", note: str = "") -> None:
        shown = f"{value:,.1f}" if isinstance(value, float) else (f"{value:,}" if isinstance(value, int) else value)
        print(f"  FIGURE {label}: {shown}{(' ' + unit) if unit else ''}{f'  ({note})' if note else ''}", flush=True)

    def check(self, ok: bool, what: str) -> bool:
        """Record one property: ``what`` says what holds (printed OK) or broke (printed BROKEN)."""
        print(f"  {'OK    ' if ok else 'BROKEN'} {what}", flush=True)
        if not ok:
            self.broken.append(what)
        return ok

    def verdict(self) -> int:
        took = time.monotonic() - self.started
        if self.broken:
            print(f"== {self.name}: FAILED after {took:.0f} s: " + "; ".join(self.broken), flush=True)
            return 1
        print(f"== {self.name}: passed in {took:.0f} s", flush=True)
        return 0


def run_drill(name: str, doc: str | None, args: Any, body: Callable[[Report, Options], None]) -> int:
    """The frame of every drill: options, the report, the verdict; a DrillFailed is a failure."""
    from drills.cluster import ClusterError

    opts = options(args, name, doc)
    report = Report(name, doc or "")
    try:
        body(report, opts)
    except (DrillFailed, ClusterError) as exc:
        report.check(False, str(exc))
    return report.verdict()


def wait_until(check: Callable[[], T], what: str, timeout: float, every: float = 0.2) -> T:
    """``check()``'s first true value, polled; DrillFailed naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise DrillFailed(f"{what} (waited {timeout:.0f} s)")
        time.sleep(every)


# --- the cluster ----------------------------------------------------------------------------------
def free_port_base(span: int = 20) -> int:
    """A base B such that B..B+span are free on loopback now (several drills may run at once),
    below Linux's ephemeral ports (32768 and up)."""
    from drills.cluster import free_port_base as cluster_port_base

    try:
        return cluster_port_base(range(span + 1))
    except RuntimeError as exc:
        raise DrillFailed("no free range of ports for the drill's cluster") from exc


@contextmanager
def drill_cluster(report: Report, opts: Options, name: str, *, sweeper: bool = False, members: int = 4000,
                  servers: int = 2) -> Iterator[Any]:
    """The cluster the drill breaks: its own (``build/drills/NAME-PID``, a free port base, no demo,
    a generated province of ``members``), brought down at the end; or the running one of
    ``--cluster-dir/--port``, left running. With ``sweeper`` the workers run with SHORT_SWEEPER."""
    from drills.cluster import Cluster

    if sweeper:
        os.environ.update(SHORT_SWEEPER)  # scripts/cluster starts the workers with this environment
    own = opts.cluster_dir is None
    directory = opts.cluster_dir or REPOSITORY / "build" / "drills" / f"{name}-{os.getpid()}"
    cluster = Cluster(directory, opts.port or free_port_base())
    workers = {} if own else {w: (cluster.pid(w), _environ(cluster.pid(w))) for w in ("worker-1", "worker-2")}
    try:
        if own:
            report.step(f"starting a cluster in {directory} (ports from {cluster.port})")
            t0 = time.monotonic()
            cluster.up(servers=servers, no_demo=True)
            report.step(f"cluster up in {time.monotonic() - t0:.1f} s")
        elif sweeper:
            restart_workers(cluster)
        ensure_data(report, cluster, members)
        django_setup(cluster, name)
        yield cluster
    finally:
        if not own:
            clean_up(report, cluster)
            restore_workers(report, cluster, workers)
        elif not opts.keep:
            report.step("bringing the drill's cluster down")
            cluster.down(purge=True, purge_archive=True)


# --- what a drill made on a given cluster, removed at its end -------------------------------------
MADE: dict[str, list[int]] = {"users": [], "meetings": [], "exports": [], "imports": []}


def made(kind: str, ids: Sequence[int]) -> None:
    """Record rows the drill created (``users``, ``meetings``, ``exports``, ``imports``) for
    :func:`clean_up`."""
    MADE[kind].extend(ids)


def clean_up(report: Report, cluster: Any) -> None:
    """Remove what the drill made on a cluster it was given: its exports (rows and files), its
    meetings (their invitations and notifications), its imports' rows, its accounts (those that
    acted stay in the audit log: deactivated, their role grants ended, their authenticators removed).
    Failures are reported, not raised (the drill's verdict stands)."""
    if not any(MADE.values()) or "DJANGO_SETTINGS_MODULE" not in os.environ:
        return
    from django.db import connection

    try:
        connection.close()  # after a failover the primary is the promoted replica
        connection.settings_dict["PORT"] = str(cluster.port_of("primary"))
        left = _remove_made()
    except Exception as exc:  # the drill's verdict stands; say what is left
        report.step(f"could not remove the drill's records ({exc!r}): {_counts_made()} are left")
        return
    report.step(f"removed the drill's records ({_counts_made()})" + (f"; left: {left}" if left else ""))


def _counts_made() -> str:
    return ", ".join(f"{len(set(ids))} {kind}" for kind, ids in MADE.items() if ids)


def _remove_made() -> str:
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.db.models import ProtectedError, RestrictedError
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from chibo.accounts.models import RoleGrant
    from chibo.imports.models import ImportJob
    from chibo.meetings.models import Meeting
    from chibo.notifications.models import Notification
    from chibo.reports.models import ExportJob

    for export in ExportJob.objects.filter(pk__in=MADE["exports"]).exclude(file=""):
        export.file.delete(save=False)
    ExportJob.objects.filter(pk__in=MADE["exports"]).delete()
    for i in range(0, len(MADE["meetings"]), 2000):
        chunk = MADE["meetings"][i:i + 2000]
        Notification.objects.filter(key__in=[f"meeting:{pk}" for pk in chunk]).delete()
        Meeting.objects.filter(pk__in=chunk).delete()
    for job in ImportJob.objects.filter(pk__in=MADE["imports"]):
        job.file.delete(save=False)  # the rows it imported stay (members with their history)
    users = get_user_model().objects.filter(pk__in=MADE["users"])
    RoleGrant.objects.filter(user__in=users, valid_to__isnull=True).update(valid_to=dt.date.today())
    TOTPDevice.objects.filter(user__in=users).delete()
    users.update(is_active=False, password="!")
    kept = 0
    for pk in set(MADE["users"]):
        try:
            with transaction.atomic():
                get_user_model().objects.filter(pk=pk).delete()
        except (ProtectedError, RestrictedError):
            kept += 1
    imported = len(set(MADE["imports"]))  # "Run again" re-runs the same import
    return "; ".join(filter(None, [
        f"{kept} accounts that acted (audit log) deactivated, their role grants ended" if kept else "",
        f"the members imported by {imported} imports (members with their history)" if imported else ""]))


def restore_workers(report: Report, cluster: Any, workers: dict[str, tuple[int | None, dict[str, str]]]) -> None:
    """The workers of a given cluster as they were at the drill's start: each one the drill
    stopped, killed or started again (with its sweeper settings) is started again with the
    environment it had (``/proc/PID/environ``), so that nothing of the drill stays in the service."""
    from drills.cluster import SCRIPT

    for name, (pid, environ) in workers.items():
        if pid is None or cluster.pid(name) == pid:
            continue
        if not environ:  # its environment unreadable: this process's, without the drill's settings
            environ = {k: v for k, v in os.environ.items() if k not in SHORT_SWEEPER}
        env = {**environ, "CHIBO_CLUSTER_DIR": str(cluster.dir), "CHIBO_CLUSTER_PORT": str(cluster.port)}
        try:
            if cluster.pid(name) is not None:
                cluster.stop(name)
            done = subprocess.run([str(SCRIPT), "start", name], env=env, capture_output=True, text=True,
                                  timeout=300)
        except Exception as exc:
            report.check(False, f"{name} put back as it was ({exc!r})")
            continue
        settings = {k: environ.get(k, "(default)") for k in SHORT_SWEEPER}
        report.check(done.returncode == 0, f"{name} started again with its own settings "
                                           f"({', '.join(f'{k}={v}' for k, v in settings.items())})"
                     + ("" if done.returncode == 0 else f": {done.stdout}{done.stderr}"))


def restart_workers(cluster: Any) -> None:
    """The workers again, with this process's environment (the drill's sweeper settings), unless
    they already run with it."""
    for worker in ("worker-1", "worker-2"):
        if _environ(cluster.pid(worker)).get("CHIBO_JOB_DEAD_SECONDS") == SHORT_SWEEPER["CHIBO_JOB_DEAD_SECONDS"]:
            continue
        cluster.stop(worker)
        cluster.start(worker)


def _environ(pid: int | None) -> dict[str, str]:
    if pid is None:
        return {}
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    pairs = (item.decode("utf-8", "replace").split("=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {k: v for k, v in pairs}


def direct_env(cluster: Any, data_dir: Path) -> dict[str, str]:
    """The application's environment against the primary itself (maintenance, the drill's checks):
    no pooler, no replica."""
    env = cluster.env()
    env = {**env, "DATABASE_URL": env["DATABASE_DIRECT_URL"], "CHIBO_DATA_DIR": str(data_dir),
           "LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "chibo.settings"}
    for key in ("DATABASE_POOLER", "DATABASE_REPLICA_URL"):
        env.pop(key, None)
    return env


def ensure_data(report: Report, cluster: Any, members: int) -> None:
    """A generated province (``python -m chibo generate``, against the primary) unless the database
    already holds members."""
    held = cluster.psql("SELECT count(*) FROM members_member").strip()
    if held not in ("", "0"):
        return
    report.step(f"generating a province of ~{members:,} members")
    env = {**os.environ, **direct_env(cluster, Path(cluster.dir) / "drills-maintenance")}
    done = subprocess.run([sys.executable, "-m", "chibo", "generate", "--preset", "province", "--members",
                           str(members)], env=env, capture_output=True, text=True, timeout=600, cwd=REPOSITORY)
    if done.returncode:
        raise DrillFailed(f"python -m chibo generate failed: {done.stderr[-800:]}")


def django_setup(cluster: Any, name: str) -> None:
    """Django in this process, on the cluster's primary (the drill's own setup and checks)."""
    import django

    data = Path(cluster.dir) / f"drills-{name}"
    data.mkdir(parents=True, exist_ok=True)
    for key in ("DATABASE_POOLER", "DATABASE_REPLICA_URL"):
        os.environ.pop(key, None)
    os.environ.update(direct_env(cluster, data))
    if str(REPOSITORY) not in sys.path:
        sys.path.insert(0, str(REPOSITORY))
    django.setup()


def restart_dead_workers(report: Report, cluster: Any) -> None:
    """Start again the workers whose process is gone (as their supervisor would), once the kill
    has taken effect (a process just killed still answers for a moment)."""
    for name in ("worker-1", "worker-2"):
        pid = cluster.pid(name)
        if pid is not None:
            with contextlib.suppress(DrillFailed):
                wait_until(lambda pid=pid: not alive([pid]), f"{name} still running", 3, every=0.1)
        if cluster.pid(name) is None or not alive([pid] if pid else []):
            cluster.start(name)
            report.step(f"{name} started again (as its supervisor would)")


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc), children first."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found + [g for child in found for g in descendants(child)]


def alive(pids: Sequence[int]) -> list[int]:
    """Those of ``pids`` still running (zombies excluded)."""
    out = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z":
            out.append(pid)
    return out


def fingerprint(cluster: Any, table: str, port: int | None = None) -> str:
    """Row count and an md5 of every row of ``table`` in id order, read with psql."""
    sql = f"SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, '|' ORDER BY t.id)), '-') FROM {table} t"
    return cluster.psql(sql, port=port).strip()


# --- people and their browser ---------------------------------------------------------------------
@dataclass
class Officer:
    username: str
    password: str
    key: str  # the TOTP device's key (hex)
    unit_id: int
    user_id: int


def province_officer(name: str) -> Officer:
    """An organization-board officer of the (first) province, with a confirmed authenticator; a
    new account each run (an authenticator's code is accepted once)."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from chibo.accounts.models import RoleGrant
    from chibo.org.enums import UnitKind
    from chibo.org.models import Unit

    province = Unit.objects.filter(kind=UnitKind.PROVINCE, closed_on__isnull=True).order_by("path").first()
    if province is None:
        raise DrillFailed("the cluster's database holds no province (python -m chibo generate)")
    username, password = f"drill-{name}-{secrets.token_hex(3)}", secrets.token_urlsafe(12)
    user = get_user_model().objects.create_user(username=username, password=password)
    RoleGrant.objects.create(user=user, unit=province, role="board_staff", valid_from=dt.date(2020, 1, 1))
    key = secrets.token_hex(20)
    TOTPDevice.objects.create(user=user, name="drill", key=key, confirmed=True)
    made("users", [user.pk])
    return Officer(username, password, key, province.pk, user.pk)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Answer:
    status: int
    location: str
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Browser:
    """Requests to ``base`` (nginx) with the cookies the server set, redirects not followed."""

    def __init__(self, base: str, language: str = "en"):
        self.base, self.language, self.cookies = base.rstrip("/"), language, SimpleCookie()
        self.opener = urllib.request.build_opener(_NoRedirect)

    def request(self, path: str, data: bytes | None = None, content_type: str = "", timeout: float = 120) -> Answer:
        headers = {"Accept-Language": self.language, "User-Agent": "chibo-drill"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())
        if data is not None:
            headers["X-CSRFToken"] = self.csrf
            headers["Content-Type"] = content_type or "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base + path, data=data, headers=headers,
                                         method="POST" if data is not None else "GET")
        try:
            with self.opener.open(request, timeout=timeout) as response:
                answer = Answer(response.status, response.headers.get("Location", ""), response.read())
                set_cookies = response.headers.get_all("Set-Cookie") or []
        except urllib.error.HTTPError as error:
            answer = Answer(error.code, error.headers.get("Location", ""), error.read())
            set_cookies = error.headers.get_all("Set-Cookie") or []
        for line in set_cookies:
            self.cookies.load(line)
        return answer

    @property
    def csrf(self) -> str:
        morsel = self.cookies.get("csrftoken")
        return morsel.value if morsel else ""

    def get(self, path: str) -> Answer:
        return self.request(path)

    def post(self, path: str, fields: dict[str, str]) -> Answer:
        return self.request(path, urlencode({"csrfmiddlewaretoken": self.csrf, **fields}).encode())

    def upload(self, path: str, fields: dict[str, str], name: str, filename: str, content: bytes) -> Answer:
        boundary = secrets.token_hex(12)
        fields = {"csrfmiddlewaretoken": self.csrf, **fields}
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                 for k, v in fields.items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     "Content-Type: text/csv\r\n\r\n".encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request(path, body, f"multipart/form-data; boundary={boundary}")

    def log_in(self, officer: Officer) -> None:
        """The login form, then the authenticator's code on the two-step page when it is asked."""
        self.get("/login/")
        answer = self.post("/login/", {"username": officer.username, "password": officer.password})
        if answer.status != 302:
            raise DrillFailed(f"logging in as {officer.username} answered {answer.status}, not a redirect")
        answer = self.get(answer.location if answer.location.startswith("/") else "/")
        if answer.status == 302 and "/2fa/" in answer.location:
            self.get("/2fa/")
            answer = self.post("/2fa/", {"token": totp(officer.key)})
            if answer.status != 302:
                raise DrillFailed(f"the two-step check of {officer.username} answered {answer.status}")


def totp(key_hex: str) -> str:
    from django_otp.oath import TOTP

    return f"{TOTP(bytes.fromhex(key_hex)).token():06d}"


def percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))], 1)


# --- load -----------------------------------------------------------------------------------------
@dataclass
class Hit:
    at: float  # seconds since the load started, when the answer came
    status: int  # 0: no answer
    ms: float
    label: str = ""


class Load:
    """Requests sent by ``threads`` threads in a closed loop until stopped; every answer kept as a Hit.
    ``send(i)`` sends request ``i`` and returns (status, label)."""

    def __init__(self, send: Callable[[int], tuple[int, str]], threads: int = 8):
        import threading

        self.send, self.hits, self.started = send, [], time.monotonic()
        self.failure: Exception | None = None
        self.stopping = threading.Event()
        self.counter = iter(range(10**9))
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._loop, daemon=True) for _ in range(threads)]
        for thread in self.threads:
            thread.start()

    def _loop(self) -> None:
        while not self.stopping.is_set():
            with self.lock:
                i = next(self.counter)
            t0 = time.monotonic()
            try:
                status, label = self.send(i)
            except OSError:
                status, label = 0, ""
            except Exception as exc:  # a bug of the drill, not an answer of the service: stop and say so
                self.failure = exc
                self.stopping.set()
                return
            done = time.monotonic()
            self.hits.append(Hit(done - self.started, status, (done - t0) * 1000, label))

    def now(self) -> float:
        return time.monotonic() - self.started

    def stop(self) -> list[Hit]:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)
        if self.failure is not None:
            raise DrillFailed(f"the load could not be sent: {self.failure!r}")
        return self.hits


def http_get(port: int, path: str, cookie: str, timeout: float = 30) -> int:
    """One GET on loopback (a new connection, as a browser behind nginx would not share): its status."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Cookie": cookie, "Accept-Language": "vi", "User-Agent": "chibo-drill"})
        response = conn.getresponse()
        response.read()
        return response.status
    except http.client.HTTPException:
        return 0
    finally:
        conn.close()


def summary(hits: Sequence[Hit], start: float = 0.0, end: float = float("inf")) -> dict[str, Any]:
    """Requests, errors (5xx or no answer), error statuses and p50/p95 of the hits in [start, end)."""
    chosen = [h for h in hits if start <= h.at < end]
    errors = [h for h in chosen if h.status == 0 or h.status >= 500]
    ms = [h.ms for h in chosen]
    return {"requests": len(chosen), "errors": len(errors), "statuses": sorted({h.status for h in errors}),
            "failed": sorted({f"{h.status} {h.label}" for h in errors}),
            "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95)}
