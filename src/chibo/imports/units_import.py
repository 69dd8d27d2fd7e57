"""Importing units: parents are existing units (in the actor's scope) or rows above in the file.

Pass 1 checks every row and computes each new unit's materialised path (the parent's path plus
the next free 5-digit segment, as ``org.services.next_child_path`` does). Pass 2 writes the units,
their first position period, a "created" event and an empty tally row each, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.accounts.roles import Perm
from chibo.core import audit
from chibo.core.text import fold, normalize_name
from chibo.imports import bulk
from chibo.imports.columns import UNIT_COLUMNS
from chibo.imports.importer import Conflict, Importer, Progress, common_path, lock_tables
from chibo.members.models import TALLY_COLUMNS
from chibo.org import paths
from chibo.org import services as org_services
from chibo.org.enums import UnitEventKind
from chibo.org.models import Unit

UNIT_TABLE_COLUMNS = ("id", "code", "name", "name_folded", "kind", "sector", "parent_id", "path", "depth",
                      "opened_on", "closed_on", "successor_id")
PERIOD_TABLE_COLUMNS = ("id", "unit_id", "parent_id", "path", "name", "valid_from", "valid_to")
EVENT_TABLE_COLUMNS = ("id", "unit_id", "kind", "on", "decision", "details", "actor_id", "recorded_at")
TALLY_TABLE_COLUMNS = ("unit_id", *TALLY_COLUMNS)
DB_BATCH = 2_000

Parent = tuple[int | None, int, str, dt.date]  # existing id, new row index (-1), path, opened on


class UnitImporter(Importer):
    kind = "units"
    columns = UNIT_COLUMNS
    permission = Perm.UNITS_CHANGE

    def __init__(self, actor: Any):
        super().__init__(actor)
        self.new: dict[str, tuple[int, int, Parent | None]] = {}  # code → (row, index, as a parent)
        self.existing: dict[str, tuple[int, str, dt.date, bool] | None] = {}
        self.last_child: dict[str, int] = {}  # parent path ("" for the root) → last segment used
        self.first_child: dict[str, int] = {}  # existing parent path → its last child number then
        self.pending_codes: list[tuple[int, str]] = []

    # -- pass 1 -------------------------------------------------------------------------------

    def check(self, number: int, data: dict[str, Any], failed: set[str]) -> None:
        errors: list[tuple[str, Any]] = []
        code = data.get("code")
        if code and code in self.new:
            errors.append(("code", _("This code is already in row %(row)d of this file.") % {"row": self.new[code][0]}))
        elif code:
            self.pending_codes.append((number, code))
        if "name" in data:
            data["name"] = normalize_name(data["name"])
        parent = self._parent(data, failed, errors)
        if parent is not None and "opened_on" not in failed and data["opened_on"] < parent[3]:
            errors.append(("opened_on", _("A unit cannot open before its parent unit.")))
        for column, message in errors:
            self.log.add(number, column, message)
        me = self._place(number, data, parent, errors or failed)
        if code and code not in self.new:
            self.new[code] = (number, len(self.new), me)
        if len(self.pending_codes) >= DB_BATCH:
            self._check_codes()

    def _parent(self, data: dict[str, Any], failed: set[str], errors: list) -> Parent | None:
        if "parent_code" in failed:
            return None
        code = data["parent_code"]
        if not code:
            if self.scope.everything:
                return (None, -1, "", dt.date.min)
            errors.append(("parent_code", _("Enter the code of the parent unit.")))
            return None
        if code in self.new:
            return self.new[code][2]  # None when that row had errors: reported there
        found = self._existing(code)
        if found is None:
            errors.append(("parent_code", _("Unknown unit %(code)s.") % {"code": code}))
        elif not found[3]:
            errors.append(("parent_code", _("The parent unit is closed; choose its successor.")))
        else:
            return (found[0], -1, found[1], found[2])
        return None

    def _existing(self, code: str) -> tuple[int, str, dt.date, bool] | None:
        if code not in self.existing:
            row = (Unit.objects.filter(self.scope.q("path"), code=code)
                   .values_list("id", "path", "opened_on", "closed_on").first())
            self.existing[code] = None if row is None else (row[0], row[1], row[2], row[3] is None)
        return self.existing[code]

    def _next_path(self, parent_path: str, parent_id: int | None, is_new: bool) -> str | None:
        if parent_path not in self.last_child:
            last = 0
            if not is_new:
                last = org_services.last_child_number(parent_id)
                self.first_child[parent_path] = last
            self.last_child[parent_path] = last
        n = self.last_child[parent_path] + 1
        if n > paths.MAX_CHILDREN:
            return None
        self.last_child[parent_path] = n
        return parent_path + paths.segment(n)

    def _place(self, number: int, data: dict[str, Any], parent: Parent | None, bad: Any) -> Parent | None:
        """Compute the new unit's path and spool it; returns it as a parent for later rows."""
        if parent is None or bad:
            return None
        path = self._next_path(parent[2], parent[0], parent[1] >= 0)
        if path is None:
            self.log.add(number, "parent_code", _("The parent unit has too many subunits."))
            return None
        index = len(self.new)
        if not self.log:  # a rejected file is checked to the end but not kept
            self.spool.append((index, data["code"], data["name"], fold(data["name"]), data["kind"],
                               data["sector"], parent[0], parent[1], path, data["opened_on"].isoformat()))
        return (None, index, path, data["opened_on"])

    def _check_codes(self) -> None:
        if self.pending_codes:
            taken = set(Unit.objects.filter(code__in=[c for _n, c in self.pending_codes])
                        .values_list("code", flat=True))
            for number, code in self.pending_codes:
                if code in taken:
                    self.log.add(number, "code", _("Another unit already has the code %(code)s.") % {"code": code})
        self.pending_codes = []

    def finish(self) -> None:
        self._check_codes()

    # -- pass 2 -------------------------------------------------------------------------------

    def _check_unchanged(self) -> None:
        by_path = {path for path in self.first_child if path}
        current = dict(Unit.objects.filter(path__in=by_path, closed_on__isnull=True).values_list("path", "id"))
        changed = set(by_path) - set(current)
        for path, pk in current.items():
            if org_services.last_child_number(pk) != self.first_child[path]:
                changed.add(path)
        root_before = self.first_child.get("")
        if root_before is not None and org_services.last_child_number(None) != root_before:
            changed.add("")
        if changed:
            raise Conflict(_("The unit tree was changed while the file was being checked. "
                             "Nothing was written: import the file again."))

    def write(self, progress: Progress | None = None) -> str:
        with transaction.atomic():
            lock_tables("org_unit", "org_unitpathperiod", "org_unitevent", "members_unitmembertally")
            self._check_unchanged()
            first = {t: bulk.next_id(t) for t in ("org_unit", "org_unitpathperiod", "org_unitevent")}
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            actor_id = self.actor.pk if getattr(self.actor, "is_authenticated", False) else None
            done, new_paths = 0, list[str]()
            for batch in self.spool.batches():
                self._write_batch(batch, first, now, actor_id)
                new_paths.extend(row[8] for row in batch)
                done += len(batch)
                if progress:
                    progress(done, self.spool.count)
            for table in first:
                bulk.reset_sequence(table)
            scope = common_path(new_paths)
            audit.record("imports.units", actor=self.actor, unit_path=scope, payload={"rows": done})
        return scope

    @staticmethod
    def _write_batch(batch: Sequence[Sequence[Any]], first: dict[str, int], now: Any, actor_id: int | None) -> None:
        unit0, period0, event0 = first["org_unit"], first["org_unitpathperiod"], first["org_unitevent"]
        units, periods, events, tallies = [], [], [], []
        zeros = (0,) * len(TALLY_COLUMNS)
        for index, code, name, folded, kind, sector, parent_id, parent_index, path, opened in batch:
            pk = unit0 + index
            parent = parent_id if parent_index < 0 else unit0 + parent_index
            units.append((pk, code, name, folded, kind, sector, parent, path, paths.depth(path), opened, None, None))
            periods.append((period0 + index, pk, parent, path, name, opened, None))
            details = json.dumps({"code": code, "name": name}, ensure_ascii=False)
            events.append((event0 + index, pk, UnitEventKind.CREATED.value, opened, "", details, actor_id, now))
            tallies.append((pk, *zeros))
        bulk.insert_rows("org_unit", UNIT_TABLE_COLUMNS, units)
        bulk.insert_rows("org_unitpathperiod", PERIOD_TABLE_COLUMNS, periods)
        bulk.insert_rows("org_unitevent", EVENT_TABLE_COLUMNS, events)
        bulk.insert_rows("members_unitmembertally", TALLY_TABLE_COLUMNS, tallies)
