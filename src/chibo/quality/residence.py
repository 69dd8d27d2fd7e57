"""The residence cell's comment (Regulation 213-QĐ/TW): a member who works in an agency, a
public-service unit, an enterprise, a school or the armed forces keeps contact with the party
organization where they live, and that cell comments on them once a year.

The member's cell asks (naming the residence cell by its exact code: it may be in any province,
and no list of other provinces' units is ever shown); the residence cell answers. The residence
cell sees the member's name, year of birth and the asking cell's name, nothing more of the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Max, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core import audit
from chibo.core.errors import DomainError, NotFound
from chibo.notifications.models import Kind
from chibo.notifications.services import Message, holders, notify
from chibo.org.enums import Sector, UnitKind
from chibo.org.models import Unit
from chibo.quality.access import acting_user, require
from chibo.quality.enums import Step
from chibo.quality.models import MemberReview, ResidenceComment

# the sectors whose members are commented on by their residence cell (Regulation 213-QĐ/TW)
WORKPLACE_SECTORS = frozenset({Sector.STATE_AGENCY, Sector.PUBLIC_SERVICE, Sector.STATE_ENTERPRISE,
                               Sector.NON_STATE_ENTERPRISE, Sector.SCHOOL, Sector.ARMED_FORCES})
TEXT_MAX_LENGTH = 4000
SHOWN = 300  # rows of each list on a page (a residence cell gets a few a year)


def _residence_cell(code: str) -> Unit:
    """The open cell with exactly this code, in any province (never a search)."""
    code = (code or "").strip()
    if not code:
        raise DomainError(_("The request was not sent."), {"residence_code": [_("Give the residence cell's code.")]})
    unit = Unit.objects.filter(code=code, closed_on__isnull=True, kind__in=UnitKind.member_holding()).first()
    if unit is None:
        raise DomainError(_("The request was not sent."), {"residence_code": [
            _("No open cell has the code %(code)s. Ask the member for the code of the cell where they live "
              "(its secretary knows it), and type it exactly.") % {"code": code}]})
    return unit


@transaction.atomic
def ask(review: MemberReview, *, actor: Any, residence_code: str) -> ResidenceComment:
    """The member's cell asks the cell where the member lives for its comment on them. Asking
    again before the answer sends the request to another cell (a code typed wrong)."""
    review = MemberReview.objects.select_for_update().select_related("unit", "member").get(pk=review.pk)
    require(actor, Perm.QUALITY_ASSESS, review.unit_path, _("You may view this review but not ask for comments."))
    cell = review.unit
    if cell.sector not in WORKPLACE_SECTORS:
        raise DomainError(_("Only members whose cell is in an agency, a public-service unit, an enterprise, a school "
                            "or the armed forces are commented on by their residence cell (Regulation 213-QĐ/TW); "
                            "%(cell)s is not.") % {"cell": cell.name})
    if review.step == Step.DECIDED:
        raise DomainError(_("This review is already decided: it is too late to ask for a comment."))
    residence = _residence_cell(residence_code)
    if residence.pk == cell.pk:
        raise DomainError(_("The request was not sent."), {"residence_code": [
            _("This is the member's own cell: give the code of the cell where they live.")]})
    comment = ResidenceComment.objects.select_for_update().filter(review=review).first()
    if comment is not None and comment.answered_at is not None:
        raise DomainError(_("%(cell)s has already answered: its comment is kept.")
                          % {"cell": comment.residence_unit.name})
    user = acting_user(actor)
    if comment is None:
        comment = ResidenceComment.objects.create(review=review, residence_unit=residence,
                                                  residence_path=residence.path, asked_by=user)
    else:
        comment.residence_unit, comment.residence_path = residence, residence.path
        comment.asked_by, comment.asked_at = user, timezone.now()
        comment.save(update_fields=["residence_unit", "residence_path", "asked_by", "asked_at"])
    audit.record("quality.residence_asked", actor=actor, obj=comment, unit_path=review.unit_path,
                 payload={"year": review.year, "review": review.pk, "residence": residence.code})
    transaction.on_commit(lambda: _tell_residence(comment.pk))
    return comment


@transaction.atomic
def answer(comment: ResidenceComment, *, actor: Any, text: str) -> ResidenceComment:
    """The residence cell writes (or corrects, until the review is decided) its comment."""
    comment = ResidenceComment.objects.select_for_update().select_related("review").get(pk=comment.pk)
    require(actor, Perm.QUALITY_ASSESS, comment.residence_path, _("You may view this request but not answer it."))
    if comment.review.step == Step.DECIDED:
        raise DomainError(_("The member's review is already decided: the comment can no longer change."))
    text = (text or "").strip()
    if not text:
        raise DomainError(_("The comment was not saved."), {"text": [_("Write the cell's comment.")]})
    if len(text) > TEXT_MAX_LENGTH:
        raise DomainError(_("The comment was not saved."), {"text": [
            _("Write at most %(n)d characters.") % {"n": TEXT_MAX_LENGTH}]})
    first = comment.answered_at is None
    comment.text, comment.answered_at = text, timezone.now()
    comment.answered_by = acting_user(actor)
    comment.save(update_fields=["text", "answered_at", "answered_by"])
    audit.record("quality.residence_answered", actor=actor, obj=comment, unit_path=comment.residence_path,
                 payload={"year": comment.review.year, "review": comment.review_id, "first": first})
    if first:
        transaction.on_commit(lambda: _tell_asking_cell(comment.pk))
    return comment


# ---------------------------------------------------------------- notifications


def _link(unit_id: int) -> str:
    return reverse("console:residence_comments", args=[unit_id])


def _tell_residence(comment_id: int) -> int:
    """The residence cell's secretaries (or the nearest committee above it with someone to answer)."""
    comment = (ResidenceComment.objects.select_related("review__unit", "review__member", "residence_unit")
               .get(pk=comment_id))
    users = [u for ids in holders(comment.residence_path, Perm.QUALITY_ASSESS).values() for u in ids]
    title = _("%(cell)s asks for your comment on a member who lives here") % {"cell": comment.review.unit.name}
    body = _("%(name)s (born %(year)d): the yearly comment of the residence cell (Regulation 213-QĐ/TW).") % {
        "name": comment.review.member.full_name, "year": comment.review.member.birth_date.year}
    key = f"residence:{comment.pk}:{comment.residence_unit_id}"
    return notify(users, [Message(Kind.RESIDENCE_COMMENT, title, body, _link(comment.residence_unit_id), key)])


