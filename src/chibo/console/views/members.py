"""The member page and the create / edit forms."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.console.forms import MemberForm, show_domain_error
from chibo.console.views import cards, dues, leaving, transfers
from chibo.console.views.common import console_view, require_on
from chibo.core.errors import DomainError
from chibo.members import queries as member_queries
from chibo.members import services as member_services
from chibo.org import queries as org_queries

# each lifecycle module's panel on the member page (its ``member_panel``: a template and its context)
LIFECYCLE_PANELS = (transfers, leaving, cards, dues)


@console_view
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    member = member_queries.get_member_for_user(user, pk)
    profile = member_queries.profile_for(user, member)  # writes the audit line
    return render(request, "console/member.html", {
        "member": member,
        "sensitive": profile["fields"],
        "masked": profile["masked"],
        "placements": list(member.placements.select_related("unit").order_by("valid_from", "pk")),
        "may_edit": policy.can(user, Perm.MEMBERS_CHANGE, member.unit_path),
        "may_open_unit": policy.can(user, Perm.UNITS_VIEW, member.unit_path),
        "panels": [panel for panel in (module.member_panel(request, member) for module in LIFECYCLE_PANELS)
                   if panel],
    })


@console_view
@require_http_methods(["GET", "POST"])
def member_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Register a member in a cell."""
    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    require_on(request.user, Perm.MEMBERS_CHANGE, unit.path)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = member_services.create_member(actor=request.user, unit=unit, data=form.changes())
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("%(name)s was added to %(unit)s.")
                             % {"name": member.full_name, "unit": unit.name})
            return redirect("console:member", member.pk)
    return render(request, "console/member_form.html", {"form": form, "unit": unit, "member": None})


@console_view
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    member = member_queries.get_member_for_user(user, pk)
    require_on(user, Perm.MEMBERS_CHANGE, member.unit_path)
    sensitive = member_queries.may_see_sensitive(user, member)
    form = MemberForm.for_member(member, request.POST or None, with_sensitive=sensitive)
    if request.method == "GET" and sensitive:
        member_queries.profile_for(user, member)  # the form shows the full profile: audit it
    if request.method == "POST" and form.is_valid():
        try:
            member_services.update_member(member, actor=user, changes=form.changes())
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("console:member", member.pk)
    return render(request, "console/member_form.html", {"form": form, "unit": member.unit, "member": member})
