"""Every write of leaving: exemption and return, removal from the list, discipline, resignation,
death, complaints (DOMAIN.md §3). Who decides what: ``leaving.rules``.

Each verb checks the permission, locks the member, checks the dates, records the event, moves
the status through ``members.services.change_status`` (the tallies follow; ``status_since`` is the
event's day, so the as-of reports count a removal, expulsion, resignation or death as a decrease
on that day), opens or closes the party-age gap, and writes one audit line.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core import audit
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.members import party_age
from chibo.members.enums import (
    DepartureKind,
    DisciplineKind,
    ExemptionKind,
    GapKind,
    RemovalGround,
    RemovalState,
    Status,
)
from chibo.members.leaving import grounds, rules
from chibo.members.leaving.models import Departure, Exemption, Removal
from chibo.members.models import Discipline, Member
from chibo.members.services import change_status
from chibo.members.transfers.services import close_for_departure
from chibo.org.models import Unit


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _require(actor: Any, member: Member, perm: str, path: str) -> None:
    if not policy.can(actor, Perm.MEMBERS_VIEW, member.unit_path):
        raise NotFound("member")
    if not policy.can(actor, perm, path):
        raise PermissionDenied(_("Your role may not record this for this member."))


def competent_path(member: Member) -> str:
    return rules.grassroots_path(member.unit_path, member.unit.kind)


def may(actor: Any, member: Member, what: str) -> bool:
    """Whether ``actor`` may record ``what`` ("cell" or "committee" decisions) for ``member``."""
    if what == "cell":
        return policy.can(actor, Perm.MEMBERS_PROPOSE, member.unit_path)
    return policy.can(actor, Perm.MEMBERS_DECIDE, competent_path(member))


def _lock(member: Member) -> Member:
    return Member.objects.select_for_update().select_related("unit").get(pk=member.pk)


def _refuse(message: str, errors: dict[str, list[str]]) -> None:
    if errors:
        raise DomainError(message, errors)


def _check_day(errors: dict[str, list[str]], name: str, day: dt.date | None, *, member: Member | None = None,
               not_before: dt.date | None = None, what: str = "") -> None:
    today = timezone.localdate()
    if member is not None and not_before is None:
        not_before, what = member.status_since, _("the member's current status began then")
    problem = rules.day_problem(day, today=today, not_before=not_before, before_what=what)
    if problem:
        errors.setdefault(name, []).append(problem)


def _need(errors: dict[str, list[str]], **values: str) -> None:
    for name, value in values.items():
        if not (value or "").strip():
            errors.setdefault(name, []).append(_("This field is required."))


def _status_problem(errors: dict[str, list[str]], member: Member, allowed: tuple[str, ...]) -> None:
    if member.status not in allowed:
        errors.setdefault("status", []).append(
            _("This cannot be recorded for a member whose status is \"%(status)s\".")
            % {"status": Status(member.status).label})


# ---- exemption ----------------------------------------------------------------------------------

@transaction.atomic
def exempt(member: Member, *, actor: Any, kind: str, applied_on: dt.date, reason: str, resolved_on: dt.date,
           resolution: str, ends_on: dt.date | None = None) -> Exemption:
    """The cell's resolution on the member's application: exempted from ``resolved_on``."""
    _require(actor, member, Perm.MEMBERS_PROPOSE, member.unit_path)
    member = _lock(member)
    errors: dict[str, list[str]] = {}
    _status_problem(errors, member, rules.EXEMPTIBLE)
    _need(errors, reason=reason, resolution=resolution)
    _check_day(errors, "applied_on", applied_on)
    _check_day(errors, "resolved_on", resolved_on, member=member)
    if applied_on and resolved_on and resolved_on < applied_on:
        errors.setdefault("resolved_on", []).append(_("The cell resolves after the application: check the dates."))
    if kind == ExemptionKind.WORKING_AWAY and resolved_on:
        problem = rules.working_away_end_problem(resolved_on, ends_on)
        if problem:
            errors.setdefault("ends_on", []).append(problem)
    elif kind != ExemptionKind.WORKING_AWAY:
        ends_on = None
    _refuse(_("The exemption was not recorded: correct the fields marked below."), errors)
    exemption = Exemption.objects.create(
        member=member, unit=member.unit, kind=kind, applied_on=applied_on, reason=reason.strip(),
        resolved_on=resolved_on, resolution=resolution.strip(), ends_on=ends_on, status_before=member.status)
    change_status(member, actor=actor, status=Status.EXEMPTED, on=resolved_on)
    _withdraw_invitations(member, resolved_on)
    audit.record("members.exempted", actor=actor, obj=member, unit_path=member.unit_path, payload={
        "exemption": exemption.pk, "kind": kind, "from": _iso(resolved_on), "until": _iso(ends_on),
        "resolution": exemption.resolution})
    return exemption


def _withdraw_invitations(member: Member, on: dt.date) -> None:
    """An exempted member is no longer expected at the meetings not yet held (attendance rates)."""
    from chibo.meetings.models import Invitation, State

    start = timezone.make_aware(dt.datetime.combine(on, dt.time.min))
    Invitation.objects.filter(member=member, attendance="", meeting__starts_at__gte=start).exclude(
        meeting__state__in=[State.HELD, State.CANCELLED]).delete()


def open_exemption(member: Member) -> Exemption | None:
    return Exemption.objects.filter(member_id=member.pk, returned_on__isnull=True).order_by("-resolved_on").first()


@transaction.atomic
def end_exemption(member: Member, *, actor: Any, asked_on: dt.date, returned_on: dt.date,
                  resolution: str) -> Exemption:
    """The return: the member asks, the cell resolves; their status before the exemption comes back."""
    _require(actor, member, Perm.MEMBERS_PROPOSE, member.unit_path)
    member = _lock(member)
    exemption = open_exemption(member)
    errors: dict[str, list[str]] = {}
    if member.status != Status.EXEMPTED or exemption is None:
        raise DomainError(_("This member is not exempted: there is nothing to end."))
    _need(errors, resolution=resolution)
    _check_day(errors, "asked_on", asked_on, not_before=exemption.resolved_on, what=_("the exemption began then"))
    _check_day(errors, "returned_on", returned_on, not_before=max(asked_on or exemption.resolved_on,
                                                                   exemption.resolved_on),
               what=_("the member asked, or the exemption began, then"))
    _refuse(_("The return was not recorded: correct the fields marked below."), errors)
    return _return(member, exemption, actor=actor, asked_on=asked_on, on=returned_on, resolution=resolution.strip())


def _return(member: Member, exemption: Exemption, *, actor: Any, asked_on: dt.date | None, on: dt.date,
            resolution: str) -> Exemption:
    exemption.return_asked_on, exemption.returned_on, exemption.return_resolution = asked_on, on, resolution
    exemption.save(update_fields=["return_asked_on", "returned_on", "return_resolution"])
    change_status(member, actor=actor, status=exemption.status_before, on=on)
    audit.record("members.exemption_ended", actor=actor, obj=member, unit_path=member.unit_path, payload={
        "exemption": exemption.pk, "on": on.isoformat(), "resolution": resolution})
    return exemption


def end_working_away_exemptions(today: dt.date | None = None) -> int:
    """The daily job: temporary exemptions whose planned end has passed end on the day after it."""
    today = today or timezone.localdate()
    done = 0
    for exemption in Exemption.objects.filter(returned_on__isnull=True, ends_on__lt=today).order_by("pk"):
        with transaction.atomic():
            member = _lock(exemption.member)
            if member.status == Status.EXEMPTED:
                assert exemption.ends_on is not None
                _return(member, exemption, actor=None, asked_on=None, on=exemption.ends_on + dt.timedelta(days=1),
                        resolution=_("End of the temporary exemption"))
                done += 1
    return done


# ---- removal from the list ----------------------------------------------------------------------

@transaction.atomic
def propose_removal(member: Member, *, actor: Any, ground: str, proposed_on: dt.date, proposal: str,
                    note: str = "", year: int | None = None) -> Removal:
    """The cell's proposal with its ground; the evidence the data shows for it is stored with it."""
    _require(actor, member, Perm.MEMBERS_PROPOSE, member.unit_path)
    member = _lock(member)
    errors: dict[str, list[str]] = {}
    _status_problem(errors, member, rules.ACTIVE)
    _need(errors, proposal=proposal)
    _check_day(errors, "proposed_on", proposed_on, member=member)
    if ground not in RemovalGround.values:
        errors.setdefault("ground", []).append(_("Choose a ground."))
    elif ground == RemovalGround.NOT_RECOGNISED and member.status != Status.PROBATIONARY:
        errors.setdefault("ground", []).append(_(
            "This ground is for a probationary member who was not recognised; %(name)s is %(status)s: "
            "choose another ground.") % {"name": member.full_name, "status": member.get_status_display().lower()})
    if Removal.objects.filter(member=member, state=RemovalState.PROPOSED).exists():
        errors.setdefault("ground", []).append(_("A proposal for this member already awaits the committee."))
    shown = {g.ground: g.evidence for g in grounds.member_grounds(member, year or (proposed_on or
                                                                                    timezone.localdate()).year)}
    evidence = shown.get(ground, {})
    if not evidence and not note.strip():
        errors.setdefault("note", []).append(_(
            "The registry shows no evidence for this ground: describe it (dates, the cell's records)."))
    _refuse(_("The proposal was not recorded: correct the fields marked below."), errors)
    removal = Removal.objects.create(
        member=member, cell=member.unit, unit_path=member.unit_path, ground=ground, evidence=evidence,
        note=note.strip(), proposed_on=proposed_on, proposal=proposal.strip())
    audit.record("members.removal_proposed", actor=actor, obj=member, unit_path=member.unit_path, payload={
        "removal": removal.pk, "ground": ground, "on": proposed_on.isoformat(), "proposal": removal.proposal,
        "evidence": evidence})
    return removal


