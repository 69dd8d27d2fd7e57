"""``python -m drills NAME [options]``: run one drill; ``python -m drills`` lists them.

Each drill is a module of this package exposing ``run(argv) -> int`` (0 when what it proves
holds) and a docstring whose first paragraph states what it proves.
"""

from __future__ import annotations

import importlib
import sys

DRILLS = {
    "backup": "drills.backup",
    "import_kill": "drills.import_kill",
    "fanout_kill": "drills.fanout_kill",
    "redis_restart": "drills.redis_restart",
    "app_server_kill": "drills.app_server_kill",
    "replica_stop": "drills.replica_stop",
    "failover": "drills.failover",
}


def usage() -> str:
    lines = ["usage: python -m drills NAME [options]   ('python -m drills NAME --help' for its options)", "",
             "drills:"]
    width = max(map(len, DRILLS))
    for name, module in DRILLS.items():
        doc = (importlib.import_module(module).__doc__ or "").strip().split("\n\n")[0]
        lines.append(f"  {name:{width}}  {' '.join(doc.split())}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help"}:
        print(usage())  # the list is what was asked for: not an error
        return 0
    if argv[0] not in DRILLS:
        print(f"No drill {argv[0]!r}: choose one of these.\n\n{usage()}", file=sys.stderr)
        return 2
    return importlib.import_module(DRILLS[argv[0]]).run(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
