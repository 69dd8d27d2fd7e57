"""Every write to the targets: set (with a breakdown to the children), approve, lock, revise."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core import audit
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.org.models import Unit
from chibo.targets.models import Indicator, Method, Revision, State, Target

MAX_TARGET = 10_000_000  # more than the party's members: anything above is a typing error


def _require(actor: Any, perm: str, unit: Unit) -> None:
    if not policy.can(actor, Perm.UNITS_VIEW, unit.path):
        raise NotFound("unit")
    if not policy.can(actor, perm, unit.path):
        raise PermissionDenied(_("You may view these targets but not change them."))


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def set_targets(*, actor: Any, parent: Unit, year: int, indicator: str, values: dict[int, int],
                method: str = Method.HAND, reason: str = "") -> list[Target]:
    """Set the targets of ``parent`` and/or its children (unit id → value) for ``year``.

    A draft or approved target changes in place (an approved one goes back to draft); a locked
    one changes only with a ``reason``, recorded as a revision. Nothing is saved if any value is
    refused.
    """
    _require(actor, Perm.TARGETS_SET, parent)
    if method not in Method.values:
        raise DomainError(_("Unknown method."), {"method": [_("Choose a method from the list.")]})
    if indicator not in Indicator.values:
        raise DomainError(_("Unknown indicator."), {"indicator": [_("Choose an indicator from the list.")]})
    units = {u.pk: u for u in Unit.objects.filter(pk__in=list(values))}
    errors: dict[str, list] = {}
    for unit_id, value in values.items():
        unit = units.get(unit_id)
        if unit is None or (unit.pk != parent.pk and unit.parent_id != parent.pk):
            errors.setdefault(str(unit_id), []).append(_("Only the unit itself and its direct subordinates."))
        elif indicator in Indicator.percentages() and (not isinstance(value, int) or not 0 <= value <= 100):
            errors.setdefault(str(unit_id), []).append(_("This target is a percentage: a whole number from 0 to 100."))
        elif not isinstance(value, int) or not 0 <= value <= MAX_TARGET:
            errors.setdefault(str(unit_id), []).append(
                _("A target is a whole number from 0 to %(max)s.") % {"max": f"{MAX_TARGET:,}"})
    existing = {t.unit_id: t for t in Target.objects.select_for_update().filter(
        unit_id__in=list(values), year=year, indicator=indicator)}
    locked_change = any(t.state == State.LOCKED and t.value != values[t.unit_id] for t in existing.values())
    if locked_change and not reason.strip():
        errors.setdefault("reason", []).append(_("Some of these targets are locked: give the reason for the change."))
    if errors:
        raise DomainError(_("The targets were not saved: correct the values marked below."), errors)
    saved = [_save(units[i], existing.get(i), year, indicator, v, method, reason, actor) for i, v in values.items()]
    audit.record("targets.set", actor=actor, obj=parent, unit_path=parent.path,
                 payload={"year": year, "indicator": indicator, "method": method,
                          "values": {units[i].code: v for i, v in values.items()}, "reason": reason})
    return saved


def _save(unit: Unit, target: Target | None, year: int, indicator: str, value: int, method: str, reason: str,
          actor: Any) -> Target:
    if target is None:
        return Target.objects.create(unit=unit, unit_path=unit.path, year=year, indicator=indicator, value=value,
                                     method=method)
    if target.value == value:
        return target
    if target.state == State.LOCKED:
        Revision.objects.create(target=target, old_value=target.value, new_value=value, reason=reason.strip(),
                                actor=_user(actor))
    else:
        target.state, target.approved_by, target.approved_on = State.DRAFT, None, None
    target.value, target.method = value, method
    target.save()
    return target


@transaction.atomic
def approve(*, actor: Any, unit: Unit, year: int, lock: bool = False, on: dt.date | None = None) -> int:
    """Approve (and with ``lock``, lock) the year's targets of ``unit`` and its direct
    subordinates; returns how many changed state."""
    _require(actor, Perm.TARGETS_APPROVE, unit)
    targets = Target.objects.select_for_update().filter(Q(unit=unit) | Q(unit__parent=unit), year=year)
    new_state = State.LOCKED if lock else State.APPROVED
    changed = [t for t in targets if t.state != new_state and not (t.state == State.LOCKED and not lock)]
    if not changed:
        raise DomainError(_("There is nothing to approve: set the targets first."))
    for target in changed:
        target.state, target.approved_by, target.approved_on = new_state, _user(actor), on or timezone.localdate()
        target.save(update_fields=["state", "approved_by", "approved_on", "updated_at"])
    audit.record("targets.locked" if lock else "targets.approved", actor=actor, obj=unit, unit_path=unit.path,
                 payload={"year": year, "count": len(changed)})
    return len(changed)


def snapshot_members(day: dt.date) -> int:
    """Copy every unit's live member tally as its count on ``day`` (one INSERT … SELECT;
    a second run the same day replaces the first)."""
    from django.db import connection

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM targets_membercount WHERE day = %s", [day])
        cursor.execute(
            "INSERT INTO targets_membercount (unit_id, day, total, official, probationary) "
            "SELECT unit_id, %s, total, official, probationary FROM members_unitmembertally", [day])
        return cursor.rowcount
