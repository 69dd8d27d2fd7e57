"""A whole cell's members transferred at once (an enterprise closes): one operation, all or nothing.

Every member and every destination is checked before anything is written, with the same checks as
one transfer's decision and acceptance (``services.decision_problems``, ``acceptance_problems``);
a refusal names the member who cannot go and nothing is recorded. Then the transfers are written in
bulk (one batch id), their placements and tallies moved together (``services.move_many``), and one
audit line records the batch: a few queries per destination, whatever the number of members.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext as _

from chibo.core import audit
from chibo.core.errors import DomainError
from chibo.members.enums import Status
from chibo.members.models import Member
from chibo.members.transfers import reminders, rules, services
from chibo.members.transfers.enums import Reason, State, TransferKind
from chibo.members.transfers.models import Transfer
from chibo.org.models import Unit

LETTER_SUFFIX = "/GTSHĐ"


@transaction.atomic
def transfer_cell(cell: Unit, *, actor: Any, to_unit: Unit, decided_on: dt.date, decided_by: str,
                  decision_number: str = "", reason: str = Reason.ORGANIZATION_CLOSED,
                  destinations: dict[int, Unit] | None = None, letters_on: dt.date | None = None,
                  accept_into: dict[int, Unit] | Unit | None = None) -> list[Transfer]:
    """Every active member of ``cell``, each to ``destinations[member id]`` or else ``to_unit``;
    with ``letters_on`` the letters are handed over that day, and with ``accept_into`` (a cell, or
    a cell per member id; within the actor's scope) the receiver accepts them that day too."""
    services.require_sender(actor, cell.path)
    members = list(Member.objects.select_for_update(of=("self",)).select_related("unit")
                   .filter(unit=cell, status__in=Status.active()).order_by("name_folded", "pk"))
    destinations = destinations or {}
    services.raise_if(_cell_problems(cell, members, destinations),
                    _("The members of %(cell)s were not transferred.") % {"cell": cell.name})
    if accept_into is not None and letters_on is None:
        letters_on = decided_on  # accepted at once: the letters are handed over the same day
    targets = {m.pk: destinations.get(m.pk, to_unit) for m in members}
    into = {m.pk: accept_into.get(m.pk) if isinstance(accept_into, dict) else accept_into for m in members}
    batch = uuid.uuid4().hex
    transfers = _transfers(members, targets, into, reason=reason, decided_on=decided_on, decided_by=decided_by,
                           decision_number=decision_number, letters_on=letters_on, batch=batch)
    _check(actor, cell, members, transfers, into, letters_on)
    Transfer.objects.bulk_create(transfers)
    if letters_on is not None:
        Transfer.objects.filter(batch=batch).update(
            letter_number=Concat(Cast("id", CharField()), Value(LETTER_SUFFIX), output_field=CharField()))
    accepted = [m for m in members if into[m.pk] is not None]
    if accepted:
        services.move_many(accepted, {m.pk: into[m.pk] for m in accepted}, letters_on, decision_number)  # type: ignore[misc,arg-type]
        _lateness(accepted, transfers)
    audit.record("members.transfer_cell", actor=actor, obj=cell, unit_path=cell.path, payload={
        "batch": batch, "count": len(members), "to": sorted({u.code for u in targets.values()}),
        "on": decided_on.isoformat(), "letters_on": letters_on.isoformat() if letters_on else None,
        "accepted": len(accepted)})
    if letters_on is not None and not accepted:
        ids = list(Transfer.objects.filter(batch=batch).values_list("pk", flat=True))
        transaction.on_commit(lambda: [reminders.letter_sent(pk) for pk in ids])
    return list(Transfer.objects.filter(batch=batch).select_related("member").order_by("pk"))


def _cell_problems(cell: Unit, members: list[Member], destinations: dict[int, Unit]) -> dict[str, list]:
    """Every reason a member of the cell cannot go, each naming them (checked before any write)."""
    errors: dict[str, list] = {"cell": [], "member": []}
    if not members:
        errors["cell"].append(_("%(cell)s has no active member to transfer.") % {"cell": cell.name})
    ids = {m.pk for m in members}
    others = Member.objects.filter(pk__in=[pk for pk in destinations if pk not in ids]).values_list(
        "full_name", "status")
    errors["member"] += [_("%(name)s is not an active member of %(cell)s (%(status)s): nothing was moved.")
                         % {"name": name, "cell": cell.name, "status": Status(status).label} for name, status in others]
    opened = services.open_transfers(ids)
    for member in members:
        errors["member"] += [f"{p} " + _("Nothing was moved.")
                             for p in services.member_problems(member, opened.get(member.pk))]
    return {k: v for k, v in errors.items() if v}


def _transfers(members: list[Member], targets: dict[int, Unit], into: dict[int, Unit | None], *, reason: str,
               decided_on: dt.date, decided_by: str, decision_number: str, letters_on: dt.date | None,
               batch: str) -> list[Transfer]:
    """The transfers of the batch, in the state they end in (not saved)."""
    places = services.places_of([members[0].unit, *targets.values()]) if members else {}
    start_by = rules.start_by(decided_on)
    present_by = rules.present_by(letters_on) if letters_on is not None else None
    found = []
    for member in members:
        transfer = services.new_transfer(
            member, kind=TransferKind.OFFICIAL, reason=reason, to_unit=targets[member.pk], decided_on=decided_on,
            decided_by=decided_by, decision_number=decision_number, temporary_until=None, places=places,
            start_by=start_by, batch=batch)
        if letters_on is not None:
            transfer.state, transfer.left_on, transfer.present_by = State.LEFT, letters_on, present_by
        if into[member.pk] is not None:
            transfer.state, transfer.cell = State.ACCEPTED, into[member.pk]
            transfer.presented_on = transfer.accepted_on = letters_on
        found.append(transfer)
    return found


def _check(actor: Any, cell: Unit, members: list[Member], transfers: list[Transfer], into: dict[int, Unit | None],
           letters_on: dt.date | None) -> None:
    """The checks of a decision and an acceptance, once per destination; the refusal names the
    first member each problem stops."""
    accepted = [m for m in members if into[m.pk] is not None]
    if accepted and letters_on is not None and (later := services.placement_problems(accepted, letters_on)):
        raise DomainError(_("The members of %(cell)s were not transferred.") % {"cell": cell.name},
                          {"letters_on": later})
    seen: set[tuple[int, int | None]] = set()
    for member, transfer in zip(members, transfers, strict=True):
        key = (transfer.to_unit.pk, into[member.pk].pk if into[member.pk] is not None else None)  # type: ignore[union-attr]
        if key in seen:
            continue
        seen.add(key)
        errors = services.decision_problems(
            member, kind=transfer.kind, reason=transfer.reason, to_unit=transfer.to_unit,
            decided_on=transfer.decided_on, decided_by=transfer.decided_by, temporary_until=None)
        if letters_on is not None:
            services.check_day(letters_on, transfer.decided_on, errors, "letters_on")
        target = into[member.pk]
        if target is not None:
            errors.update(services.acceptance_problems(actor, transfer, member, target, transfer.accepted_on))  # type: ignore[arg-type]
        if errors:
            detail = {k: [f"{member.full_name}: {m}" for m in v] for k, v in errors.items()}
            raise DomainError(_("The members of %(cell)s were not transferred: %(name)s cannot go. Nothing was moved.")
                              % {"cell": cell.name, "name": member.full_name}, detail)


def _lateness(accepted: list[Member], transfers: list[Transfer]) -> None:
    """A batch handed over after its start-by day: the days beyond it are gaps in party age."""
    by_member = {t.member_id: t for t in transfers}
    first = by_member[accepted[0].pk]
    assert first.left_on is not None and first.present_by is not None and first.accepted_on is not None
    if not rules.late_periods(start_by=first.start_by, left_on=first.left_on, present_by=first.present_by,
                              presented_on=first.accepted_on):
        return
    for member in accepted:
        transfer = by_member[member.pk]
        transfer.late_days = services.record_lateness(member, transfer, transfer.accepted_on)  # type: ignore[arg-type]
        Transfer.objects.filter(member=member, batch=transfer.batch).update(late_days=transfer.late_days)
