"""Creating, moving, merging, splitting and closing units (ARCHITECTURE.md §2, §6).

These change the tree that the other apps are built on, so they live above those apps: in the
same transaction as the tree (``chibo.org.services``) they keep the members' and admissions'
tallies exact and rewrite every stored copy of a moved unit's path (``stored_paths``, whose
docstring says which copies follow a move and which stay). Renaming touches only the tree:
``chibo.org.services.rename_unit``.

Each function takes the acting user keyword-only, checks the policy, runs in one transaction,
records a :class:`~chibo.org.models.UnitEvent` and one audit line. Units are never deleted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from chibo.admissions import tallying as admission_tallies
from chibo.admissions.models import AdmissionCase
from chibo.admissions.stages import FINAL
from chibo.core.errors import DomainError
from chibo.dues import arrears as dues_arrears
from chibo.members import tallies as member_tallies
from chibo.members.enums import Status
from chibo.members.models import Member, UnitMemberTally
from chibo.members.services import transfer_all, transfer_member
from chibo.org import services as tree
from chibo.org.enums import Sector, UnitEventKind
from chibo.org.models import Unit
from chibo.quality import tallies as quality_tallies
from chibo.restructuring import stored_paths


@transaction.atomic
def create_unit(*, actor: Any, parent: Unit | None, code: str, name: str, kind: str,
                sector: str = Sector.MIXED, opened_on: dt.date, decision: str = "") -> Unit:
    unit = tree.add_unit(actor=actor, parent=parent, code=code, name=name, kind=kind, sector=sector,
                         opened_on=opened_on, decision=decision)
    UnitMemberTally.objects.create(unit=unit)
    return unit


def _relocate(unit: Unit, new_parent: Unit, *, on: dt.date) -> None:
    """Move ``unit``'s subtree under ``new_parent``: the tallies, the tree and every stored path."""
    old_path = unit.path
    if unit.parent is not None:
        tally = UnitMemberTally.objects.filter(unit=unit).first()
        if tally is not None:
            member_tallies.move_between(unit.parent.path, new_parent.path, tally.as_dict())
        admission_tallies.move_between(unit, unit.parent.path, new_parent.path, on)
        quality_tallies.move_between(unit, unit.parent.path, new_parent.path)
        dues_arrears.move_between(unit, unit.parent.path, new_parent.path)
    new_path = tree.reposition(unit, new_parent, on=on)
    stored_paths.rewrite(old_path, new_path)


@transaction.atomic
def move_unit(unit: Unit, *, actor: Any, new_parent: Unit, on: dt.date, decision: str = "") -> Unit:
    tree.require_change(actor, unit.path)
    tree.require_change(actor, new_parent.path)
    unit, new_parent = tree.locked(unit), tree.locked(new_parent)
    tree.check_move(unit, new_parent)
    old_parent = unit.parent
    _relocate(unit, new_parent, on=on)
    tree.record_event(unit, UnitEventKind.MOVED, on=on, actor=actor, decision=decision,
                      from_unit=old_parent.code if old_parent else None, to_unit=new_parent.code)
    return unit


def _retire(unit: Unit, *, successor: Unit | None, on: dt.date) -> None:
    """Close ``unit``; with a successor it stays in the tree under it."""
    if successor is not None and unit.parent_id != successor.pk:
        _relocate(unit, successor, on=on)
    tree.retire(unit, successor=successor, on=on)


@transaction.atomic
def close_unit(unit: Unit, *, actor: Any, on: dt.date, successor: Unit | None = None,
               decision: str = "") -> Unit:
    tree.require_change(actor, unit.path)
    unit = tree.locked(unit)
    if not unit.is_open:
        raise DomainError(_("This unit is already closed."))
    if unit.children.filter(closed_on__isnull=True).exists():
        raise DomainError(_("Move or close this unit's open subunits first."))
    if unit.members.filter(status__in=Status.active()).exists():
        raise DomainError(_("Transfer this unit's members first, or merge it into another unit."))
    _retire(unit, successor=successor, on=on)
    tree.record_event(unit, UnitEventKind.CLOSED, on=on, actor=actor, decision=decision,
                      successor=successor.code if successor else None)
    return unit


def _absorb(source: Unit, target: Unit, *, actor: Any, on: dt.date, decision: str) -> None:
    for child in source.children.filter(closed_on__isnull=True).order_by("path"):
        _relocate(child, target, on=on)
    source.refresh_from_db()
    transfer_all(source, target, actor=actor, on=on, decision=decision)
    AdmissionCase.objects.filter(cell=source).exclude(stage__in=FINAL).update(cell=target, unit_path=target.path)
    _retire(source, successor=target, on=on)


@transaction.atomic
def merge_units(sources: list[Unit], *, into: Unit, actor: Any, on: dt.date, decision: str = "") -> Unit:
    """Merge ``sources`` into ``into``: their subunits and members move there, they close."""
    tree.require_change(actor, into.path)
    for source in sources:
        tree.require_change(actor, source.path)
    into = tree.locked(into)
    for source in sources:
        source = tree.locked(source)
        if source.pk == into.pk or into.path.startswith(source.path):
            raise DomainError(_("A unit cannot be merged into itself or one of its subunits."))
        if not source.is_open:
            raise DomainError(_("%(name)s is already closed.") % {"name": source.name})
        _absorb(source, into, actor=actor, on=on, decision=decision)
        tree.record_event(source, UnitEventKind.MERGED, on=on, actor=actor, decision=decision, into=into.code)
    into.refresh_from_db()
    tree.record_event(into, UnitEventKind.ABSORBED, on=on, actor=actor, decision=decision,
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
    tree.require_change(actor, unit.path)
    unit = tree.locked(unit)
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
    for member in Member.objects.filter(pk__in=members).select_related("unit"):
        transfer_member(member, actor=actor, to_unit=new_units[members[member.pk]], on=on,
                        decision=decision)
    _retire(unit, successor=new_units[0], on=on)
    tree.record_event(unit, UnitEventKind.SPLIT, on=on, actor=actor, decision=decision,
                      into=[u.code for u in new_units])
    return new_units
