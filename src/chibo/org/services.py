"""The unit tree's own writes (ARCHITECTURE.md §2, §6): renaming, and the steps the
restructuring services are made of.

``org`` knows nothing of the apps built on it. Creating, moving, merging, splitting and closing a
unit must keep their stored paths and tallies in step, so those services live above them, in
:mod:`chibo.restructuring.services`, and call the steps here. Units are never deleted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F, Max, Q, Value
from django.db.models.functions import Concat, Right, Substr
from django.utils.translation import gettext as _

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core import audit
from chibo.core.errors import DomainError, PermissionDenied
from chibo.core.text import fold, normalize_name
from chibo.org import paths
from chibo.org.enums import Sector, UnitEventKind, UnitKind
from chibo.org.models import Unit, UnitEvent, UnitPathPeriod


def require_change(actor: Any, unit_path: str) -> None:
    if not policy.can(actor, Perm.UNITS_CHANGE, unit_path):
        raise PermissionDenied(_("You may not change the organization of this unit."))


def record_event(unit: Unit, kind: str, *, on: dt.date, actor: Any, decision: str, **details: Any) -> None:
    UnitEvent.objects.create(
        unit=unit, kind=kind, on=on, decision=decision, details=details,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(f"units.{kind}", actor=actor, obj=unit, unit_path=unit.path,
                 payload={"on": on.isoformat(), "decision": decision, **details})


def locked(unit: Unit) -> Unit:
    return Unit.objects.select_for_update().get(pk=unit.pk)


def last_child_number(parent_id: int | None) -> int:
    """The highest segment ever given to a child of the unit ``parent_id`` (0 for none).

    A unit moved away leaves its old path in the history (and in the audit log, which keeps the
    paths it was written under): counting the position periods too means a path is never given
    to a second unit.
    """
    last = Right("path", paths.STEP)
    now = Unit.objects.filter(parent_id=parent_id).aggregate(m=Max(last))["m"]
    ever = UnitPathPeriod.objects.filter(parent_id=parent_id).aggregate(m=Max(last))["m"]
    return max(int(now or 0), int(ever or 0))


def next_child_path(parent: Unit | None) -> str:
    n = last_child_number(parent.pk if parent else None) + 1
    return paths.child_path(parent.path, n) if parent else paths.segment(n)


def _check_new_unit(*, code: str, name: str, kind: str, sector: str, parent: Unit | None,
                    opened_on: dt.date) -> None:
    errors: dict[str, list] = {}
    if not code or len(code) > 32:
        errors["code"] = [_("Enter a unit code of at most 32 characters.")]
    elif Unit.objects.filter(code=code).exists():
        errors["code"] = [_("Another unit already has the code %(code)s.") % {"code": code}]
    if not name.strip():
        errors["name"] = [_("Enter the unit's name.")]
    if kind not in UnitKind.values:
        errors["kind"] = [_("Choose a kind of unit from the list.")]
    if sector not in Sector.values:
        errors["sector"] = [_("Choose a sector from the list.")]
    if parent is not None and not parent.is_open:
        errors["parent"] = [_("The parent unit is closed; choose its successor.")]
    if parent is not None and opened_on < parent.opened_on:
        errors["opened_on"] = [_("A unit cannot open before its parent unit.")]
    if errors:
        raise DomainError(_("The unit was not created."), errors)


def add_unit(*, actor: Any, parent: Unit | None, code: str, name: str, kind: str, sector: str,
             opened_on: dt.date, decision: str) -> Unit:
    """Check and insert a unit with its first position period and its "created" event."""
    if parent is None:
        if actor is not policy.SYSTEM and not policy.scope_for(actor, Perm.UNITS_CHANGE).everything:
            raise PermissionDenied(_("Only the system may create a root unit."))
    else:
        require_change(actor, parent.path)
        parent = locked(parent)
    name = normalize_name(name)
    code = code.strip()
    _check_new_unit(code=code, name=name, kind=kind, sector=sector, parent=parent, opened_on=opened_on)
    path = next_child_path(parent)
    unit = Unit.objects.create(
        code=code, name=name, name_folded=fold(name), kind=kind, sector=sector, parent=parent,
        path=path, depth=paths.depth(path), opened_on=opened_on,
    )
    UnitPathPeriod.objects.create(unit=unit, parent=parent, path=path, name=name, valid_from=opened_on)
    record_event(unit, UnitEventKind.CREATED, on=opened_on, actor=actor, decision=decision, code=code, name=name)
    return unit


def _new_periods(units: list[Unit], *, on: dt.date) -> None:
    """Close the open position periods of ``units`` at ``on`` and open new ones as they now are."""
    ids = [u.pk for u in units]
    UnitPathPeriod.objects.filter(unit_id__in=ids, valid_to__isnull=True, valid_from__gte=on).delete()
    UnitPathPeriod.objects.filter(unit_id__in=ids, valid_to__isnull=True).update(valid_to=on)
    UnitPathPeriod.objects.bulk_create(
        UnitPathPeriod(unit=u, parent_id=u.parent_id, path=u.path, name=u.name, valid_from=on)
        for u in units
    )


@transaction.atomic
def rename_unit(unit: Unit, *, actor: Any, name: str, on: dt.date, decision: str = "") -> Unit:
    require_change(actor, unit.path)
    unit = locked(unit)
    name = normalize_name(name)
    if not name:
        raise DomainError(_("The unit was not renamed."), {"name": [_("Enter the unit's name.")]})
    old = unit.name
    unit.name, unit.name_folded = name, fold(name)
    unit.save(update_fields=["name", "name_folded"])
    _new_periods([unit], on=on)
    record_event(unit, UnitEventKind.RENAMED, on=on, actor=actor, decision=decision, old_name=old, new_name=name)
    return unit


def check_move(unit: Unit, new_parent: Unit) -> None:
    if new_parent.path.startswith(unit.path):
        raise DomainError(_("A unit cannot be moved under itself or one of its own subunits."),
                          {"parent": [_("Choose a unit outside this unit's subtree.")]})
    if not new_parent.is_open:
        raise DomainError(_("The new parent unit is closed."), {"parent": [_("Choose an open unit.")]})


def reposition(unit: Unit, new_parent: Unit, *, on: dt.date) -> str:
    """Give ``unit``'s subtree a path under ``new_parent`` (one UPDATE) and new position periods;
    returns the new path. The stored copies of the old paths are the caller's to rewrite."""
    old_path, new_path = unit.path, next_child_path(new_parent)
    shift = paths.depth(new_path) - paths.depth(old_path)
    in_subtree = Q(path__gte=old_path, path__lt=paths.upper_bound(old_path))
    Unit.objects.filter(in_subtree).update(path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
                                           depth=F("depth") + shift)
    Unit.objects.filter(pk=unit.pk).update(parent=new_parent)
    _new_periods(list(Unit.objects.subtree(new_path)), on=on)
    unit.refresh_from_db()
    return new_path


def retire(unit: Unit, *, successor: Unit | None, on: dt.date) -> None:
    """Mark ``unit`` closed on ``on`` (it has already been moved under its successor, if any)."""
    Unit.objects.filter(pk=unit.pk).update(closed_on=on, successor=successor)
    UnitPathPeriod.objects.filter(unit=unit, valid_to__isnull=True).update(valid_to=on)
    unit.refresh_from_db()