def _pending(removal: Removal, actor: Any) -> tuple[Removal, Member, Unit]:
    member = _lock(removal.member)
    path = competent_path(member)
    _require(actor, member, Perm.MEMBERS_DECIDE, path)
    removal = Removal.objects.select_for_update().get(pk=removal.pk)
    if removal.state != RemovalState.PROPOSED:
        raise DomainError(_("This proposal was already decided."))
    committee = Unit.objects.get(path=path)
    return removal, member, committee


@transaction.atomic
def decide_removal(removal: Removal, *, actor: Any, decided_on: dt.date, decision: str) -> Removal:
    """The competent committee removes the member from the list: status REMOVED from
    ``decided_on``, a party-age gap opened, the member told."""
    removal, member, committee = _pending(removal, actor)
    errors: dict[str, list[str]] = {}
    _status_problem(errors, member, rules.ACTIVE)
    _need(errors, decision=decision)
    _check_day(errors, "decided_on", decided_on, not_before=max(removal.proposed_on, member.status_since
                                                                or removal.proposed_on),
               what=_("the cell's proposal, or the member's current status"))
    _refuse(_("The removal was not recorded: correct the fields marked below."), errors)
    removal.state, removal.decided_on, removal.decision = RemovalState.DECIDED, decided_on, decision.strip()
    removal.decided_by, removal.status_before = committee, member.status
    removal.save(update_fields=["state", "decided_on", "decision", "decided_by", "status_before"])
    _close_exemption(member, decided_on)
    close_for_departure(member, on=decided_on, actor=actor)
    change_status(member, actor=actor, status=Status.REMOVED, on=decided_on)
    party_age.open_gap(member, kind=GapKind.REMOVED, on=decided_on, note=removal.decision)
    audit.record("members.removed", actor=actor, obj=member, unit_path=member.unit_path, payload={
        "removal": removal.pk, "on": decided_on.isoformat(), "decision": removal.decision, "by": committee.code})
    _tell(member, "removal", removal.pk, _("You were removed from the party list"), _(
        "%(committee)s decided on %(day)s (decision %(number)s) to remove you from the list of party members. "
        "You may lodge a complaint within one month.") % {
        "committee": committee.name, "day": decided_on.strftime("%d/%m/%Y"), "number": removal.decision})
    return removal


