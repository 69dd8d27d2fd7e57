"""Every change to the unit tree, as a verb (ARCHITECTURE.md §2, §6).

Each function takes the acting user keyword-only, checks the policy, runs in one transaction,
records a :class:`UnitEvent` and one audit line. Units are never deleted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F, Max, Q, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core import audit
from chibo.core.errors import DomainError, PermissionDenied
from chibo.core.text import fold, normalize_name
from chibo.org import paths
from chibo.org.enums import Sector, UnitEventKind, UnitKind
from chibo.org.models import Unit, UnitEvent, UnitPathPeriod


def _require(actor: Any, unit_path: str) -> None:
    if not policy.can(actor, Perm.UNITS_CHANGE, unit_path):
        raise PermissionDenied(_("You may not change the organization of this unit."))


def _event(unit: Unit, kind: str, *, on: dt.date, actor: Any, decision: str, **details: Any) -> None:
    UnitEvent.objects.create(
        unit=unit, kind=kind, on=on, decision=decision, details=details,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(f"units.{kind}", actor=actor, obj=unit, unit_path=unit.path,
                 payload={"on": on.isoformat(), "decision": decision, **details})


def _locked(unit: Unit) -> Unit:
    return Unit.objects.select_for_update().get(pk=unit.pk)


def _next_child_path(parent: Unit | None) -> str:
    siblings = Unit.objects.filter(parent=parent)
    last = siblings.aggregate(m=Max("path"))["m"]
    if parent is None:
        return paths.segment(int(last[-paths.STEP:]) + 1 if last else 1)
    n = int(last[-paths.STEP:]) + 1 if last else 1
    return paths.child_path(parent.path, n)


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


@transaction.atomic
def create_unit(*, actor: Any, parent: Unit | None, code: str, name: str, kind: str,
                sector: str = Sector.MIXED, opened_on: dt.date, decision: str = "") -> Unit:
    if parent is None:
        if actor is not policy.SYSTEM and not policy.scope_for(actor, Perm.UNITS_CHANGE).everything:
            raise PermissionDenied(_("Only the system may create a root unit."))
    else:
        _require(actor, parent.path)
        parent = _locked(parent)
    name = normalize_name(name)
    code = code.strip()
    _check_new_unit(code=code, name=name, kind=kind, sector=sector, parent=parent, opened_on=opened_on)
    path = _next_child_path(parent)
    unit = Unit.objects.create(
        code=code, name=name, name_folded=fold(name), kind=kind, sector=sector, parent=parent,
        path=path, depth=paths.depth(path), opened_on=opened_on,
    )
    UnitPathPeriod.objects.create(unit=unit, parent=parent, path=path, name=name, valid_from=opened_on)
    from chibo.members.models import UnitMemberTally

    UnitMemberTally.objects.create(unit=unit)
    _event(unit, UnitEventKind.CREATED, on=opened_on, actor=actor, decision=decision, code=code, name=name)
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
    _require(actor, unit.path)
    unit = _locked(unit)
    name = normalize_name(name)
    if not name:
        raise DomainError(_("The unit was not renamed."), {"name": [_("Enter the unit's name.")]})
    old = unit.name
    unit.name, unit.name_folded = name, fold(name)
    unit.save(update_fields=["name", "name_folded"])
    _new_periods([unit], on=on)
    _event(unit, UnitEventKind.RENAMED, on=on, actor=actor, decision=decision, old_name=old, new_name=name)
    return unit


def _relocate(unit: Unit, new_parent: Unit, *, on: dt.date) -> None:
    """Give ``unit``'s subtree a path under ``new_parent`` and keep tallies and history right."""
    from chibo.admissions import tallying
    from chibo.admissions.models import AdmissionCase, Course
    from chibo.members import tallies
    from chibo.members.models import Member, UnitMemberTally

    old_path = unit.path
    tally = UnitMemberTally.objects.filter(unit=unit).first()
    if tally is not None and unit.parent is not None:
        tallies.move_between(unit.parent.path, new_parent.path, tally.as_dict())
    if unit.parent is not None:
        tallying.move_between(unit, unit.parent.path, new_parent.path, on)
    new_path = _next_child_path(new_parent)
    shift = paths.depth(new_path) - paths.depth(old_path)
    upper = paths.upper_bound(old_path)
    rewrite = Concat(Value(new_path), Substr("path", len(old_path) + 1))
    in_subtree = Q(path__gte=old_path, path__lt=upper)
    Unit.objects.filter(in_subtree).update(path=rewrite, depth=F("depth") + shift)
    Unit.objects.filter(pk=unit.pk).update(parent=new_parent)
    for model in (Member, AdmissionCase, Course):
        model.objects.filter(unit_path__gte=old_path, unit_path__lt=upper).update(
            unit_path=Concat(Value(new_path), Substr("unit_path", len(old_path) + 1))
        )
    moved = list(Unit.objects.subtree(new_path))
    _new_periods(moved, on=on)
    unit.refresh_from_db()


def _check_move(unit: Unit, new_parent: Unit) -> None:
    if new_parent.path.startswith(unit.path):
        raise DomainError(_("A unit cannot be moved under itself or one of its own subunits."),
                          {"parent": [_("Choose a unit outside this unit's subtree.")]})
    if not new_parent.is_open:
        raise DomainError(_("The new parent unit is closed."), {"parent": [_("Choose an open unit.")]})


