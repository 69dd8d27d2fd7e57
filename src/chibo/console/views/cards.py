"""Console pages: the party card, party age, badges (issue 13).

The unit's card register (search by number and state; the cards waiting for a cell's meeting;
the chip-card exchanges over the unit), a card's page with the cell's and the committee's actions
(hand over, report a loss, reissue, take back) and its papers (DOCX), the issue form, the
exchange's progress by subordinate unit, the badge list of an award day with the award action and
its exports, and the member page's panel (card, party age, badges, serious illness)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.console.forms import show_domain_error, styled
from chibo.console.views.common import attachment, console_view, require_on
from chibo.console.widgets import DayInput
from chibo.core import audit
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.core.forms import TypedTextForm
from chibo.core.rulebook import rule
from chibo.members import queries as member_queries
from chibo.members.cards import badges, paperwork, queries, rules, services
from chibo.members.cards.enums import CardKind, CardReason, CardState
from chibo.members.cards.models import PartyCard, SeriousIllness
from chibo.members.models import Member
from chibo.org import queries as org_queries
from chibo.org.models import Unit

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BADGE_PAGE = 100


class CardsForm(TypedTextForm):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        styled(self)


def _day(label: Any, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, widget=DayInput(), required=required)


class IssueForm(CardsForm):
    number = forms.CharField(label=gettext_lazy("Card number"), max_length=24)
    kind = forms.ChoiceField(label=gettext_lazy("Kind of card"), choices=CardKind.choices, initial=CardKind.CHIP)
    issued_on = _day(gettext_lazy("Issued on"))
    decision = forms.CharField(label=gettext_lazy("Decision number"), max_length=128, required=False)


class ReissueForm(IssueForm):
    reason = forms.ChoiceField(label=gettext_lazy("Why a new card"),
                               choices=[c for c in CardReason.choices if c[0] != CardReason.FIRST])


class HandOverForm(CardsForm):
    on = _day(gettext_lazy("Handed over on"))
    meeting = forms.TypedChoiceField(label=gettext_lazy("At the cell meeting of"), coerce=int, required=False,
                                     empty_value=None)

    def __init__(self, *args: Any, cell_meetings: list[Any] = (), **kwargs: Any):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        field = self.fields["meeting"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "—"), *[(m.pk, timezone.localtime(m.starts_at).strftime("%d/%m/%Y %H:%M"))
                                      for m in cell_meetings]]


class LossForm(CardsForm):
    on = _day(gettext_lazy("Lost on"))
    note = forms.CharField(label=gettext_lazy("How it was lost"), max_length=255, required=False)


class WithdrawForm(CardsForm):
    on = _day(gettext_lazy("On"))
    state = forms.ChoiceField(label=gettext_lazy("The card is"),
                              choices=[(CardState.REVOKED, CardState.REVOKED.label),
                                       (CardState.RETURNED, CardState.RETURNED.label)])
    note = forms.CharField(label=gettext_lazy("Note"), max_length=255, required=False)


class CampaignForm(CardsForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    directive = forms.CharField(label=gettext_lazy("Directive"), max_length=64, initial="51-CT/TW")
    starts_on = _day(gettext_lazy("Starts on"))
    ends_on = _day(gettext_lazy("Ends on"))


class IllnessForm(CardsForm):
    valid_from = _day(gettext_lazy("Seriously ill since"))
    note = forms.CharField(label=gettext_lazy("Note (the medical paper seen)"), max_length=255, required=False)


class AwardForm(CardsForm):
    decision = forms.CharField(label=gettext_lazy("Decision number"), max_length=128)


# ---- the register ------------------------------------------------------------------------------

@console_view
def register(request: HttpRequest, pk: int) -> HttpResponse:
    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    number = services.clean_number(request.GET.get("number", ""))[:16]
    state = request.GET.get("state", "")
    after = request.GET.get("after", "")
    rows, next_after = queries.register(request.user, unit, number=number, state=state,
                                        after=int(after) if after.isdecimal() else None)
    may_decide = policy.can(request.user, Perm.MEMBERS_DECIDE, unit.path) and not unit.holds_members
    return render(request, "console/cards/register.html", {
        "unit": unit, "rows": rows, "next_after": next_after, "number": number, "state": state,
        "states": CardState.choices, "waiting": queries.waiting(unit) if unit.holds_members else [],
        "campaigns": queries.campaigns_of(unit), "campaign_form": CampaignForm() if may_decide else None,
        "award_day": rules.next_award_day(timezone.localdate(), rule("members.badge_award_days")),
    })


@console_view
@require_http_methods(["GET", "POST"])
def issue(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_queries.get_member_for_user(request.user, pk)
    issuer = services.issuer_for(member)
    require_on(request.user, Perm.MEMBERS_DECIDE, issuer.path)
    form = IssueForm(request.POST or None, initial={"issued_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            card = services.issue_card(member, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("Card %(number)s issued: the cell hands it over at its next meeting.")
                             % {"number": card.number})
            return redirect("console:card", card.pk)
    return render(request, "console/cards/form.html", {
        "member": member, "form": form, "title": _("Issue a party card"),
        "lead": _("Issued by %(committee)s, the committee above the member's grassroots organization.")
        % {"committee": issuer.name}})


# ---- one card ----------------------------------------------------------------------------------

def _recent_meetings(member: Member) -> list[Any]:
    from chibo.meetings.models import Meeting

    return list(Meeting.objects.filter(unit_id=member.unit_id).order_by("-starts_at")[:12])


@console_view
def waiting_for_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting page's fragment: the cards waiting for this cell, each handed over in one click."""
    from chibo.meetings import queries as meeting_queries

    meeting = meeting_queries.get_meeting_for_user(request.user, pk)
    may = policy.can(request.user, Perm.MEMBERS_PROPOSE, meeting.unit_path)
    return render(request, "console/cards/_waiting.html", {
        "meeting": meeting, "cards": queries.waiting(meeting.unit) if may else [],
        "day": timezone.localtime(meeting.starts_at).date()})


