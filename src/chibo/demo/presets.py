"""The named data sets: ``demo`` (fast, two provinces), ``province`` and ``nation``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from chibo.demo.places import PROVINCE_INDEX, PROVINCES
from chibo.demo.tree import Plan


@dataclass(frozen=True)
class Preset:
    name: str
    members: int  # active members at full size
    provinces: tuple[tuple[str, int], ...]  # (province, communes)
    blocs: int = 0
    density: float = 1.0
    agencies: float = 1.0
    bulk_history: bool = True
    merge_rate: float = 0.04


DEMO_PROVINCE, DEMO_SIBLING = "Quảng Ninh", "Lạng Sơn"

PRESETS: dict[str, Preset] = {
    # one realistic province of ~4,300 members in 10 communes and a small sibling province;
    # its history (a merger, renames, a move, transfers) is made through the real services
    "demo": Preset("demo", 5_500, ((DEMO_PROVINCE, 10), (DEMO_SIBLING, 2)), density=0.35,
                   agencies=0.1, bulk_history=False),
    "province": Preset("province", 150_000, (("Bắc Ninh", 100),)),
    "nation": Preset("nation", 5_600_000, tuple((p.short, p.communes) for p in PROVINCES), blocs=6),
}


def province_code(short: str) -> str:
    """The unit code the generator gives a province ("T07" for Quảng Ninh)."""
    return f"T{PROVINCE_INDEX[short] + 1:02d}"


def plan_for(preset: Preset, *, members: int | None = None, as_of: dt.date | None = None) -> tuple[Plan, int]:
    """The tree plan and the number of active members; ``members`` scales the structure."""
    target = members if members is not None else preset.members
    if target < 1:
        raise ValueError("the number of members must be positive")
    scale = target / preset.members
    provinces = tuple((PROVINCE_INDEX[short], max(1, round(n * scale))) for short, n in preset.provinces)
    plan = Plan(
        provinces=provinces, blocs=preset.blocs, density=preset.density,
        agencies=preset.agencies * min(1.0, max(scale, 0.05)), merge_rate=preset.merge_rate,
        bulk_history=preset.bulk_history, as_of=as_of or timezone.localdate(),
    )
    return plan, target
