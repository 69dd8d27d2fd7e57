"""The user's notifications in the console, and how they want them delivered."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from chibo.console.views.common import console_view
from chibo.notifications import services
from chibo.notifications.models import EmailMode, Kind, Notification

SHOWN = 100


class PreferenceForm(forms.Form):
    email = forms.ChoiceField(label=gettext_lazy("E-mail"), choices=EmailMode.choices, widget=forms.RadioSelect)
    wanted = forms.MultipleChoiceField(label=gettext_lazy("Tell me when"), choices=Kind.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple)


@console_view
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    rows = Notification.objects.filter(user_id=request.user.pk or 0)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return render(request, "console/notifications.html", {
        "rows": list(rows.order_by("-created_at", "-id")[:SHOWN]), "unread_only": unread_only,
        "unread": services.unread_count(request.user)})


@console_view
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
    services.mark_read(request.user, ids or None)
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else "console:notifications")


@console_view
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    pref = services.preference(request.user)
    initial = {"email": pref.email, "wanted": [k for k in Kind.values if k not in (pref.muted or [])]}
    form = PreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        muted = [k for k in Kind.values if k not in form.cleaned_data["wanted"]]
        services.save_preference(request.user, email=form.cleaned_data["email"], muted=muted)
        messages.success(request, _("Your notification settings were saved."))
        return redirect("console:notifications")
    return render(request, "console/notification_settings.html", {"form": form})