@console_view
@require_POST
def hand_over_at_meeting(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    from chibo.meetings import queries as meeting_queries

    found = queries.get_card_for_user(request.user, pk)
    meeting = meeting_queries.get_meeting_for_user(request.user, meeting_pk)
    require_on(request.user, Perm.MEMBERS_PROPOSE, found.member.unit_path)
    try:
        services.hand_over(found, actor=request.user, on=timezone.localtime(meeting.starts_at).date(),
                           meeting=meeting)
    except DomainError as error:
        messages.error(request, error.describe())
    else:
        messages.success(request, _("Card %(number)s handed over to %(name)s.")
                         % {"number": found.number, "name": found.member.full_name})
    return redirect("console:meeting", meeting.pk)


@console_view
def card(request: HttpRequest, pk: int) -> HttpResponse:
    found = queries.get_card_for_user(request.user, pk)
    return _card_page(request, found)


def _card_page(request: HttpRequest, found: PartyCard, **forms_given: Any) -> HttpResponse:
    member, user, today = found.member, request.user, timezone.localdate()
    cell = policy.can(user, Perm.MEMBERS_PROPOSE, member.unit_path)
    decide = policy.can(user, Perm.MEMBERS_DECIDE, found.issuer.path)
    held = found.state in CardState.current()
    replaced_by = PartyCard.objects.filter(replaces=found).first()
    context = {
        "card": found, "member": member, "replaced_by": replaced_by,
        "hand_over": forms_given.get("hand_over") or (
            HandOverForm(initial={"on": today}, cell_meetings=_recent_meetings(member))
            if cell and found.state == CardState.ISSUED else None),
        "loss": forms_given.get("loss") or (LossForm(initial={"on": today}) if cell and held else None),
        "withdraw": forms_given.get("withdraw") or (WithdrawForm(initial={"on": today}) if decide and held else None),
        "may_reissue": decide and replaced_by is None and (held or found.state == CardState.LOST),
    }
    return render(request, "console/cards/card.html", context)


def _card_action(request: HttpRequest, pk: int, form_class: type[CardsForm], key: str, perm_path: str,
                 act: Any, done: str) -> HttpResponse:
    found = queries.get_card_for_user(request.user, pk)
    path_ = found.member.unit_path if perm_path == "cell" else found.issuer.path
    require_on(request.user, Perm.MEMBERS_PROPOSE if perm_path == "cell" else Perm.MEMBERS_DECIDE, path_)
    extra = {"cell_meetings": _recent_meetings(found.member)} if form_class is HandOverForm else {}
    form = form_class(request.POST, **extra)
    if form.is_valid():
        try:
            act(found, form.cleaned_data)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, done)
            return redirect("console:card", found.pk)
    return _card_page(request, found, **{key: form})