@transaction.atomic
def move_unit(unit: Unit, *, actor: Any, new_parent: Unit, on: dt.date, decision: str = "") -> Unit:
    _require(actor, unit.path)
    _require(actor, new_parent.path)
    unit, new_parent = _locked(unit), _locked(new_parent)
    _check_move(unit, new_parent)
    old_parent = unit.parent
    _relocate(unit, new_parent, on=on)
    _event(unit, UnitEventKind.MOVED, on=on, actor=actor, decision=decision,
           from_unit=old_parent.code if old_parent else None, to_unit=new_parent.code)
    return unit


def _retire(unit: Unit, *, successor: Unit | None, on: dt.date) -> None:
    """Close ``unit``; with a successor it stays in the tree under it."""
    if successor is not None and unit.parent_id != successor.pk:
        _relocate(unit, successor, on=on)
    Unit.objects.filter(pk=unit.pk).update(closed_on=on, successor=successor)
    UnitPathPeriod.objects.filter(unit=unit, valid_to__isnull=True).update(valid_to=on)
    unit.refresh_from_db()


@transaction.atomic
def close_unit(unit: Unit, *, actor: Any, on: dt.date, successor: Unit | None = None,
               decision: str = "") -> Unit:
    _require(actor, unit.path)
    unit = _locked(unit)
    if not unit.is_open:
        raise DomainError(_("This unit is already closed."))
    if unit.children.filter(closed_on__isnull=True).exists():
        raise DomainError(_("Move or close this unit's open subunits first."))
    from chibo.members.enums import Status

    if unit.members.filter(status__in=Status.active()).exists():
        raise DomainError(_("Transfer this unit's members first, or merge it into another unit."))
    _retire(unit, successor=successor, on=on)
    _event(unit, UnitEventKind.CLOSED, on=on, actor=actor, decision=decision,
           successor=successor.code if successor else None)
    return unit


def _absorb(source: Unit, target: Unit, *, actor: Any, on: dt.date, decision: str) -> None:
    from chibo.admissions.models import AdmissionCase
    from chibo.admissions.stages import FINAL
    from chibo.members.services import transfer_all

    for child in source.children.filter(closed_on__isnull=True).order_by("path"):
        _relocate(child, target, on=on)
    source.refresh_from_db()
    transfer_all(source, target, actor=actor, on=on, decision=decision)
    AdmissionCase.objects.filter(cell=source).exclude(stage__in=FINAL).update(cell=target, unit_path=target.path)
    _retire(source, successor=target, on=on)


@transaction.atomic
def merge_units(sources: list[Unit], *, into: Unit, actor: Any, on: dt.date, decision: str = "") -> Unit:
    """Merge ``sources`` into ``into``: their subunits and members move there, they close."""
    _require(actor, into.path)
    for source in sources:
        _require(actor, source.path)
    into = _locked(into)
    for source in sources:
        source = _locked(source)
        if source.pk == into.pk or into.path.startswith(source.path):
            raise DomainError(_("A unit cannot be merged into itself or one of its subunits."))
        if not source.is_open:
            raise DomainError(_("%(name)s is already closed.") % {"name": source.name})
        _absorb(source, into, actor=actor, on=on, decision=decision)
        _event(source, UnitEventKind.MERGED, on=on, actor=actor, decision=decision, into=into.code)
    into.refresh_from_db()
    _event(into, UnitEventKind.ABSORBED, on=on, actor=actor, decision=decision,
           sources=[s.code for s in sources])
    return into


@transaction.atomic
def split_unit(unit: Unit, *, actor: Any, on: dt.date, parts: list[dict[str, str]],
               members: dict[int, int], children: dict[int, int] | None = None,
               decision: str = "") -> list[Unit]:
    """Split ``unit`` into new sibling units ``parts`` ({code, name[, kind, sector]}).

    ``members`` maps every active member id to a part index, ``children`` every open subunit id;
    the unit closes with the first part as its successor.
    """
    from chibo.members.enums import Status
    from chibo.members.services import transfer_member

    _require(actor, unit.path)
    unit = _locked(unit)
    children = children or {}
    if len(parts) < 2:
        raise DomainError(_("A split needs at least two new units."))
    active = set(unit.members.filter(status__in=Status.active()).values_list("pk", flat=True))
    open_children = set(unit.children.filter(closed_on__isnull=True).values_list("pk", flat=True))
    if set(members) != active or set(children) != open_children:
        raise DomainError(_("Assign every member and every open subunit to one of the new units."))
    if any(not 0 <= i < len(parts) for i in [*members.values(), *children.values()]):
        raise DomainError(_("A member or subunit is assigned to a new unit that does not exist."))
    new_units = [
        create_unit(actor=actor, parent=unit.parent, code=p["code"], name=p["name"],
                    kind=p.get("kind", unit.kind), sector=p.get("sector", unit.sector),
                    opened_on=on, decision=decision)
        for p in parts
    ]
    for child_id, i in children.items():
        _relocate(Unit.objects.get(pk=child_id), new_units[i], on=on)
    from chibo.members.models import Member

    for member in Member.objects.filter(pk__in=members).select_related("unit"):
        transfer_member(member, actor=actor, to_unit=new_units[members[member.pk]], on=on,
                        decision=decision)
    _retire(unit, successor=new_units[0], on=on)
    _event(unit, UnitEventKind.SPLIT, on=on, actor=actor, decision=decision,
           into=[u.code for u in new_units])
    return new_units
