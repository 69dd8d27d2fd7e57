"""The handbook's pages: home, my card, inbox, and the two-way channel with the member's units."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.db.models import Field
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.handbook import queries, services
from chibo.handbook.access import HandbookRefused, handbook_member
from chibo.handbook.forms import AskForm, PostForm
from chibo.members.cards import queries as cards
from chibo.members.models import Member
from chibo.members.queries import mask
from chibo.notifications import services as inbox
from chibo.notifications.models import Notification

LATEST_ON_HOME = 3
INBOX_SHOWN = 50


def handbook_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log-in required; the member record is resolved once and passed on; refusals get their page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            member = handbook_member(request.user)
        except HandbookRefused as refused:
            return render(request, "handbook/refused.html", {"reason": refused.reason.value}, status=403)
        services.record_use(request.user)
        try:
            return view(request, member, *args, **kwargs)
        except NotFound as exc:
            raise Http404(str(exc)) from exc
        except PermissionDenied as exc:
            raise Forbidden(str(exc)) from exc

    return login_required(wrapper)


def _page(request: HttpRequest, template: str, member: Member, context: dict, *, tab: str = "",
          status: int = 200) -> HttpResponse:
    context.update(member=member, tab=tab, unread=inbox.unread_count(request.user))
    return render(request, template, context, status=status)


def _day(day) -> str:
    return date_format(day, "SHORT_DATE_FORMAT") if day else ""


def _label(name: str):
    return cast(Field, Member._meta.get_field(name)).verbose_name


@handbook_page
def home(request: HttpRequest, member: Member) -> HttpResponse:
    latest = list(Notification.objects.filter(user_id=request.user.pk or 0)[:LATEST_ON_HOME])
    form = AskForm(units=queries.askable_units(member))
    return _page(request, "handbook/home.html", member, {
        "latest": latest, "party_age": queries.party_age(member), "form": form}, tab="home")


@handbook_page
def card(request: HttpRequest, member: Member) -> HttpResponse:
    # the card register's view of the member: the party age with its gaps, the card's state, badges
    own = cards.of_member(member, timezone.localdate())
    age = own.age.years if own.age else None
    fields = [
        (_label("birth_date"), _day(member.birth_date), ""),
        (_label("sex"), member.get_sex_display(), ""),
        (_label("admission_date"), _day(member.admission_date), ""),
        (_label("official_date"), _day(member.official_date), ""),
        (_label("card_number"), member.card_number, "card-number"),
        (_label("unit"), member.unit.name, ""),
        (_label("citizen_id"), mask(member.citizen_id, "citizen_id"), "citizen-id"),
        (_label("phone"), member.phone, ""),
        (_label("status"), member.get_status_display(), ""),
        (gettext_lazy("party age"), None if age is None else ngettext("%(n)d year", "%(n)d years", age) % {"n": age},
         "party-age"),
    ]
    return _page(request, "handbook/card.html", member, {"fields": fields, "own": own}, tab="card")


@handbook_page
def inbox_page(request: HttpRequest, member: Member) -> HttpResponse:
    rows = list(Notification.objects.filter(user_id=request.user.pk or 0)[:INBOX_SHOWN])
    threads = list(queries.threads_of(member)[: queries.THREADS_SHOWN])
    return _page(request, "handbook/inbox.html", member, {"rows": rows, "threads": threads}, tab="inbox")


@handbook_page
@require_POST
def mark_read(request: HttpRequest, member: Member) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
    inbox.mark_read(request.user, ids or None)
    return redirect("handbook:inbox")


@handbook_page
@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest, member: Member) -> HttpResponse:
    form = AskForm(request.POST or None, units=queries.askable_units(member))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            thread = services.ask(actor=request.user, member=member, unit=data["unit"], subject=data["subject"],
                                  text=data["text"], client_key=data["client_key"])
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            return redirect("handbook:thread", thread.pk)
    return _page(request, "handbook/ask.html", member, {"form": form}, tab="inbox",
                 status=400 if form.errors else 200)


@handbook_page
@require_http_methods(["GET", "POST"])
def thread_page(request: HttpRequest, member: Member, pk: int) -> HttpResponse:
    thread = queries.get_thread_of(member, pk)
    form = PostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.post(thread, actor=request.user, text=form.cleaned_data["text"],
                          client_key=form.cleaned_data["client_key"])
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            return redirect("handbook:thread", thread.pk)
    # reading the thread reads the notifications that pointed to it (the answers)
    told = Notification.objects.filter(user_id=request.user.pk or 0, read_at__isnull=True, link=request.path)
    if request.method == "GET" and (ids := list(told.values_list("pk", flat=True))):
        inbox.mark_read(request.user, ids)
    posts = list(thread.posts.all())
    return _page(request, "handbook/thread.html", member, {"thread": thread, "posts": posts, "form": form},
                 tab="inbox", status=400 if form.errors else 200)