@console_view
@require_POST
def hand_over(request: HttpRequest, pk: int) -> HttpResponse:
    def act(found: PartyCard, data: dict[str, Any]) -> None:
        from chibo.meetings.models import Meeting

        meeting = Meeting.objects.filter(pk=data["meeting"]).first() if data["meeting"] else None
        services.hand_over(found, actor=request.user, on=data["on"], meeting=meeting)

    return _card_action(request, pk, HandOverForm, "hand_over", "cell", act, _("The card was handed over."))


@console_view
@require_POST
def report_loss(request: HttpRequest, pk: int) -> HttpResponse:
    def act(found: PartyCard, data: dict[str, Any]) -> None:
        services.report_loss(found, actor=request.user, on=data["on"], note=data["note"])

    return _card_action(request, pk, LossForm, "loss", "cell", act,
                        _("The loss was recorded: print the report, then the committee reissues the card."))


@console_view
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    def act(found: PartyCard, data: dict[str, Any]) -> None:
        services.withdraw_card(found, actor=request.user, on=data["on"], state=data["state"], note=data["note"])

    return _card_action(request, pk, WithdrawForm, "withdraw", "committee", act, _("The card was taken back."))


@console_view
@require_http_methods(["GET", "POST"])
def reissue(request: HttpRequest, pk: int) -> HttpResponse:
    found = queries.get_card_for_user(request.user, pk)
    require_on(request.user, Perm.MEMBERS_DECIDE, found.issuer.path)
    reason = CardReason.LOSS if found.state == CardState.LOST else CardReason.EXCHANGE
    form = ReissueForm(request.POST or None, initial={"issued_on": timezone.localdate(), "reason": reason})
    if request.method == "POST" and form.is_valid():
        try:
            new = services.reissue_card(found, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("Card %(number)s issued in place of %(old)s.")
                             % {"number": new.number, "old": found.number})
            return redirect("console:card", new.pk)
    return render(request, "console/cards/form.html", {
        "member": found.member, "form": form, "title": _("Reissue card %(number)s") % {"number": found.number},
        "lead": _("The old number stays in the register and is never used again.")})


