"""Restructuring forms for organization-board staff: add a subunit, rename, move, merge, close."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from chibo.accounts.roles import Perm
from chibo.console import forms
from chibo.console.views.common import console_view, require_on
from chibo.core.errors import DomainError
from chibo.org import queries as org_queries
from chibo.org import services as org_services
from chibo.org.models import Unit
from chibo.restructuring import services as restructuring


@dataclass(frozen=True)
class Operation:
    form: type[forms.UnitOperationForm]
    run: Callable[[Unit, Any, dict[str, Any]], Unit]
    title: Promise
    done: Promise


def _add(unit: Unit, actor: Any, d: dict[str, Any]) -> Unit:
    return restructuring.create_unit(actor=actor, parent=unit, code=d["code"], name=d["name"],
                                     kind=d["kind"], sector=d["sector"], opened_on=d["on"],
                                     decision=d["decision"])


def _rename(unit: Unit, actor: Any, d: dict[str, Any]) -> Unit:
    return org_services.rename_unit(unit, actor=actor, name=d["name"], on=d["on"], decision=d["decision"])


def _move(unit: Unit, actor: Any, d: dict[str, Any]) -> Unit:
    return restructuring.move_unit(unit, actor=actor, new_parent=d["parent"], on=d["on"],
                                   decision=d["decision"])


def _merge(unit: Unit, actor: Any, d: dict[str, Any]) -> Unit:
    return restructuring.merge_units([unit], into=d["into"], actor=actor, on=d["on"], decision=d["decision"])


def _close(unit: Unit, actor: Any, d: dict[str, Any]) -> Unit:
    return restructuring.close_unit(unit, actor=actor, on=d["on"], successor=d["successor"],
                                    decision=d["decision"])


OPERATIONS: dict[str, Operation] = {
    "add": Operation(forms.ChildUnitForm, _add, _("Add a subordinate unit"), _("The unit was created.")),
    "rename": Operation(forms.RenameUnitForm, _rename, _("Rename the unit"), _("The unit was renamed.")),
    "move": Operation(forms.MoveUnitForm, _move, _("Move the unit"), _("The unit was moved.")),
    "merge": Operation(forms.MergeUnitForm, _merge, _("Merge the unit into another"),
                       _("The unit was merged.")),
    "close": Operation(forms.CloseUnitForm, _close, _("Close the unit"), _("The unit was closed.")),
}


@console_view
@require_http_methods(["GET", "POST"])
def unit_operation(request: HttpRequest, pk: int, op: str) -> HttpResponse:
    operation = OPERATIONS[op]
    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    require_on(request.user, Perm.UNITS_CHANGE, unit.path)
    form = operation.form(request.POST or None, user=request.user, unit=unit)
    if request.method == "POST" and form.is_valid():
        try:
            result = operation.run(unit, request.user, form.cleaned_data)
        except DomainError as error:
            forms.show_domain_error(form, error)
        else:
            messages.success(request, str(operation.done))
            return redirect("console:unit", result.pk)
    return render(request, "console/unit_operation.html",
                  {"unit": unit, "form": form, "title": operation.title, "op": op})
