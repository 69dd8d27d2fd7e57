"""The reads of leaving: a member's history of these events, the committee's pending proposals,
and what readmission needs to know (when and how the member left)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core.errors import NotFound
from chibo.members.enums import ComplaintOutcome, DisciplineKind, RemovalState, Status
from chibo.members.leaving.models import Complaint, Departure, Exemption, Removal
from chibo.members.models import Discipline, Member
from chibo.org.models import Unit


@dataclass(frozen=True)
class Event:
    on: dt.date
    title: str
    detail: str
    decision: str


@dataclass(frozen=True)
class Record:
    """A member's leaving records, read once for the member page (five indexed queries)."""

    events: list[Event]
    pending_removal: Removal | None
    pending_complaints: list[Complaint]
    contestable: list[Removal | Discipline]  # decided removals and sanctions without a pending complaint


def record_of(member: Member) -> Record:
    exemptions = list(Exemption.objects.filter(member_id=member.pk))
    removals = list(Removal.objects.filter(member_id=member.pk).select_related("decided_by"))
    sanctions = list(Discipline.objects.filter(member_id=member.pk))
    departures = list(Departure.objects.filter(member_id=member.pk))
    complaints = list(Complaint.objects.filter(member_id=member.pk))
    events = _events(exemptions, removals, sanctions, departures, complaints)
    pending = [c for c in complaints if c.outcome == ComplaintOutcome.PENDING]
    busy_removals = {c.removal_id for c in pending}
    busy_sanctions = {c.discipline_id for c in pending}
    contestable: list[Removal | Discipline] = [
        *[r for r in removals if r.state == RemovalState.DECIDED and r.pk not in busy_removals],
        *[d for d in sanctions if d.pk not in busy_sanctions]]
    contestable.sort(key=lambda r: r.decided_on or dt.date.min, reverse=True)
    proposed = next((r for r in removals if r.state == RemovalState.PROPOSED), None)
    return Record(events, proposed, pending, contestable)


def history(member: Member) -> list[Event]:
    """Every leaving event of ``member``, oldest first."""
    return record_of(member).events


def _events(exemptions: list[Exemption], removals: list[Removal], sanctions: list[Discipline],
            departures: list[Departure], complaints: list[Complaint]) -> list[Event]:
    events: list[Event] = []
    for e in exemptions:
        until = _(" until %(day)s") % {"day": e.ends_on.strftime("%d/%m/%Y")} if e.ends_on else ""
        events.append(Event(e.resolved_on, str(e.get_kind_display()) + until, e.reason, e.resolution))
        if e.returned_on:
            events.append(Event(e.returned_on, _("Returned from exemption"), "", e.return_resolution))
    for r in removals:
        events.append(Event(r.proposed_on, _("Removal proposed by the cell"), str(r.get_ground_display()),
                            r.proposal))
        if r.state == RemovalState.DECIDED and r.decided_on:
            events.append(Event(r.decided_on, _("Removed from the list"), r.decided_by.name if r.decided_by else "",
                                r.decision))
        elif r.state == RemovalState.REJECTED and r.decided_on:
            events.append(Event(r.decided_on, _("Removal refused by the committee"), r.refusal, ""))
    for d in sanctions:
        events.append(Event(d.decided_on, str(d.get_kind_display()), f"{d.body}: {d.reason}".strip(": "), d.decision))
    for p in departures:
        events.append(Event(p.on, str(p.get_kind_display()), p.cause, p.decision))
    for c in complaints:
        events.append(Event(c.lodged_on, _("Complaint lodged"), c.text, ""))
        if c.decided_on:
            events.append(Event(c.decided_on, _("Complaint: %(outcome)s") % {"outcome": c.get_outcome_display()},
                                c.body, c.decision))
    return sorted(events, key=lambda e: e.on)


def pending_removals(user: Any, unit: Unit) -> QuerySet[Removal]:
    """The cells' proposals awaiting a decision in ``unit``'s subtree that ``user`` may see."""
    scope = policy.scope_for(user, Perm.MEMBERS_VIEW)
    if not scope.covers(unit.path):
        raise NotFound("unit")
    return (Removal.objects.filter(policy.subtree_q("unit_path", unit.path), state=RemovalState.PROPOSED)
            .select_related("member", "cell").order_by("proposed_on", "pk"))


def get_removal_for_user(user: Any, pk: int) -> Removal:
    removal = Removal.objects.select_related("member__unit", "cell").filter(pk=pk).first()
    if removal is None or not policy.can(user, Perm.MEMBERS_VIEW, removal.member.unit_path):
        raise NotFound("removal")
    return removal


def contestable(member: Member) -> list[Removal | Discipline]:
    """The member's decided removals and sanctions without a pending complaint (newest first)."""
    return record_of(member).contestable


def readmission_facts(member: Member) -> tuple[dt.date | None, bool]:
    """When a former member left according to this app's records (the removal or expulsion
    decision, the resignation), and whether its ground bars readmission for ever (an expulsion so
    decided). ``(None, False)`` when no record says (a record imported as former)."""
    if member.status == Status.REMOVED:
        day = (Removal.objects.filter(member_id=member.pk, state=RemovalState.DECIDED)
               .order_by("-decided_on").values_list("decided_on", flat=True).first())
        return day, False
    if member.status == Status.EXPELLED:
        row = (Discipline.objects.filter(member_id=member.pk, kind=DisciplineKind.EXPULSION)
               .order_by("-decided_on", "-pk").values_list("decided_on", "bars_readmission").first())
        return (row[0], row[1]) if row else (None, False)
    if member.status == Status.RESIGNED:
        day = (Departure.objects.filter(member_id=member.pk, kind="resigned")
               .order_by("-on").values_list("on", flat=True).first())
        return day, False
    return None, False