@transaction.atomic
def reject_removal(removal: Removal, *, actor: Any, decided_on: dt.date, refusal: str) -> Removal:
    """The committee does not remove the member: the proposal is closed with the reason."""
    removal, member, committee = _pending(removal, actor)
    errors: dict[str, list[str]] = {}
    _need(errors, refusal=refusal)
    _check_day(errors, "decided_on", decided_on, not_before=removal.proposed_on, what=_("the cell's proposal"))
    _refuse(_("The refusal was not recorded: correct the fields marked below."), errors)
    removal.state, removal.decided_on, removal.refusal = RemovalState.REJECTED, decided_on, refusal.strip()
    removal.decided_by = committee
    removal.save(update_fields=["state", "decided_on", "refusal", "decided_by"])
    audit.record("members.removal_rejected", actor=actor, obj=member, unit_path=member.unit_path, payload={
        "removal": removal.pk, "on": decided_on.isoformat(), "reason": removal.refusal})
    return removal


def _close_exemption(member: Member, on: dt.date) -> None:
    """An exempted member who leaves: the exemption ends with their membership."""
    Exemption.objects.filter(member_id=member.pk, returned_on__isnull=True).update(returned_on=on)


def _tell(member: Member, what: str, pk: int, title: str, body: str) -> None:
    from chibo.accounts.models import User
    from chibo.notifications.models import Kind
    from chibo.notifications.services import Message, notify

    users = list(User.objects.filter(member_id=member.pk).values_list("pk", flat=True))
    if users:
        message = Message(Kind.MEMBERSHIP, title, body, "", f"leaving.{what}.{pk}")
        transaction.on_commit(lambda: notify(users, [message]))


