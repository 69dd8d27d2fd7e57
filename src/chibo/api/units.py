"""The unit tree: scope roots, a unit, its children, its subtree now and as of a date."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet, prefetch_related_objects
from ninja import Query, Router

from chibo.api.schemas import (
    ERRORS,
    AsOfQuery,
    Id,
    SubtreeQuery,
    UnitAsOfPage,
    UnitDetailOut,
    UnitOut,
    UnitPage,
)
from chibo.core.replica import replica_reads
from chibo.members.models import TALLY_COLUMNS
from chibo.org import queries
from chibo.org.models import Unit

router = Router(tags=["units"])


def by_path(qs: QuerySet, *, after: str | None, limit: int) -> tuple[list[Any], str | None]:
    """One page of ``qs`` in path order, after the path ``after`` (keyset: no OFFSET)."""
    if after:
        qs = qs.filter(path__gt=after)
    rows = list(qs.order_by("path")[: limit + 1])
    return rows[:limit], (rows[limit - 1].path if len(rows) > limit else None)


def _tally(unit: Unit) -> dict[str, int]:
    try:
        return unit.tally.as_dict()
    except ObjectDoesNotExist:
        return dict.fromkeys(TALLY_COLUMNS, 0)


@router.get("/", response={200: list[UnitOut], **ERRORS}, summary="The top units of your scope")
@replica_reads
def scope_roots(request):
    roots = queries.scope_roots(request.auth)
    prefetch_related_objects(roots, "tally")
    return roots


@router.get("/{unit_id}", response={200: UnitDetailOut, **ERRORS}, summary="A unit, its counts and warnings")
def unit_detail(request, unit_id: Id):
    unit = queries.get_unit_for_user(request.auth, pk=unit_id)
    counts = _tally(unit)
    return UnitOut.from_orm(unit).model_dump() | {
        "ancestors": [u for u in queries.ancestors(unit, request.auth) if u.pk != unit.pk],
        "counts": counts,
        "warnings": queries.charter_warnings(unit, counts),
    }


@router.get("/{unit_id}/children", response={200: list[UnitOut], **ERRORS}, summary="A unit's subunits")
@replica_reads
def unit_children(request, unit_id: Id, include_closed: bool = False):
    unit = queries.get_unit_for_user(request.auth, pk=unit_id)
    return list(queries.children(unit, include_closed=include_closed))


@router.get("/{unit_id}/subtree", response={200: UnitPage, **ERRORS}, summary="A unit's subtree, paged by path")
@replica_reads
def unit_subtree(request, unit_id: Id, params: Query[SubtreeQuery]):
    unit = queries.get_unit_for_user(request.auth, pk=unit_id)
    qs = Unit.objects.subtree(unit).select_related("tally")
    if not params.include_closed:
        qs = qs.current()
    if params.depth is not None:
        qs = qs.filter(depth__lte=unit.depth + params.depth)
    items, nxt = by_path(qs, after=params.after, limit=params.limit)
    return {"items": items, "next": nxt}


@router.get("/{unit_id}/as-of", response={200: UnitAsOfPage, **ERRORS},
            summary="A unit's subtree as it stood on a date, with that day's names and positions")
@replica_reads
def unit_as_of(request, unit_id: Id, params: Query[AsOfQuery]):
    unit = queries.get_unit_for_user(request.auth, pk=unit_id)
    qs = queries.units_as_of_for_user(request.auth, params.date, within=unit)
    items, nxt = by_path(qs, after=params.after, limit=params.limit)
    return {"date": params.date, "items": items, "next": nxt}
