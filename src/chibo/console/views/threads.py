"""The handbook seen from the console: members' questions to a unit, answered here, and the
adoption report (who uses the handbook, per unit)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.console.views.common import console_view, require_anywhere
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.core.forms import TypedTextForm
from chibo.handbook import queries, services
from chibo.handbook.models import POST_MAX_LENGTH
from chibo.org import queries as org_queries

SHOWN = 100


class AnswerForm(TypedTextForm):
    text = forms.CharField(label=gettext_lazy("Answer"), max_length=POST_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 4, "class": "form-control",
                                                        "maxlength": POST_MAX_LENGTH}))


@console_view
def thread_list(request: HttpRequest) -> HttpResponse:
    require_anywhere(request.user, Perm.MEMBERS_VIEW)
    closed = request.GET.get("state") == "closed"
    rows = queries.threads_for_user(request.user).filter(closed_at__isnull=not closed)
    order = ("-closed_at",) if closed else ("-awaiting_reply", "-last_post_at")
    return render(request, "console/handbook/threads.html", {
        "rows": list(rows.order_by(*order, "-pk")[:SHOWN]), "closed": closed, "shown": SHOWN,
        "scope": org_queries.scope_roots(request.user, Perm.MEMBERS_VIEW)})


@console_view
@require_http_methods(["GET", "POST"])
def thread_detail(request: HttpRequest, pk: int) -> HttpResponse:
    thread = queries.get_thread_for_user(request.user, pk)
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.post(thread, actor=request.user, text=form.cleaned_data["text"])
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Your answer was sent to the member."))
            return redirect("console:handbook_thread", thread.pk)
    return render(request, "console/handbook/thread.html", {
        "thread": thread, "posts": list(thread.posts.select_related("author")), "form": form,
        "may_answer": policy.can(request.user, Perm.HANDBOOK_ANSWER, thread.unit.path)},
        status=400 if form.errors else 200)


@console_view
@require_POST
def thread_close(request: HttpRequest, pk: int) -> HttpResponse:
    thread = queries.get_thread_for_user(request.user, pk)
    services.close(thread, actor=request.user)
    messages.success(request, _("The conversation was closed."))
    return redirect("console:handbook_threads")


@console_view
def adoption(request: HttpRequest) -> HttpResponse:
    require_anywhere(request.user, Perm.MEMBERS_VIEW)
    raw = request.GET.get("unit", "")
    if raw.isdigit():
        unit = org_queries.get_unit_for_user(request.user, pk=int(raw), perm=Perm.MEMBERS_VIEW)
    else:
        unit = org_queries.scope_roots(request.user, Perm.MEMBERS_VIEW)[0]
    rows = queries.adoption(unit)
    return render(request, "console/handbook/adoption.html", {
        "unit": unit, "total": rows[0], "rows": rows[1:], "days": queries.ACTIVE_DAYS,
        "ancestors": org_queries.ancestors(unit, request.user)[:-1]})
