"""Materialised paths: fixed-width decimal segments, so that a subtree is an index range.

A unit's path is its parent's path plus a 5-digit segment (``00001``…``99999``). Digits sort
the same way under every collation, so ``path >= p AND path < next_sibling(p)`` selects the
subtree on SQLite and PostgreSQL alike and both use the index (a ``LIKE 'p%'`` does not on
SQLite).
"""

from __future__ import annotations

STEP = 5
MAX_CHILDREN = 10**STEP - 1


def segment(n: int) -> str:
    if not 1 <= n <= MAX_CHILDREN:
        raise ValueError(f"child number {n} out of range 1..{MAX_CHILDREN}")
    return f"{n:0{STEP}d}"


def child_path(parent_path: str, n: int) -> str:
    return parent_path + segment(n)


def depth(path: str) -> int:
    return len(path) // STEP


def upper_bound(path: str) -> str:
    """The path just after ``path``'s whole subtree (its last segment plus one)."""
    last = int(path[-STEP:])
    return path[:-STEP] + f"{last + 1:0{STEP}d}"


def ancestors(path: str) -> list[str]:
    """The paths of every ancestor of ``path`` and ``path`` itself, root first."""
    return [path[: i * STEP] for i in range(1, depth(path) + 1)]


def is_within(path: str, scope_path: str) -> bool:
    return path.startswith(scope_path)
