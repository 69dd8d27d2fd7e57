"""The unit tree and the unit page."""

from __future__ import annotations

from typing import Any

from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.console.forms import MemberFilterForm
from chibo.console.labels import TALLY_LABELS
from chibo.console.views.common import console_view, counts_of, is_htmx, require_anywhere
from chibo.core.replica import replica_reads
from chibo.members import queries as member_queries
from chibo.org import queries as org_queries
from chibo.org.models import Unit

EVENTS_SHOWN = 20
MEMBERS_PER_PAGE = member_queries.PAGE_SIZE
KEY_FIGURES = 4  # members, official, probationary, women: shown as tiles; the rest in a list


@console_view
@replica_reads
def home(request: HttpRequest) -> HttpResponse:
    """Staff land on the top unit of their scope; a plain member in the member handbook."""
    roots = org_queries.scope_roots(request.user)
    if len(roots) == 1:
        return redirect("console:unit", roots[0].pk)
    if roots:
        return redirect("console:tree")
    own = getattr(request.user, "member_id", None)
    if own:
        return redirect("handbook:home")
    return render(request, "console/no_access.html", status=403)


def _with_warnings(units: list[Unit], limits: tuple[int, int] | None = None) -> list[tuple[Unit, list[str]]]:
    limits = limits or org_queries.charter_limits()
    return [(u, org_queries.charter_warnings(u, counts_of(u), limits=limits)) for u in units]


@console_view
@replica_reads
def tree(request: HttpRequest) -> HttpResponse:
    require_anywhere(request.user, Perm.UNITS_VIEW)
    roots = org_queries.scope_roots(request.user)
    prefetch_related_objects(roots, "tally")
    return render(request, "console/tree.html", {"nodes": _with_warnings(roots)})


@console_view
@replica_reads
def unit_children(request: HttpRequest, pk: int) -> HttpResponse:
    """The children of a unit, as tree nodes (loaded by htmx when a node is opened)."""
    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    nodes = _with_warnings(list(org_queries.children(unit)))
    return render(request, "console/_tree_nodes.html", {"nodes": nodes, "parent": unit})


@console_view
def unit_search(request: HttpRequest) -> HttpResponse:
    """The unit picker's results (htmx)."""
    text = request.GET.get("q", "")[:80]
    units = list(org_queries.search_units(request.user, text)) if text.strip() else []
    return render(request, "console/_unit_picker_results.html", {"units": units, "q": text})


def _member_list(request: HttpRequest, unit: Unit) -> dict:
    user = request.user
    form = MemberFilterForm(request.GET, sensitive=policy.can(user, Perm.MEMBERS_VIEW_SENSITIVE, unit.path))
    filters = form.filters()
    result = filters.page(member_queries.in_unit(user, unit), user, after=request.GET.get("after") or None,
                          size=MEMBERS_PER_PAGE)
    return {"unit": unit, "filter_form": form, "page": result, "after": request.GET.get("after", ""),
            "show_cell": not unit.holds_members}


def _tally_figures(unit: Unit) -> list[tuple[Any, int]]:
    counts = counts_of(unit)
    return [(label, counts.get(column, 0)) for column, label in TALLY_LABELS.items()]


@console_view
@replica_reads
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    unit = org_queries.get_unit_for_user(user, pk=pk)
    context = _member_list(request, unit)
    if is_htmx(request, "member-list"):
        return render(request, "console/_member_list.html", context)
    limits = org_queries.charter_limits()
    figures = _tally_figures(unit)
    context.update(
        ancestors=org_queries.ancestors(unit, user)[:-1],
        figures=figures, key_figures=figures[:KEY_FIGURES], more_figures=figures[KEY_FIGURES:],
        warnings=org_queries.charter_warnings(unit, counts_of(unit), limits=limits),
        children=_with_warnings(list(org_queries.children(unit)), limits),
        events=list(unit.events.order_by("-on", "-pk")[:EVENTS_SHOWN]),
        may_change_units=policy.can(user, Perm.UNITS_CHANGE, unit.path),
        may_add_member=unit.holds_members and unit.is_open
        and policy.can(user, Perm.MEMBERS_CHANGE, unit.path),
        may_export=policy.can(user, Perm.MEMBERS_EXPORT, unit.path),
    )
    return render(request, "console/unit.html", context)
