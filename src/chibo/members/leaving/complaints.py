"""Complaints against a removal from the list or a sanction, and their outcome.

The committee that settles it records the outcome: upheld (nothing changes), annulled (a removal
or an expulsion is undone: the status before it comes back, the party-age gap is closed on its own
first day so the time away never counts as a gap), or changed (a sanction replaced by another: an
expulsion changed to a lesser sanction restores the member as an annulment does, and the new
sanction is recorded). All in one transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from chibo.accounts.roles import Perm
from chibo.core import audit
from chibo.core.errors import DomainError
from chibo.members import party_age
from chibo.members.enums import ComplaintOutcome, DisciplineKind, GapKind, RemovalState, Status
from chibo.members.leaving import rules
from chibo.members.leaving.models import Complaint, Exemption, Removal
from chibo.members.leaving.services import (
    _check_day,
    _close_exemption,
    _lock,
    _need,
    _refuse,
    _require,
    competent_path,
)
from chibo.members.models import Discipline, Member
from chibo.members.services import change_status


def _subject(complaint_or: Removal | Discipline) -> tuple[dt.date, str]:
    """The contested decision's day and what it was."""
    if isinstance(complaint_or, Removal):
        if complaint_or.state != RemovalState.DECIDED or complaint_or.decided_on is None:
            raise DomainError(_("Only a decided removal can be contested."))
        return complaint_or.decided_on, "removal"
    return complaint_or.decided_on, complaint_or.kind


@transaction.atomic
def lodge(member: Member, *, actor: Any, against: Removal | Discipline, lodged_on: dt.date, text: str) -> Complaint:
    """Record the member's complaint against ``against`` (a decided removal or a sanction)."""
    _require(actor, member, Perm.MEMBERS_DECIDE, competent_path(member))
    member = _lock(member)
    if against.member_id != member.pk:
        raise DomainError(_("The complaint must contest one of this member's decisions."))
    decided_on, what = _subject(against)
    errors: dict[str, list[str]] = {}
    _need(errors, text=text)
    _check_day(errors, "lodged_on", lodged_on)
    problem = rules.complaint_problem(decided_on, lodged_on) if lodged_on else None
    if problem:
        errors.setdefault("lodged_on", []).append(problem)
    pending = Complaint.objects.filter(outcome=ComplaintOutcome.PENDING, **_about(against))
    if pending.exists():
        errors.setdefault("text", []).append(_("A complaint against this decision is already pending."))
    _refuse(_("The complaint was not recorded: correct the fields marked below."), errors)
    complaint = Complaint.objects.create(member=member, lodged_on=lodged_on, text=text.strip(), **_about(against))
    audit.record("members.complaint_lodged", actor=actor, obj=member, unit_path=member.unit_path, payload={
        "complaint": complaint.pk, "against": what, "on": lodged_on.isoformat()})
    return complaint


def _about(against: Removal | Discipline) -> dict[str, Any]:
    return {"removal": against} if isinstance(against, Removal) else {"discipline": against}


@transaction.atomic
def settle(complaint: Complaint, *, actor: Any, outcome: str, decided_on: dt.date, decision: str, body: str,
           changed_to: str = "") -> Complaint:
    """The outcome of a complaint; an annulled (or changed) removal or expulsion restores the member."""
    member = _lock(complaint.member)
    _require(actor, member, Perm.MEMBERS_DECIDE, competent_path(member))
    complaint = (Complaint.objects.select_for_update(of=("self",)).select_related("removal", "discipline")
                 .get(pk=complaint.pk))
    if complaint.outcome != ComplaintOutcome.PENDING:
        raise DomainError(_("This complaint was already settled."))
    errors: dict[str, list[str]] = {}
    _need(errors, decision=decision, body=body)
    _check_day(errors, "decided_on", decided_on, not_before=complaint.lodged_on, what=_("the complaint was lodged"))
    if outcome not in ComplaintOutcome.values or outcome == ComplaintOutcome.PENDING:
        errors.setdefault("outcome", []).append(_("Choose the outcome."))
    if outcome == ComplaintOutcome.CHANGED:
        if complaint.discipline is None:
            errors.setdefault("outcome", []).append(_("A removal is upheld or annulled; only a sanction is changed."))
        elif changed_to not in DisciplineKind.values or changed_to == complaint.discipline.kind:
            errors.setdefault("changed_to", []).append(_("Choose the new sanction (a different one)."))
    _refuse(_("The outcome was not recorded: correct the fields marked below."), errors)
    complaint.outcome, complaint.decided_on = outcome, decided_on
    complaint.decision, complaint.body = decision.strip(), body.strip()
    complaint.changed_to = changed_to if outcome == ComplaintOutcome.CHANGED else ""
    complaint.save(update_fields=["outcome", "decided_on", "decision", "body", "changed_to"])
    if outcome in (ComplaintOutcome.ANNULLED, ComplaintOutcome.CHANGED):
        _undo(complaint, member, actor=actor, on=decided_on)
    audit.record("members.complaint_settled", actor=actor, obj=member, unit_path=member.unit_path, payload={
        "complaint": complaint.pk, "outcome": outcome, "on": decided_on.isoformat(), "decision": complaint.decision,
        "changed_to": complaint.changed_to})
    return complaint


def _undo(complaint: Complaint, member: Member, *, actor: Any, on: dt.date) -> None:
    """Undo the contested decision's effect on the status (a removal, an expulsion) and record a
    changed sanction."""
    removal, record = complaint.removal, complaint.discipline
    if removal is not None:
        assert removal.decided_on is not None
        _restore(member, removal.status_before, Status.REMOVED, actor=actor, on=on, left_on=removal.decided_on)
        return
    assert record is not None
    if record.kind == DisciplineKind.EXPULSION and complaint.changed_to != DisciplineKind.EXPULSION:
        _restore(member, record.status_before, Status.EXPELLED, actor=actor, on=on, left_on=record.decided_on)
    if complaint.outcome == ComplaintOutcome.CHANGED:
        Discipline.objects.create(
            member=member, kind=complaint.changed_to, decided_on=on, body=complaint.body, decision=complaint.decision,
            unit=record.unit, reason=record.reason, status_before=member.status)
        if complaint.changed_to == DisciplineKind.EXPULSION and member.status in rules.ACTIVE:
            _close_exemption(member, on)
            change_status(member, actor=actor, status=Status.EXPELLED, on=on)
            party_age.open_gap(member, kind=GapKind.EXPELLED, on=on, note=complaint.decision)


def _restore(member: Member, before: str, expected: str, *, actor: Any, on: dt.date, left_on: dt.date) -> None:
    """Back to ``before`` from ``on``; the gap opened by the decision closes on its own first day; an
    exemption the decision ended runs again."""
    if member.status != expected:
        raise DomainError(_("The member's status changed since that decision (now \"%(status)s\"): it cannot be "
                            "undone here.") % {"status": Status(member.status).label})
    gap = member.gaps.filter(valid_to__isnull=True).order_by("valid_from").first()
    if gap is not None:
        party_age.close_gap(member, on=gap.valid_from)
    if before == Status.EXEMPTED:
        ended = Exemption.objects.filter(member_id=member.pk, returned_on=left_on, return_resolution="")
        ended.update(returned_on=None)
    change_status(member, actor=actor, status=before or Status.OFFICIAL, on=on)
