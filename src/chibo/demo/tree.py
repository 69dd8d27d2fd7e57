"""The synthetic unit tree: central → province/bloc → commune/agency → grassroots → … → cell.

:class:`TreeBuilder` yields :class:`Node` objects in path order (parents first) with explicit
ids and materialised paths. It is deterministic for a plan and a seed, and cheap, so the loader
walks it once per table instead of keeping 280,000 units in memory.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils import timezone

from chibo.core.text import fold
from chibo.demo import places
from chibo.demo.places import PROVINCES, Province
from chibo.org import paths
from chibo.org.enums import Sector, UnitKind

ROOT_OPENED = dt.date(1930, 2, 3).toordinal()
PROVINCES_OPENED = dt.date(1976, 7, 2).toordinal()
REFORM_DAY = dt.date(2025, 7, 1)  # the 2025 restructuring of provinces and communes

# flavour of a cell → the sector of its unit
FLAVOR_SECTOR = {
    "village": Sector.RESIDENTIAL, "urban": Sector.RESIDENTIAL, "agency": Sector.STATE_AGENCY,
    "police": Sector.ARMED_FORCES, "military": Sector.ARMED_FORCES, "school": Sector.SCHOOL,
    "university": Sector.SCHOOL, "health": Sector.PUBLIC_SERVICE, "company": Sector.NON_STATE_ENTERPRISE,
    "coop": Sector.NON_STATE_ENTERPRISE, "state_company": Sector.STATE_ENTERPRISE,
    "overseas": Sector.OVERSEAS, "student": Sector.SCHOOL,
}
# relative size of a cell of each flavour (members), as (low, high)
CAPACITY = {
    "village": (18, 48), "urban": (15, 42), "agency": (6, 20), "police": (10, 30), "military": (6, 16),
    "school": (6, 22), "university": (12, 35), "health": (6, 22), "company": (3, 22), "coop": (4, 12),
    "state_company": (8, 28), "overseas": (3, 10), "student": (10, 30),
}


@dataclass(frozen=True)
class Plan:
    """A resolved preset: which provinces with how many communes, and how dense."""

    provinces: tuple[tuple[int, int], ...]  # (index in PROVINCES, number of communes)
    blocs: int = 0
    density: float = 1.0  # structure of a commune (1.0 = realistic; the demo is sparser)
    agencies: float = 1.0  # size of the provincial agency committees and the blocs
    merge_rate: float = 0.04  # communes with a village-cell merger in their history
    bulk_history: bool = True  # write renames and merges directly (large presets)
    as_of: dt.date = field(default_factory=timezone.localdate)


class Node:
    """One unit of the generated tree (dates as ordinals)."""

    __slots__ = ("id", "code", "name", "kind", "sector", "parent", "path", "depth", "opened",
                 "closed", "successor", "flavor", "capacity", "province", "commune", "next_child",
                 "old_name", "renamed_on", "old_path", "merged_into", "merged_from")
    id: int
    code: str
    name: str
    kind: str
    sector: str
    parent: Node | None
    path: str
    depth: int
    opened: int
    closed: int | None
    successor: Node | None
    flavor: str | None
    capacity: int
    province: int
    commune: int
    next_child: int
    old_name: str | None
    renamed_on: int | None
    old_path: str | None
    merged_into: Node | None
    merged_from: tuple[int, int, int] | None

    def __init__(self, **values):
        self.closed = self.successor = self.flavor = self.old_name = self.renamed_on = None
        self.old_path = self.merged_into = self.merged_from = None
        self.capacity = 0
        self.next_child = 1
        self.province = self.commune = -1
        for key, value in values.items():
            setattr(self, key, value)

    @property
    def parent_id(self) -> int | None:
        return self.parent.id if self.parent is not None else None

    @property
    def folded(self) -> str:
        return fold(self.name)


@dataclass
class Cell:
    """What the member generator needs to know about a member-holding unit."""

    id: int
    path: str
    flavor: str
    province: int  # index in PROVINCES (-1: central bloc)
    commune: int  # index in TreeBuilder.villages (-1: none)
    capacity: int
    name: str
    opened: int  # ordinal
    merged_from: tuple[int, int, int] | None = None  # (source id, merge day, source opened)


class TreeBuilder:
    def __init__(self, plan: Plan, seed: int, first_id: int = 1):
        self.plan = plan
        self.seed = seed
        self.first_id = first_id
        self.as_of = plan.as_of.toordinal()
        self.density = self._province_density(plan)

    @staticmethod
    def _province_density(plan: Plan) -> dict[int, float]:
        """Per province, how much bigger than average its communes and cells are.

        Membership follows the province's weight, not its number of communes (Hà Nội has ten
        times the members of Lai Châu per commune); half of the difference goes into the number
        of villages, half into the size of the cells. Only for national plans.
        """
        if len(plan.provinces) <= 2:
            return {}
        mean = sum(PROVINCES[pi].weight for pi, _n in plan.provinces) / sum(n for _pi, n in plan.provinces)
        return {pi: min(2.2, max(0.35, (PROVINCES[pi].weight / n / mean) ** 0.5)) for pi, n in plan.provinces}

    # ---- public ------------------------------------------------------------------------------

    def units(self, *, collect: bool = False) -> Iterator[Node]:
        """Every unit in path order; with ``collect`` fills :attr:`cells` and the place pools."""
        self.rng = random.Random(f"{self.seed}:tree")
        self.next_id = self.first_id
        self.collect = collect
        self.communes_seen = 0
        if collect:
            self.cells: list[Cell] = []
            self.villages: list[tuple[str, list[str]]] = []  # (commune name, village names)
            self.province_places: dict[int, list[str]] = {}
        root = self._node(None, "TW", "Trung ương", UnitKind.CENTRAL, Sector.MIXED, opened=ROOT_OPENED)
        root.path, root.depth = paths.segment(1), 1
        yield root
        for pi, communes in self.plan.provinces:
            yield from self._province(root, pi, communes)
        for b in range(self.plan.blocs):
            yield from self._bloc(root, b)

    # ---- building blocks ---------------------------------------------------------------------

    def _node(self, parent: Node | None, code: str, name: str, kind: str, sector: str, *,
              opened: int, flavor: str | None = None) -> Node:
        node = Node(id=self.next_id, code=code, name=name, kind=kind, sector=sector, parent=parent,
                    opened=opened, flavor=flavor)
        self.next_id += 1
        return node

    def _opened(self, parent: Node, years: float) -> int:
        latest = self.as_of - 730
        day = parent.opened + int(self.rng.random() * years * 365)
        return max(parent.opened, min(day, latest))

    def _child(self, parent: Node, kind: str, name: str, *, flavor: str | None = None,
               sector: str | None = None, years: float = 15, code: str | None = None) -> Node:
        n = parent.next_child
        parent.next_child += 1
        sector = sector or (FLAVOR_SECTOR[flavor] if flavor else Sector.MIXED)
        node = self._node(parent, code or f"{parent.code}.{n}", name, kind, sector,
                          opened=self._opened(parent, years), flavor=flavor)
        node.path = paths.child_path(parent.path, n)
        node.depth = parent.depth + 1
        node.province, node.commune = parent.province, parent.commune
        return node

    def _scaled(self, n: float, minimum: int = 1) -> int:
        return max(minimum, round(n * self.plan.agencies))

    def _dense(self, n: float, minimum: int = 0) -> int:
        return max(minimum, round(n * self.plan.density))

    def _cell(self, parent: Node, name: str, flavor: str, *, kind: str = UnitKind.CELL,
              groups: float = 0.3, merge_from: str | None = None) -> Iterator[Node]:
        if flavor == "university" and "Sinh viên" in name:
            flavor = "student"
        cell = self._child(parent, kind, name, flavor=flavor, years=12)
        low, high = CAPACITY[flavor]
        cell.capacity = round(self.rng.randint(low, high) * self.density.get(cell.province, 1.0))
        yield cell
        big = cell.capacity > 34 or parent.kind == UnitKind.PARTIAL_COMMITTEE
        if big and self.rng.random() < groups:
            for g in range(1, self.rng.randint(2, 4) + 1):
                yield self._child(cell, UnitKind.PARTY_GROUP, f"Tổ đảng số {g}", flavor=flavor, years=5)
        if merge_from is not None:
            yield self._merged_source(cell, merge_from)
        if self.collect:
            source = cell.merged_from
            self.cells.append(Cell(cell.id, cell.path, flavor, cell.province, cell.commune,
                                   cell.capacity, cell.name, cell.opened, source))

    def _merged_source(self, target: Node, name: str) -> Node:
        """A cell merged into ``target``: closed, kept in the tree under its successor."""
        home = target.parent
        assert home is not None  # a cell always has a parent
        n = home.next_child
        home.next_child += 1
        day = dt.date(self.rng.choice((2019, 2020, 2021)), self.rng.randint(1, 12), 1).toordinal()
        day = min(max(day, target.opened + 30), self.as_of - 30)
        source = self._child(target, target.kind, name, flavor=target.flavor,
                             code=f"{home.code}.{n}", years=0)
        source.opened = target.opened
        source.closed, source.successor = day, target
        source.old_path, source.merged_into = paths.child_path(home.path, n), target
        target.merged_from = (source.id, day, source.opened)
        return source

    def _committee(self, parent: Node, name: str, flavor: str, cells: list[str], *,
                   partial: list[tuple[str, list[str]]] | None = None,
                   groups: float = 0.3) -> Iterator[Node]:
        """A grassroots committee with cells (and optionally partial committees)."""
        gc = self._child(parent, UnitKind.GRASSROOTS_COMMITTEE, name, flavor=flavor, years=20)
        yield gc
        for part_name, part_cells in partial or ():
            part = self._child(gc, UnitKind.PARTIAL_COMMITTEE, part_name, flavor=flavor, years=10)
            yield part
            for cell_name in part_cells:
                yield from self._cell(part, cell_name, flavor, groups=groups)
        for cell_name in cells:
            yield from self._cell(gc, cell_name, flavor, groups=groups)

    def _grassroots_cell(self, parent: Node, name: str, flavor: str, **kw) -> Iterator[Node]:
        yield from self._cell(parent, name, flavor, kind=UnitKind.GRASSROOTS_CELL, **kw)

    # ---- provinces and communes --------------------------------------------------------------

    def _province(self, root: Node, pi: int, communes: int) -> Iterator[Node]:
        prov = PROVINCES[pi]
        node = self._child(root, UnitKind.PROVINCE, prov.name, code=f"T{pi + 1:02d}")
        node.opened, node.province, node.commune = PROVINCES_OPENED, pi, -1
        yield node
        used: set[str] = set()
        zones = list(prov.special_zones)
        for c in range(communes):
            zone = zones.pop(0) if zones and c >= communes - len(prov.special_zones) else None
            yield from self._commune(node, prov, pi, used, zone)
        from chibo.demo.agencies import province_agencies

        yield from province_agencies(self, node, prov)

    def _commune(self, parent: Node, prov: Province, pi: int, used: set[str],
                 zone: str | None) -> Iterator[Node]:
        rng = self.rng
        urban = rng.random() < (0.4 if prov.city else 0.15)
        name = f"Đặc khu {zone}" if zone else places.commune_name(rng, prov, used, urban)
        node = self._child(parent, UnitKind.COMMUNE, name, years=24)
        node.commune = self.communes_seen
        self.communes_seen += 1
        self._maybe_renamed(node, urban)
        many = rng.randint(22, 50) * self.density.get(pi, 1.0)
        villages = places.village_names(rng, prov, urban, self._dense(many, 2))
        if self.collect:
            self.villages.append((name, villages))
            self.province_places.setdefault(pi, []).append(f"{name}, {prov.name}")
        yield node
        merge_at = rng.randrange(len(villages) - 1) if rng.random() < self.plan.merge_rate else -1
        skip = False
        for i, village in enumerate(villages):
            if skip:
                skip = False
                continue
            merge = None
            if i == merge_at and self.plan.bulk_history:
                merge, skip = places.cell_of_village(villages[i + 1]), True
            yield from self._grassroots_cell(node, places.cell_of_village(village),
                                             "urban" if urban else "village", groups=0.25,
                                             merge_from=merge)
        from chibo.demo.agencies import commune_organizations

        yield from commune_organizations(self, node, urban)

    def _maybe_renamed(self, node: Node, urban: bool) -> None:
        if not self.plan.bulk_history:
            return
        rng = self.rng
        if urban and rng.random() < 0.15:
            node.old_name = "Xã " + node.name.split(" ", 1)[1]
        elif rng.random() < 0.03:
            node.old_name = f"Xã {places.pair_name(rng, set())}"
        else:
            return
        node.renamed_on = REFORM_DAY.toordinal()

    # ---- central blocs -----------------------------------------------------------------------

    def _bloc(self, root: Node, b: int) -> Iterator[Node]:
        name = places.BLOCS[b % len(places.BLOCS)]
        node = self._child(root, UnitKind.BLOC, name, code=f"K{b + 1:02d}")
        node.opened, node.province, node.commune = PROVINCES_OPENED, -1, -1
        yield node
        from chibo.demo.agencies import bloc_agencies

        yield from bloc_agencies(self, node, name)
