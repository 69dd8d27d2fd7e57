"""A constant-rate HTTP load, run as its own process: ``python -m bench.loadgen PLAN.json OUT.json``.

Open loop: request *i* is due at ``start + i / rate`` whatever the server's pace, and its latency
is counted from that due time, so a server that falls behind shows as latency (and a lower
achieved rate), never as a politely slower client. Threads send the requests, one connection each
(gunicorn's sync workers close the connection after every response, as behind nginx).

The plan (written by ``bench/handbook_load.py``) gives the port, the rate, the duration, the
users (session cookie, CSRF secret, their meeting, its code, a document) and the mix: a list of
``[action, weight]``; ``actions`` may add actions of its own (name → ``[method, path template,
expected status]``, the template filled from the user's keys).
Only the standard library is used, so the load costs the server's two cores
as little as possible. The result: per action and overall, the count, the errors (any status
other than the expected one, or no response), p50/p95/p99 latency in ms, the achieved rate and
the lowest rate over a 10-second window; ``started_at`` (the wall-clock time of the schedule's
start) and ``errors_at`` (each error's ``[seconds after the start, action, status]``) place the
errors in time.
"""

from __future__ import annotations

import http.client
import itertools
import json
import random
import resource
import statistics
import sys
import threading
import time
from typing import Any
from urllib.parse import urlencode

THREADS = 64
WINDOW = 10.0  # seconds: "sustained" is the lowest rate over any full window

# action → (method, path template, expected status)
ACTIONS = {
    "home": ("GET", "/handbook/", 200),
    "meeting": ("GET", "/handbook/meetings/{meeting}/", 200),
    "document": ("GET", "/handbook/library/{document}/", 200),
    "answer": ("POST", "/handbook/meetings/{meeting}/", 302),
    "check_in": ("POST", "/handbook/meetings/{meeting}/", 302),
    "minimal": ("GET", "/bench/minimal/", 200),
}


def _body(action: str, user: dict[str, Any]) -> bytes | None:
    if action == "answer":
        return urlencode({"csrfmiddlewaretoken": user["csrf"], "action": "answer", "attending": "1"}).encode()
    if action == "check_in":
        return urlencode({"csrfmiddlewaretoken": user["csrf"], "action": "check_in", "code": user["code"]}).encode()
    return None


def _send(port: int, action: str, user: dict[str, Any], actions: dict[str, tuple[str, str, int]]) -> int:
    method, template, _ = actions[action]
    body = _body(action, user)
    headers = {"Cookie": f"sessionid={user['session']}; csrftoken={user['csrf']}", "Host": "127.0.0.1",
               "Accept-Language": "vi", "User-Agent": "chibo-bench-loadgen"}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, template.format(**user), body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 1)


def _summary(rows: list[tuple[str, int, float, float]], duration: float,
             actions: dict[str, tuple[str, str, int]] = ACTIONS) -> dict[str, Any]:
    latencies = [r[2] for r in rows]
    errors = [r for r in rows if r[1] != actions[r[0]][2]]
    return {"requests": len(rows), "errors": len(errors),
            "error_statuses": sorted({r[1] for r in errors}),
            "p50_ms": _percentile(latencies, 50), "p95_ms": _percentile(latencies, 95),
            "p99_ms": _percentile(latencies, 99), "max_ms": round(max(latencies), 1) if latencies else None,
            "rate": round(len(rows) / duration, 1) if duration else None}


def run(plan: dict[str, Any]) -> dict[str, Any]:
    port, rate, duration = plan["port"], float(plan["rate"]), float(plan["duration"])
    users, actions = plan["users"], [a for a, _ in plan["mix"]]
    table = {**ACTIONS, **{name: tuple(spec) for name, spec in plan.get("actions", {}).items()}}
    rng = random.Random(plan.get("seed", 1))
    total = int(rate * duration)
    jobs = list(zip(rng.choices(actions, weights=[w for _, w in plan["mix"]], k=total),
                    (rng.randrange(len(users)) for _ in range(total)), strict=True))
    results: list[tuple[str, int, float, float] | None] = [None] * total
    counter = itertools.count()
    start = time.monotonic() + 0.5
    started_at = time.time() + 0.5

    def worker() -> None:
        while (i := next(counter)) < total:
            action, who = jobs[i]
            due = start + i / rate
            if (wait := due - time.monotonic()) > 0:
                time.sleep(wait)
            try:
                status = _send(port, action, users[who], table)
            except (OSError, http.client.HTTPException):
                status = 0
            done = time.monotonic()
            results[i] = (action, status, (done - due) * 1000, done - start)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = [r for r in results if r is not None]
    elapsed = max(r[3] for r in rows)
    windows: list[list[float]] = [[] for _ in range(int(elapsed // WINDOW))]  # full windows only
    for r in rows:
        if (w := int(r[3] // WINDOW)) < len(windows):
            windows[w].append(r[2])
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out = {"overall": _summary(rows, elapsed, table), "elapsed_s": round(elapsed, 1), "started_at": started_at,
           "errors_at": [[round(r[3], 3), r[0], r[1]] for r in rows if r[1] != table[r[0]][2]],
           "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
           "lowest_window_rate": round(min(map(len, windows)) / WINDOW, 1) if windows else None,
           "windows": [{"rate": round(len(w) / WINDOW, 1), "p95_ms": _percentile(w, 95)} for w in windows],
           "by_action": {a: _summary([r for r in rows if r[0] == a], elapsed, table) for a in actions}}
    return out


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        plan = json.load(f)
    result = run(plan)
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
