"""The national default criteria frameworks (``frameworks.json``), loaded by migration
``quality 0002`` and, for tests whose database was flushed, again by ``load``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

DEFAULTS = Path(__file__).with_name("frameworks.json")


def load(framework_model: Any) -> dict[str, int]:
    """Create the national frameworks with the given model class (the migration passes its
    historical model); returns the last version number given to each kind."""
    versions: dict[str, int] = {}
    for item in json.loads(DEFAULTS.read_text(encoding="utf-8"))["frameworks"]:
        versions[item["kind"]] = versions.get(item["kind"], 0) + 1
        framework_model.objects.create(
            kind=item["kind"], name=item["name"], name_en=item.get("name_en", ""), version=versions[item["kind"]],
            valid_from=dt.date.fromisoformat(item["valid_from"]), source=item.get("source", ""),
            criteria=item["criteria"], rule=item.get("rule", {}))
    return versions