def _tell_asking_cell(comment_id: int) -> int:
    comment = ResidenceComment.objects.select_related("review__unit", "review__member", "residence_unit") \
        .get(pk=comment_id)
    cell_path = comment.review.unit_path
    users = holders(cell_path, Perm.QUALITY_ASSESS).get(cell_path, [])
    title = _("%(cell)s commented on %(name)s") % {"cell": comment.residence_unit.name,
                                                   "name": comment.review.member.full_name}
    key = f"residence-answer:{comment.pk}"
    return notify(users, [Message(Kind.RESIDENCE_COMMENT, title, "", _link(comment.review.unit_id), key)])


# ---------------------------------------------------------------- reads


@dataclass(frozen=True)
class Incoming:
    """A request as the residence cell sees it: no more of the member's record than this."""

    pk: int
    full_name: str
    birth_year: int
    asking_cell: str
    residence_cell: str
    year: int
    asked_at: Any
    text: str
    answered_at: Any
    decided: bool


def incoming_q(unit: Unit) -> QuerySet[ResidenceComment]:
    """The requests addressed to ``unit``'s subtree (by the residence cell's path)."""
    return ResidenceComment.objects.filter(policy.subtree_q("residence_path", unit.path))


def sent_q(unit: Unit) -> QuerySet[ResidenceComment]:
    """The requests sent about members of ``unit``'s subtree (by their review's path)."""
    return ResidenceComment.objects.filter(policy.subtree_q("review__unit_path", unit.path))


def latest_year(unit: Unit) -> int | None:
    """The newest year with a request to or from ``unit``'s subtree."""
    years = [incoming_q(unit).aggregate(y=Max("review__year"))["y"], sent_q(unit).aggregate(y=Max("review__year"))["y"]]
    return max((y for y in years if y), default=None)


def incoming(unit: Unit, year: int) -> list[Incoming]:
    """One query; the unanswered first, then the newest."""
    rows = (incoming_q(unit).filter(review__year=year)
            .values_list("pk", "review__member__full_name", "review__member__birth_date", "review__unit__name",
                         "residence_unit__name", "review__year", "asked_at", "text", "answered_at", "review__step")
            .order_by(F("answered_at").desc(nulls_first=True), "-asked_at", "-pk")[:SHOWN])
    return [Incoming(pk, name, born.year, cell, residence, y, asked, text, answered, step == Step.DECIDED)
            for pk, name, born, cell, residence, y, asked, text, answered, step in rows]


def sent(unit: Unit, year: int) -> list[ResidenceComment]:
    """One query: the requests about the members of ``unit``'s subtree, with the answers."""
    return list(sent_q(unit).filter(review__year=year)
                .select_related("review__member", "review__unit", "residence_unit")
                .only("pk", "text", "asked_at", "answered_at", "residence_unit__name", "residence_unit__code",
                      "review__year", "review__quarter", "review__step", "review__unit__name",
                      "review__member__full_name")
                .order_by("review__member__name_folded", "pk")[:SHOWN])


def askable(unit: Unit, year: int) -> list[MemberReview]:
    """The reviews of ``unit``'s members (a cell in a workplace sector) for which a comment may be
    asked: the year's annual rows, not decided yet (one query)."""
    if unit.kind not in UnitKind.member_holding() or unit.sector not in WORKPLACE_SECTORS:
        return []
    return list(MemberReview.objects.filter(unit=unit, year=year, quarter=0).exclude(step=Step.DECIDED)
                .select_related("member").only("pk", "year", "step", "member__full_name")
                .order_by("member__name_folded", "pk"))


def get_incoming_for_user(user: Any, pk: int) -> ResidenceComment:
    """A request the user may see as the residence cell (404 otherwise)."""
    comment = (ResidenceComment.objects.filter(policy.scope_for(user, Perm.UNITS_VIEW).q("residence_path"))
               .filter(pk=pk).first())
    if comment is None:
        raise NotFound("comment")
    return comment
