"""Reads of the unit tree, scoped by the access policy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core.errors import NotFound
from chibo.org import paths
from chibo.org.models import Unit, UnitPathPeriod


def units_for_user(user: Any, perm: str = Perm.UNITS_VIEW):
    """Every unit the user may see: the subtrees of their grants."""
    return Unit.objects.filter(policy.scope_for(user, perm).q("path"))


def get_unit_for_user(user: Any, *, pk: int | None = None, code: str | None = None,
                      perm: str = Perm.UNITS_VIEW) -> Unit:
    """The unit, or :class:`NotFound` when it is missing or outside the user's scope."""
    lookup = {"pk": pk} if pk is not None else {"code": code}
    unit = units_for_user(user, perm).select_related("parent", "successor").filter(**lookup).first()
    if unit is None:
        raise NotFound("unit")
    return unit


def scope_roots(user: Any, perm: str = Perm.UNITS_VIEW) -> list[Unit]:
    """The top units of the user's scope (where the tree browser starts)."""
    scope = policy.scope_for(user, perm)
    if scope.everything:
        return list(Unit.objects.filter(parent__isnull=True).order_by("path"))
    return list(Unit.objects.filter(path__in=scope.roots).order_by("path"))


def children(unit: Unit, *, include_closed: bool = False):
    qs = Unit.objects.filter(parent=unit)
    if not include_closed:
        qs = qs.filter(closed_on__isnull=True)
    return qs.select_related("tally").order_by("name_folded", "pk")


def ancestors(unit: Unit, user: Any) -> list[Unit]:
    """The chain from the top of the user's scope down to ``unit`` (for breadcrumbs)."""
    scope = policy.scope_for(user, Perm.UNITS_VIEW)
    wanted = [p for p in paths.ancestors(unit.path) if scope.covers(p)]
    return list(Unit.objects.filter(path__in=wanted).order_by("path"))


def units_as_of(day: dt.date, *, within: Unit | None = None):
    """Positions of the units open on ``day``, with the paths and names of that day.

    ``within`` restricts to the subtree the unit had on that day.
    """
    qs = UnitPathPeriod.objects.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gt=day))
    if within is not None:
        period = qs.filter(unit=within).first()
        if period is None:
            return qs.none()
        qs = qs.filter(path__gte=period.path, path__lt=paths.upper_bound(period.path))
    return qs.select_related("unit").order_by("path")


def units_as_of_for_user(user: Any, day: dt.date, *, within: Unit):
    """:func:`units_as_of` limited to the units the user may see now (the API's as-of view)."""
    visible = policy.scope_for(user, Perm.UNITS_VIEW).q("unit__path")
    return units_as_of(day, within=within).filter(visible)


def search_units(user: Any, text: str, *, limit: int = 20):
    """The open units of the user's scope whose code is ``text`` or whose name has a word starting so."""
    return matching_units(units_for_user(user), text, limit=limit)


def matching_units(units: QuerySet[Unit], text: str, *, limit: int = 20):
    """The open ``units`` whose code is ``text`` or whose name has a word starting with it."""
    from chibo.core.text import fold, prefix_upper_bound

    key = fold(text)
    qs = units.filter(closed_on__isnull=True)
    if not key:
        return qs.none()
    by_code = Q(code__iexact=text.strip())
    by_name = Q(name_folded__gte=key, name_folded__lt=prefix_upper_bound(key)) | Q(name_folded__contains=" " + key)
    return qs.filter(by_code | by_name).order_by("depth", "name_folded")[:limit]


def charter_limits() -> tuple[int, int]:
    """(minimum official members of a cell, members from which a grassroots cell should split)."""
    from chibo.core.rulebook import rule

    return rule("charter.cell_min_official_members"), rule("charter.grassroots_committee_min_members")


def charter_warnings(unit: Unit, counts: dict[str, int], *,
                     limits: tuple[int, int] | None = None) -> list[str]:
    """Charter thresholds as warnings, never hard failures (DOMAIN.md §2).

    Pass ``limits`` (from :func:`charter_limits`) when checking many units in one request.
    """
    from django.utils.translation import gettext as _

    from chibo.org.enums import UnitKind

    warnings: list[str] = []
    if not unit.is_open:
        return warnings
    min_official, threshold = limits or charter_limits()
    if unit.kind in UnitKind.member_holding() and counts.get("official", 0) + counts.get("exempted", 0) < min_official:
        warnings.append(_("A cell needs at least %(n)d official members (Party Charter).") % {"n": min_official})
    if unit.kind == UnitKind.GRASSROOTS_CELL and counts.get("total", 0) >= threshold:
        warnings.append(
            _("A grassroots organization with %(n)d or more members should be a grassroots committee with cells.")
            % {"n": threshold}
        )
    return warnings