@console_view
def paper(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    found = queries.get_card_for_user(request.user, pk)
    today = timezone.localdate()
    if kind == "loss":
        data = paperwork.loss_report(found, today)
    elif kind == "reissue":
        data = paperwork.reissue_request(found, today)
    else:
        raise NotFound("paper")
    filename = f"the-dang-vien-{found.number}-{kind}.docx"
    # one member's paper: counted on that member's "who can see my data" page only (audit_queries)
    audit.record("reports.exported", actor=request.user, obj=found, unit_path=found.member.unit_path,
                 payload={"kind": "card_paper", "format": "docx", "paper": kind, "title": filename})
    return attachment(data, DOCX, filename)


# ---- serious illness ---------------------------------------------------------------------------

@console_view
@require_http_methods(["GET", "POST"])
def illness(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_queries.get_member_for_user(request.user, pk)
    require_on(request.user, Perm.MEMBERS_PROPOSE, member.unit_path)
    form = IllnessForm(request.POST or None, initial={"valid_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_illness(member, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("Recorded: the member may be awarded a badge early."))
            return redirect("console:member", member.pk)
    return render(request, "console/cards/form.html", {
        "member": member, "form": form, "title": _("Record a serious illness"),
        "lead": _("The cell records it; it allows the badge up to 12 months early (24 from 70 years).")})


@console_view
@require_POST
def illness_end(request: HttpRequest, pk: int) -> HttpResponse:
    record = SeriousIllness.objects.select_related("member").filter(pk=pk).first()
    if record is None:
        raise NotFound("illness")
    member_queries.get_member_for_user(request.user, record.member_id)  # 404 outside the scope
    require_on(request.user, Perm.MEMBERS_PROPOSE, record.member.unit_path)
    try:
        services.end_illness(record, actor=request.user, on=timezone.localdate())
    except DomainError as error:
        messages.error(request, error.describe())
    return redirect("console:member", record.member_id)


# ---- the chip-card exchange --------------------------------------------------------------------

@console_view
@require_POST
def campaign_open(request: HttpRequest, pk: int) -> HttpResponse:
    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    require_on(request.user, Perm.MEMBERS_DECIDE, unit.path)
    form = CampaignForm(request.POST)
    if form.is_valid():
        try:
            campaign = services.open_campaign(unit, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            return redirect("console:card_campaign", campaign.pk)
    return render(request, "console/cards/form.html", {
        "unit": unit, "form": form, "title": _("Open a chip-card exchange")}, status=200)


@console_view
def campaign(request: HttpRequest, pk: int) -> HttpResponse:
    found = queries.get_campaign_for_user(request.user, pk)
    unit = found.unit
    asked = request.GET.get("unit", "")
    if asked.isdecimal():
        unit = org_queries.get_unit_for_user(request.user, pk=int(asked))
        if not unit.path.startswith(found.unit_path):
            raise NotFound("unit")
    total, rows = queries.progress(found, unit)
    return render(request, "console/cards/campaign.html", {
        "campaign": found, "unit": unit, "total": total, "rows": rows,
        "ancestors": [u for u in org_queries.ancestors(unit, request.user) if u.path.startswith(found.unit_path)],
    })


# ---- badges ------------------------------------------------------------------------------------

def _award_days(around: dt.date) -> list[dt.date]:
    days = rule("members.badge_award_days", on=around)
    return [d for y in (around.year - 1, around.year, around.year + 1) for d in rules.award_days_of(y, days)]


def _asked_day(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return None


@console_view
def badge_list(request: HttpRequest, pk: int) -> HttpResponse:
    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    today = timezone.localdate()
    day = _asked_day(request.GET.get("day", "")) or rules.next_award_day(today, rule("members.badge_award_days"))
    after = badges_key(request.GET.get("after", ""))
    try:
        page = badges.due_page(unit, day, after=after, size=BADGE_PAGE)
    except DomainError as error:
        messages.error(request, str(error.message))
        usable = badges.FIRST_DAY <= day <= badges.LAST_DAY - dt.timedelta(days=366)
        later = rules.next_award_day(day if usable else today, rule("members.badge_award_days"))
        return redirect(f"{reverse('console:badges', args=[unit.pk])}?day={later.isoformat()}")
    may_award = policy.can(request.user, Perm.MEMBERS_DECIDE, unit.path)
    return render(request, "console/cards/badges.html", {
        "unit": unit, "day": day, "days": _award_days(today), "page": page,
        "next_after": "|".join([page.next_key[0], page.next_key[1], str(page.next_key[2])]) if page.next_key else "",
        "award_form": AwardForm() if may_award else None,
    })


def badges_key(raw: str) -> tuple[str, str, int] | None:
    parts = raw.split("|")
    if len(parts) != 3 or not parts[0].isdecimal() or not parts[2].isdecimal():
        return None
    return parts[0], parts[1], int(parts[2])


@console_view
@require_POST
def badge_award(request: HttpRequest, pk: int) -> HttpResponse:
    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    require_on(request.user, Perm.MEMBERS_DECIDE, unit.path)
    day = _asked_day(request.POST.get("day", ""))
    form = AwardForm(request.POST)
    ids = [int(i) for i in request.POST.getlist("member") if i.isdecimal()]
    if day is None:
        raise NotFound("day")
    if form.is_valid():
        try:
            awards = services.award_badges(unit, actor=request.user, day=day, member_ids=ids,
                                           decision=form.cleaned_data["decision"])
        except DomainError as error:
            messages.error(request, error.describe())
        else:
            messages.success(request, _("%(n)d badges recorded.") % {"n": len(awards)})
    else:
        messages.error(request, _("Give the number of the decision."))
    return redirect(f"{reverse('console:badges', args=[unit.pk])}?day={day.isoformat()}")


@console_view
@require_POST
def badge_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Start exporting the badge list of the award day ``day`` (``format`` = xlsx or pdf) in the
    background (the whole country's list is long); on to the job's page."""
    from chibo.reports.models import ExportKind
    from chibo.reports.services import start_export

    day = request.POST.get("day", "")
    try:
        job = start_export(request.user, ExportKind.BADGES, {"unit": pk, "day": day},
                           request.POST.get("format", "xlsx"))
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(f"{reverse('console:badges', args=[pk])}?{urlencode({'day': day})}")
    return redirect("console:export_job", job.pk)


# ---- the member page's panel -------------------------------------------------------------------

def member_panel(request: HttpRequest, member: Member) -> dict[str, Any] | None:
    """The member page's panel for cards: a dict with its template and context, or None."""
    user, today = request.user, timezone.localdate()
    summary = queries.of_member(member, today)
    try:
        issuer: Unit | None = services.issuer_for(member)
    except DomainError:
        issuer = None
    may_issue = (issuer is not None and summary.card is None and member.status in services.CARD_HOLDING
                 and policy.can(user, Perm.MEMBERS_DECIDE, issuer.path))
    return {"template": "console/cards/_panel.html", "summary": summary, "may_issue": may_issue,
            "may_cell": policy.can(user, Perm.MEMBERS_PROPOSE, member.unit_path), "today": today}


urlpatterns: list[URLPattern] = [
    path("units/<int:pk>/cards/", register, name="cards_register"),
    path("units/<int:pk>/card-campaigns/new/", campaign_open, name="card_campaign_open"),
    path("card-campaigns/<int:pk>/", campaign, name="card_campaign"),
    path("members/<int:pk>/cards/issue/", issue, name="card_issue"),
    path("members/<int:pk>/illness/", illness, name="card_illness"),
    path("illness/<int:pk>/end/", illness_end, name="card_illness_end"),
    path("cards/<int:pk>/", card, name="card"),
    path("cards/<int:pk>/hand-over/", hand_over, name="card_hand_over"),
    path("cards/<int:pk>/hand-over/at/<int:meeting_pk>/", hand_over_at_meeting, name="card_hand_over_at"),
    path("meetings/<int:pk>/cards/", waiting_for_meeting, name="cards_waiting"),
    path("cards/<int:pk>/loss/", report_loss, name="card_loss"),
    path("cards/<int:pk>/withdraw/", withdraw, name="card_withdraw"),
    path("cards/<int:pk>/reissue/", reissue, name="card_reissue"),
    path("cards/<int:pk>/paper/<str:kind>.docx", paper, name="card_paper"),
    path("units/<int:pk>/badges/", badge_list, name="badges"),
    path("units/<int:pk>/badges/award/", badge_award, name="badges_award"),
    path("units/<int:pk>/badges/export/", badge_export, name="badges_export"),
]
