"""The handbook's meeting pages: my meetings, a meeting (answer the invitation, check in with the
code, the agenda, the documents to read, the minutes), and the draft resolutions to comment on, a
paragraph at a time. Answers sent without network wait in the phone's outbox (the service worker
keeps every POST). The links to the next meetings and to their documents are marked ``data-keep``:
the phone keeps those pages, so they open without network."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from chibo.core.errors import DomainError, NotFound
from chibo.core.forms import check_posted_text
from chibo.handbook.views import _page, handbook_page
from chibo.meetings import drafts, queries, services
from chibo.meetings.models import State
from chibo.members.models import Member

UPCOMING_SHOWN = 10
PAST_SHOWN = 10


@handbook_page
def meetings(request: HttpRequest, member: Member) -> HttpResponse:
    upcoming = queries.upcoming_for_member(member, limit=UPCOMING_SHOWN)
    to_read = queries.documents_to_read([inv.meeting for inv in upcoming])
    return _page(request, "handbook/meetings.html", member, {
        "upcoming": [(inv, to_read[inv.meeting_id]) for inv in upcoming],
        "past": queries.past_for_member(member, limit=PAST_SHOWN),
    }, tab="meetings")


@handbook_page
@require_http_methods(["GET", "POST"])
def meeting(request: HttpRequest, member: Member, pk: int) -> HttpResponse:
    invitation = queries.get_invitation_of(member, pk)
    the_meeting = invitation.meeting
    errors: list[str] = []
    if request.method == "POST":
        try:
            _act(request, the_meeting)
        except DomainError as error:
            errors = [str(error.message), *[str(m) for msgs in error.field_errors.values() for m in msgs]]
        else:
            return redirect("handbook:meeting", pk)
    versions = [(d, d.versions.order_by("-number").first()) for d in the_meeting.drafts.all()]
    return _page(request, "handbook/meeting.html", member, {
        "invitation": invitation, "meeting": the_meeting, "errors": errors,
        "over": the_meeting.state in (State.HELD, State.CANCELLED),
        "drafts": [(d, v, list(enumerate(drafts.paragraphs(v.text))) if v else []) for d, v in versions],
        "documents": queries.documents_to_read([the_meeting])[the_meeting.pk],
        "code": request.GET.get("code", ""),
    }, tab="meetings", status=400 if errors else 200)


def _act(request: HttpRequest, the_meeting) -> None:
    data, user = request.POST, request.user
    check_posted_text(data)
    action = data.get("action")
    if action == "answer":
        services.answer(the_meeting, actor=user, attending=data.get("attending") == "1", reason=data.get("reason", ""))
    elif action == "check_in":
        services.check_in(the_meeting, actor=user, code=data.get("code", ""))
    elif action == "comment":
        draft = the_meeting.drafts.filter(pk=_number(data.get("draft"))).first()
        version = draft.versions.order_by("-number").first() if draft else None
        if version is None:
            raise NotFound("draft")
        drafts.comment(version, actor=user, paragraph=_number(data.get("paragraph"), -1), text=data.get("text", ""),
                       client_key=data.get("client_key", ""))
    else:
        raise DomainError(_("Nothing was sent."))


def _number(raw: object, default: int = 0) -> int:
    """A posted number, or ``default`` for anything else (a tampered form is refused, not a 500)."""
    text = str(raw or "")
    return int(text) if text.isdigit() else default


@handbook_page
def check_in_link(request: HttpRequest, member: Member, pk: int) -> HttpResponse:
    """Where the QR code on the secretary's screen leads: the meeting, with the code filled in."""
    queries.get_invitation_of(member, pk)
    code = "".join(ch for ch in request.GET.get("code", "") if ch.isdigit())[:8]
    return redirect(f"/handbook/meetings/{pk}/?code={code}#check-in")