# ---- discipline, resignation, death -------------------------------------------------------------

@transaction.atomic
def discipline(member: Member, *, actor: Any, kind: str, decided_on: dt.date, body: str, decision: str,
               reason: str, bars_readmission: bool = False) -> Discipline:
    """A sanction: the cell reprimands and warns; the committee dismisses from post and expels.
    An expulsion sets EXPELLED from ``decided_on`` and opens a party-age gap."""
    committee_level = kind not in rules.CELL_SANCTIONS
    path = competent_path(member) if committee_level else member.unit_path
    _require(actor, member, Perm.MEMBERS_DECIDE if committee_level else Perm.MEMBERS_PROPOSE, path)
    member = _lock(member)
    errors: dict[str, list[str]] = {}
    if kind not in DisciplineKind.values:
        errors.setdefault("kind", []).append(_("Choose a sanction."))
    _status_problem(errors, member, rules.ACTIVE)
    _need(errors, body=body, decision=decision, reason=reason)
    _check_day(errors, "decided_on", decided_on, member=member)
    _refuse(_("The sanction was not recorded: correct the fields marked below."), errors)
    expelled = kind == DisciplineKind.EXPULSION
    record = Discipline.objects.create(
        member=member, kind=kind, decided_on=decided_on, body=body.strip(), decision=decision.strip(),
        unit=Unit.objects.get(path=path), reason=reason.strip(), bars_readmission=expelled and bars_readmission,
        status_before=member.status)
    if expelled:
        _close_exemption(member, decided_on)
        close_for_departure(member, on=decided_on, actor=actor)
        change_status(member, actor=actor, status=Status.EXPELLED, on=decided_on)
        party_age.open_gap(member, kind=GapKind.EXPELLED, on=decided_on, note=record.decision)
        _tell(member, "expulsion", record.pk, _("You were expelled from the party"), _(
            "%(body)s decided on %(day)s (decision %(number)s) to expel you. You may lodge a complaint within one "
            "month.") % {"body": record.body, "day": decided_on.strftime("%d/%m/%Y"), "number": record.decision})
    audit.record("members.disciplined", actor=actor, obj=member, unit_path=member.unit_path, payload={
        "discipline": record.pk, "kind": kind, "on": decided_on.isoformat(), "decision": record.decision,
        "body": record.body, "bars_readmission": record.bars_readmission})
    return record


@transaction.atomic
def resign(member: Member, *, actor: Any, on: dt.date, decision: str, cause: str = "") -> Departure:
    """The committee accepts the member's resignation: RESIGNED from ``on`` (never readmitted)."""
    return _depart(member, actor=actor, kind=DepartureKind.RESIGNED, on=on, decision=decision, cause=cause)


@transaction.atomic
def record_death(member: Member, *, actor: Any, on: dt.date, cause: str, report: str = "") -> Departure:
    """The cell reports a member's death: DECEASED from ``on``."""
    return _depart(member, actor=actor, kind=DepartureKind.DECEASED, on=on, decision=report, cause=cause)


def _depart(member: Member, *, actor: Any, kind: str, on: dt.date, decision: str, cause: str) -> Departure:
    resigned = kind == DepartureKind.RESIGNED
    path = competent_path(member) if resigned else member.unit_path
    _require(actor, member, Perm.MEMBERS_DECIDE if resigned else Perm.MEMBERS_PROPOSE, path)
    member = _lock(member)
    errors: dict[str, list[str]] = {}
    _status_problem(errors, member, rules.ACTIVE)  # a former member's death is not a decrease: not here
    if resigned:
        _need(errors, decision=decision)
    else:
        _need(errors, cause=cause)
    _check_day(errors, "on", on, member=member)
    _refuse(_("Nothing was recorded: correct the fields marked below."), errors)
    departure = Departure.objects.create(member=member, kind=kind, on=on, cause=cause.strip(),
                                         decision=decision.strip(), unit=Unit.objects.get(path=path),
                                         status_before=member.status)
    _close_exemption(member, on)
    close_for_departure(member, on=on, actor=actor)
    change_status(member, actor=actor, status=Status.RESIGNED if resigned else Status.DECEASED, on=on)
    audit.record("members.resigned" if resigned else "members.deceased", actor=actor, obj=member,
                 unit_path=member.unit_path, payload={"departure": departure.pk, "on": on.isoformat(),
                                                      "decision": departure.decision, "cause": departure.cause})
    return departure
