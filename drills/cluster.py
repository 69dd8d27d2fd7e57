"""A Python handle on the topology ``scripts/cluster`` starts (docs/operations.md, "The national
topology"): bring it up and down, read its environment, find, kill and restart its pieces, and run
SQL on its databases.

    cluster = Cluster(Path("build/my-drill"), 56500)
    cluster.up(no_demo=True)            # or db_only=True, servers=3
    cluster.kill("app-1", signal.SIGKILL)
    cluster.start("app-1")
    cluster.psql("SELECT count(*) FROM members_member")
    cluster.down()

Pieces are named as the script names them: ``primary``, ``replica``, ``pgbouncer``, ``redis``,
``nginx``, ``app-I``, ``worker-J``.
"""

from __future__ import annotations

import os
import secrets
import signal as signals
import socket
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "cluster"
PSQL = "/usr/lib/postgresql/15/bin/psql"
DEFAULT_DIR = ROOT / "build" / "cluster"
DEFAULT_PORT = 55400


def port_free(port: int) -> bool:
    """Nothing listens on ``port`` of the loopback address now."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_base(offsets: Iterable[int] = range(21), *, low: int = 20_000, high: int = 32_000,
                   step: int = 20) -> int:
    """A base B in [low, high) such that B + each offset is free now (several clusters may run at
    once); the default range stays below Linux's ephemeral ports (32768 and up)."""
    offsets = list(offsets)
    for _ in range(200):
        base = low + step * secrets.randbelow((high - low) // step)
        if all(port_free(base + offset) for offset in offsets):
            return base
    raise RuntimeError(f"no free port base between {low} and {high}")


class ClusterError(RuntimeError):
    """A ``scripts/cluster`` command failed; the message holds its output."""


class Cluster:
    def __init__(self, dir: Path | str = DEFAULT_DIR, port: int = DEFAULT_PORT) -> None:  # noqa: A002
        self.dir = Path(dir).resolve()
        self.port = int(port)

    # --- the script -------------------------------------------------------------------------------
    def run(self, *args: str, timeout: float = 900, check: bool = True) -> subprocess.CompletedProcess:
        """``scripts/cluster ARGS…`` on this cluster's directory and ports (output captured)."""
        env = {**os.environ, "CHIBO_CLUSTER_DIR": str(self.dir), "CHIBO_CLUSTER_PORT": str(self.port)}
        done = subprocess.run([str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise ClusterError(f"scripts/cluster {' '.join(args)} failed ({done.returncode}):\n"
                               f"{done.stdout}{done.stderr}")
        return done

    def up(self, *, servers: int | None = None, db_only: bool = False, no_demo: bool = False) -> str:
        """Start every piece (or only the databases); returns what the script printed."""
        args = ["up", *(["--servers", str(servers)] if servers else []),
                *(["--db-only"] if db_only else []), *(["--no-demo"] if no_demo else [])]
        return self.run(*args).stdout

    def down(self, *, purge: bool = False, purge_archive: bool = False) -> str:
        """Stop every piece; ``purge`` also removes the directory, which the script refuses while
        its WAL archive holds files unless ``purge_archive`` (a throwaway cluster of one's own)."""
        return self.run("down", *(["--purge"] if purge else []),
                        *(["--purge-archive"] if purge and purge_archive else [])).stdout

    def status(self) -> tuple[bool, str]:
        """(every piece up, the status lines)."""
        done = self.run("status", check=False)
        return done.returncode == 0, done.stdout

    def failover(self) -> str:
        """Promote the replica without asking (``--yes``); returns the steps and what may be lost."""
        return self.run("failover", "--yes").stdout

    def adopt(self, data: Path | str) -> str:
        """Put a restored data directory in service as the primary (``adopt DATADIR --yes``)."""
        return self.run("adopt", str(data), "--yes").stdout

    def env(self) -> dict[str, str]:
        """The application's environment (``DATABASE_URL``, ``REDIS_URL``, ``CHIBO_CLUSTER_URL``…)."""
        lines = self.run("env").stdout.splitlines()
        pairs = (line.removeprefix("export ").split("=", 1) for line in lines if "=" in line)
        return {name: value for name, value in pairs}

    @property
    def url(self) -> str:
        """nginx's address, ending with a slash."""
        return f"http://127.0.0.1:{self.port + 5}/"

    def port_of(self, name: str) -> int:
        """The port a piece listens on (``primary`` is the current primary, also after a failover)."""
        fixed = {"replica": 2, "pgbouncer": 3, "redis": 4, "nginx": 5}
        if name == "primary":
            return self.port + (2 if self._state().get("PRIMARY") == "replica" else 1)
        if name.startswith("app-"):
            return self.port + 10 + int(name.removeprefix("app-"))
        return self.port + fixed[name]

    # --- processes --------------------------------------------------------------------------------
    def pid(self, name: str) -> int | None:
        """The running process of a piece (PostgreSQL: the postmaster), or None."""
        if name in ("primary", "replica"):
            data = "replica" if name == "primary" and self._state().get("PRIMARY") == "replica" else name
            path = self.dir / "pg" / data / "postmaster.pid"
        else:
            path = self.dir / "run" / f"{name}.pid"
        try:
            pid = int(path.read_text().split()[0])
            os.kill(pid, 0)
        except (OSError, ValueError, IndexError):
            return None
        return pid

    def kill(self, name: str, signal: int = signals.SIGKILL) -> int:
        """Send ``signal`` to a piece's process; returns its pid."""
        pid = self.pid(name)
        if pid is None:
            raise ClusterError(f"{name} is not running in {self.dir}")
        os.kill(pid, signal)
        return pid

    def start(self, name: str) -> str:
        """Start one piece again with the settings of the last ``up`` (waits until it answers)."""
        return self.run("start", name).stdout

    def stop(self, name: str) -> str:
        """Stop one piece cleanly (PostgreSQL: fast shutdown)."""
        return self.run("stop", name).stdout

    def wait_ready(self, timeout: float = 120) -> None:
        """Until ``status`` shows every piece up; ClusterError with the status lines after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            ready, lines = self.status()
            if ready:
                return
            if time.monotonic() > deadline:
                raise ClusterError(f"the cluster in {self.dir} is not ready after {timeout:.0f} s:\n{lines}")
            time.sleep(0.5)

    # --- SQL --------------------------------------------------------------------------------------
    def psql(self, sql: str, port: int | None = None, db: str = "chibo") -> str:
        """Run ``sql`` as postgres (unaligned, tuples only); its output without the last newline.
        ``port`` defaults to the current primary's."""
        done = subprocess.run(
            [PSQL, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
             "-p", str(port or self.port_of("primary")), "-U", "postgres", "-d", db, "-c", sql],
            capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise ClusterError(f"psql failed ({done.returncode}): {done.stderr.strip()}")
        return done.stdout.rstrip("\n")

    def _state(self) -> dict[str, str]:
        path = self.dir / "state"
        if not path.exists():
            return {}
        pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
        return {name: value for name, value in pairs}
