"""The rulebook: regulatory figures as versioned, effective-dated, sourced data.

``rule("admission.min_age_months", on=vote_date)`` returns the value in force on that date. The
shipped figures live in ``rulebook.json``; an administrator adds a dated version in the database
(:class:`chibo.core.models.RuleOverride`) and it wins over a shipped version of the same or an
earlier date.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

RULEBOOK_FILE = Path(__file__).with_name("rulebook.json")


class UnknownRule(KeyError):
    pass


@dataclass(frozen=True)
class RuleVersion:
    key: str
    value: Any
    effective_from: dt.date
    source: str
    note: str = ""
    overridden: bool = False


@lru_cache(maxsize=1)
def file_rules() -> dict[str, list[dict]]:
    data = json.loads(RULEBOOK_FILE.read_text(encoding="utf-8"))
    data.pop("_comment", None)
    return data


def versions(key: str) -> list[RuleVersion]:
    """All versions of ``key``, oldest first; database overrides sort after file versions of the
    same date so they win."""
    from chibo.core.models import RuleOverride

    shipped = [
        RuleVersion(key, v["value"], dt.date.fromisoformat(v["effective_from"]), v["source"],
                    v.get("note", ""))
        for v in file_rules().get(key, [])
    ]
    overrides = [
        RuleVersion(key, o.value, o.effective_from, o.source, o.note, overridden=True)
        for o in RuleOverride.objects.filter(key=key).order_by("effective_from", "id")
    ]
    if not shipped and not overrides:
        raise UnknownRule(key)
    return sorted(shipped + overrides, key=lambda v: (v.effective_from, v.overridden))


def rule_version(key: str, *, on: dt.date) -> RuleVersion:
    candidates = [v for v in versions(key) if v.effective_from <= on]
    if not candidates:
        raise UnknownRule(f"{key} has no version in force on {on.isoformat()}")
    return candidates[-1]


def rule(key: str, *, on: dt.date | None = None) -> Any:
    """The value of ``key`` in force on ``on`` (today if omitted)."""
    from django.utils import timezone

    return rule_version(key, on=on or timezone.localdate()).value


def all_keys() -> list[str]:
    from chibo.core.models import RuleOverride

    keys = set(file_rules()) | set(RuleOverride.objects.values_list("key", flat=True))
    return sorted(keys)
