"""Every write of a transfer of party activity, as a verb (ARCHITECTURE.md §2).

Who does what (docs/decisions/0010-transfers.md): the sending side (``MEMBERS_CHANGE`` or
``MEMBERS_DECIDE`` on the sending cell: its committee's leaders or organization board) records the
decision, hands the letter over and may cancel; the receiving side (``MEMBERS_CHANGE`` on the
receiving unit) records the letter presented and accepts, choosing the cell. Until the acceptance
the member stays where they are (in transit): placement, tallies and reports unchanged; the
acceptance moves them on its day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core import audit
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.members import party_age, tallies
from chibo.members.enums import GapKind, PlacementKind, Status
from chibo.members.models import Member, Placement
from chibo.members.transfers import rules
from chibo.members.transfers.enums import Reason, State, Step, TransferKind
from chibo.members.transfers.models import OPEN, Transfer
from chibo.org import paths
from chibo.org.enums import UnitKind
from chibo.org.models import Unit

SENDER_PERMS = (Perm.MEMBERS_CHANGE, Perm.MEMBERS_DECIDE)


def may_send(actor: Any, path: str) -> bool:
    return any(policy.can(actor, perm, path) for perm in SENDER_PERMS)


def may_receive(actor: Any, path: str) -> bool:
    return policy.can(actor, Perm.MEMBERS_CHANGE, path)


def require_sender(actor: Any, path: str, seen_from: str | None = None) -> None:
    """The sending side's steps; ``seen_from``: the receiving unit's path (the receiver sees the
    transfer, so it is refused, not "not found")."""
    seen = policy.can(actor, Perm.MEMBERS_VIEW, path) or (
        seen_from is not None and policy.can(actor, Perm.MEMBERS_VIEW, seen_from))
    if not seen:
        raise NotFound("transfer")
    if not may_send(actor, path):
        raise PermissionDenied(_("Only the sending committee (its leaders or organization board) records this step."))


def require_receiver(actor: Any, transfer: Transfer) -> None:
    if not (policy.can(actor, Perm.MEMBERS_VIEW, transfer.to_path)
            or policy.can(actor, Perm.MEMBERS_VIEW, transfer.from_path)):
        raise NotFound("transfer")
    if not may_receive(actor, transfer.to_path):
        raise PermissionDenied(_("Only the receiving committee's organization board records this step."))


def check_day(on: dt.date, after: dt.date | None, errors: dict[str, list], field: str = "on") -> None:
    if on > timezone.localdate():
        errors.setdefault(field, []).append(_("This day is in the future."))
    if after is not None and on < after:
        errors.setdefault(field, []).append(
            _("This day is before the previous step (%(day)s).") % {"day": after.strftime("%d/%m/%Y")})


def raise_if(errors: dict[str, list], message: str | None = None) -> None:
    if errors:
        raise DomainError(message or _("Nothing was recorded: correct the fields marked below."), errors)


def places_of(units: Iterable[Unit]) -> dict[int, rules.Place]:
    """The grassroots organization and the province above each unit (one query for them all)."""
    units = list({u.pk: u for u in units}.values())
    kinds = dict(Unit.objects.filter(path__in={p for u in units for p in paths.ancestors(u.path)})
                 .values_list("path", "kind"))
    found = {}
    for unit in units:
        chain = [(p, kinds.get(p)) for p in paths.ancestors(unit.path)]
        grassroots = [p for p, kind in chain if kind in UnitKind.grassroots()]
        provinces = [p for p, kind in chain if kind == UnitKind.PROVINCE]
        found[unit.pk] = rules.Place(grassroots=grassroots[-1] if grassroots else None,
                                     province=provinces[0] if provinces else None)
    return found


def open_transfers(member_ids: Iterable[int]) -> dict[int, Transfer]:
    rows = Transfer.objects.filter(OPEN, member_id__in=list(member_ids)).select_related("to_unit")
    return {t.member_id: t for t in rows}


def member_problems(member: Member, open_one: Transfer | None) -> list[str]:
    problems = []
    if member.status not in Status.active():
        problems.append(_("%(name)s is %(status)s: only an active member can be transferred.")
                        % {"name": member.full_name, "status": member.get_status_display().lower()})
    if open_one is not None:
        problems.append(_("%(name)s is already in a transfer to %(unit)s (decided %(day)s): finish or cancel it first.")
                        % {"name": member.full_name, "unit": open_one.to_unit.name,
                           "day": open_one.decided_on.strftime("%d/%m/%Y")})
    return problems


def _to_unit_problems(member: Member, to_unit: Unit) -> list[str]:
    problems = []
    if not to_unit.is_open:
        problems.append(_("This unit is closed; name its successor."))
    if to_unit.kind == UnitKind.CENTRAL or to_unit.kind == UnitKind.PARTY_GROUP:
        problems.append(_("Name a committee or a cell."))
    if to_unit.pk == member.unit_id:
        problems.append(_("The member is already in this cell."))
    return problems


@transaction.atomic
def decide_transfer(member: Member, *, actor: Any, kind: str, reason: str, to_unit: Unit, decided_on: dt.date,
                    decided_by: str, decision_number: str = "", temporary_until: dt.date | None = None,
                    note: str = "") -> Transfer:
    """The sending committee's decision to transfer ``member`` to ``to_unit`` (a committee or a
    cell, in any province). The member stays in their cell until the receiver accepts."""
    require_sender(actor, member.unit_path)
    member = Member.objects.select_for_update(of=("self",)).select_related("unit").get(pk=member.pk)
    return _decide(member, actor=actor, kind=kind, reason=reason, to_unit=to_unit, decided_on=decided_on,
                   decided_by=decided_by, decision_number=decision_number, temporary_until=temporary_until,
                   note=note, open_one=open_transfers([member.pk]).get(member.pk))


def decision_problems(member: Member, *, kind: str, reason: str, to_unit: Unit, decided_on: dt.date,
                      decided_by: str, temporary_until: dt.date | None) -> dict[str, list]:
    """What is wrong with a decision to send ``member`` (their own state aside)."""
    errors: dict[str, list] = {}
    if problems := _to_unit_problems(member, to_unit):
        errors["to_unit"] = problems
    if kind not in TransferKind.values:
        errors["kind"] = [_("Choose official or temporary.")]
    if reason not in Reason.values:
        errors["reason"] = [_("Choose a reason.")]
    if not decided_by.strip():
        errors["decided_by"] = [_("Name the body that decided (e.g. the commune's Party committee).")]
    check_day(decided_on, None, errors, "decided_on")
    if kind == TransferKind.TEMPORARY and (problem := rules.temporary_problem(reason, decided_on, temporary_until)):
        errors["temporary_until"] = [problem]
    return errors


def new_transfer(member: Member, *, kind: str, reason: str, to_unit: Unit, decided_on: dt.date, decided_by: str,
                 decision_number: str, temporary_until: dt.date | None, places: dict[int, rules.Place],
                 start_by: dt.date, note: str = "", batch: str = "") -> Transfer:
    """The decided transfer (not saved): the letter's type from the places of both units."""
    return Transfer(
        member=member, kind=kind, reason=reason, from_unit=member.unit, from_path=member.unit_path, to_unit=to_unit,
        to_path=to_unit.path, decision_number=decision_number.strip(), decided_on=decided_on,
        decided_by=decided_by.strip(), letter_type=rules.letter_type(kind, places[member.unit_id], places[to_unit.pk]),
        temporary_until=temporary_until if kind == TransferKind.TEMPORARY else None,
        start_by=start_by, batch=batch, note=note.strip()[:255])


def _decide(member: Member, *, actor: Any, kind: str, reason: str, to_unit: Unit, decided_on: dt.date,
            decided_by: str, decision_number: str, temporary_until: dt.date | None, note: str,
            open_one: Transfer | None) -> Transfer:
    errors = decision_problems(member, kind=kind, reason=reason, to_unit=to_unit, decided_on=decided_on,
                               decided_by=decided_by, temporary_until=temporary_until)
    if problems := member_problems(member, open_one):
        errors["member"] = problems
    raise_if(errors, _("The transfer of %(name)s was not recorded.") % {"name": member.full_name})
    transfer = new_transfer(member, kind=kind, reason=reason, to_unit=to_unit, decided_on=decided_on,
                            decided_by=decided_by, decision_number=decision_number, temporary_until=temporary_until,
                            places=places_of([member.unit, to_unit]), start_by=rules.start_by(decided_on), note=note)
    try:
        transfer.save()  # the service's own atomic block is the savepoint
    except IntegrityError as exc:  # a concurrent decision for the same member won
        raise DomainError(_("%(name)s is already in a transfer.") % {"name": member.full_name}) from exc
    audit.record("members.transfer_decided", actor=actor, obj=transfer, unit_path=transfer.from_path,
                 payload={"member": member.pk, "kind": kind, "to": to_unit.code, "on": decided_on.isoformat(),
                          "decision": transfer.decision_number})
    return transfer


def _locked(transfer: Transfer, step: str) -> Transfer:
    transfer = (Transfer.objects.select_for_update(of=("self",))
                .select_related("member", "from_unit", "to_unit").get(pk=transfer.pk))
    if step not in rules.allowed_steps(transfer.state, transfer.kind):
        raise DomainError(_("This step cannot be taken now: the transfer is “%(state)s”.")
                          % {"state": State(transfer.state).label})
    return transfer


@transaction.atomic
def hand_over_letter(transfer: Transfer, *, actor: Any, on: dt.date, letter_number: str = "") -> Transfer:
    """The introduction letter handed to the member (they "leave"): the present-by day starts."""
    require_sender(actor, transfer.from_path, transfer.to_path)
    transfer = _locked(transfer, Step.HAND_OVER)
    errors: dict[str, list] = {}
    check_day(on, transfer.decided_on, errors)
    raise_if(errors)
    transfer.state, transfer.left_on, transfer.present_by = State.LEFT, on, rules.present_by(on)
    transfer.letter_number = letter_number.strip()[:32] or f"{transfer.pk}/GTSHĐ"
    transfer.save(update_fields=["state", "left_on", "present_by", "letter_number", "updated_at"])
    audit.record("members.transfer_letter_handed_over", actor=actor, obj=transfer, unit_path=transfer.from_path,
                 payload={"on": on.isoformat(), "letter": transfer.letter_number})
    transaction.on_commit(lambda: _tell_receiver(transfer.pk))
    return transfer


def _tell_receiver(transfer_id: int) -> None:
    from chibo.members.transfers import reminders

    reminders.letter_sent(transfer_id)


@transaction.atomic
def record_presented(transfer: Transfer, *, actor: Any, on: dt.date) -> Transfer:
    """The member presented the letter to the receiving committee."""
    require_receiver(actor, transfer)
    transfer = _locked(transfer, Step.PRESENT)
    errors: dict[str, list] = {}
    check_day(on, transfer.left_on, errors)
    raise_if(errors)
    transfer.state, transfer.presented_on = State.PRESENTED, on
    transfer.save(update_fields=["state", "presented_on", "updated_at"])
    audit.record("members.transfer_presented", actor=actor, obj=transfer, unit_path=transfer.to_path,
                 payload={"on": on.isoformat()})
    return transfer


@transaction.atomic
def accept_transfer(transfer: Transfer, *, actor: Any, cell: Unit, on: dt.date, excuse_lateness: bool = False,
                    ) -> Transfer:
    """The receiving committee accepts the member into ``cell`` on ``on``: an official transfer
    moves their placement and the tallies on that day; a temporary one attaches them to ``cell``
    (``temp_unit``, a temporary placement) without counting them there."""
    require_receiver(actor, transfer)
    transfer = _locked(transfer, Step.ACCEPT)
    return _accept(transfer, actor=actor, cell=cell, on=on, excuse_lateness=excuse_lateness)


def acceptance_problems(actor: Any, transfer: Transfer, member: Member, cell: Unit, on: dt.date) -> dict[str, list]:
    """What is wrong with accepting ``member`` into ``cell`` on ``on`` (PermissionDenied when the
    actor may not place members there)."""
    errors: dict[str, list] = {}
    check_day(on, transfer.presented_on or transfer.left_on, errors)
    receiving = receiving_unit(transfer)
    if not cell.holds_members or not cell.is_open:
        errors.setdefault("cell", []).append(_("Choose an open cell or grassroots cell."))
    elif receiving is None:
        errors.setdefault("cell", []).append(_("%(unit)s was closed without a successor: the sending committee "
                                               "cancels this transfer and decides a new one.")
                                             % {"unit": transfer.to_unit.name})
    elif not paths.is_within(cell.path, receiving.path):
        errors.setdefault("cell", []).append(_("Choose a cell of %(unit)s.") % {"unit": receiving.name})
    elif not may_receive(actor, cell.path):
        raise PermissionDenied(_("You may not place members in this cell."))
    if cell.pk == member.unit_id:
        errors.setdefault("cell", []).append(_("The member is already in this cell."))
    if member.status not in Status.active():
        errors.setdefault("member", []).append(_("%(name)s is no longer an active member (%(status)s).")
                                               % {"name": member.full_name, "status": member.get_status_display()})
    if problems := placement_problems([member], on):
        errors.setdefault("on", []).extend(problems)
    return errors


def receiving_unit(transfer: Transfer) -> Unit | None:
    """The unit whose cells may take the member: the receiving unit the sender named or, when it
    was closed in transit (merged, split, dissolved), its open successor (None: closed without
    one)."""
    unit: Unit | None = transfer.to_unit
    for _step in range(32):  # a chain of successors (merged, then merged again)
        if unit is None or unit.is_open:
            return unit
        unit = unit.successor
    return None


def placement_problems(members: Iterable[Member], on: dt.date) -> list[str]:
    """An acceptance dated before a member's present official placement began (a restructuring
    moved them later) would overlap it: refused, naming where and when they moved (one query)."""
    later = (Placement.objects.filter(member_id__in=[m.pk for m in members], kind=PlacementKind.OFFICIAL,
                                      valid_to__isnull=True, valid_from__gt=on)
             .select_related("member", "unit").order_by("member__name_folded", "pk"))
    return [_("%(name)s moved to %(unit)s on %(day)s: the acceptance cannot be dated before that day.")
            % {"name": p.member.full_name, "unit": p.unit.name, "day": p.valid_from.strftime("%d/%m/%Y")}
            for p in later]


def _accept(transfer: Transfer, *, actor: Any, cell: Unit, on: dt.date, excuse_lateness: bool) -> Transfer:
    member = Member.objects.select_for_update(of=("self",)).select_related("unit").get(pk=transfer.member_id)
    raise_if(acceptance_problems(actor, transfer, member, cell, on))
    presented = transfer.presented_on or on
    if transfer.kind == TransferKind.OFFICIAL:
        move_many([member], {member.pk: cell}, on, transfer.decision_number)
        if not excuse_lateness:
            transfer.late_days = record_lateness(member, transfer, presented)
    else:
        Placement.objects.create(member=member, unit=cell, kind=PlacementKind.TEMPORARY, valid_from=on,
                                 decision=transfer.decision_number)
        member.temp_unit = cell
        member.save(update_fields=["temp_unit", "updated_at"])
    transfer.state, transfer.cell, transfer.accepted_on, transfer.presented_on = State.ACCEPTED, cell, on, presented
    transfer.save(update_fields=["state", "cell", "accepted_on", "presented_on", "late_days", "updated_at"])
    audit.record("members.transfer_accepted", actor=actor, obj=transfer, unit_path=transfer.to_path,
                 payload={"member": member.pk, "cell": cell.code, "on": on.isoformat(),
                          "late_days": transfer.late_days})
    return transfer


def move_many(members: list[Member], cells: dict[int, Unit], on: dt.date, decision: str) -> None:
    """The official placements close at the sender and open in each member's new cell on ``on``;
    the tallies move along the two chains of each (from, to) pair (their common ancestors keep
    their counts; the sector's columns follow the new cell). A few queries per pair of cells,
    whatever the number of members."""
    ids = [m.pk for m in members]
    current = Placement.objects.filter(member_id__in=ids, kind=PlacementKind.OFFICIAL, valid_to__isnull=True)
    current.update(valid_to=on)  # never after ``on``: placement_problems refused that (no overlap)
    Placement.objects.bulk_create(Placement(member_id=m.pk, unit=cells[m.pk], kind=PlacementKind.OFFICIAL,
                                            valid_from=on, decision=decision) for m in members)
    pairs: dict[tuple[int, int], list[Member]] = defaultdict(list)
    for member in members:
        pairs[(member.unit_id, cells[member.pk].pk)].append(member)
    now = timezone.now()
    for group in pairs.values():
        source, cell = group[0].unit, cells[group[0].pk]
        before = _sum(tallies.member_vector(m, source.sector) for m in group)
        after = _sum(tallies.member_vector(m, cell.sector) for m in group)
        Member.objects.filter(pk__in=[m.pk for m in group]).update(unit=cell, unit_path=cell.path, updated_at=now)
        tallies.move_between(source.path, cell.path, before)
        tallies.apply(cell.path, tallies.subtract(after, before))
        for member in group:
            member.unit, member.unit_path = cell, cell.path


def _sum(vectors: Iterable[tallies.Vector]) -> tallies.Vector:
    total: tallies.Vector = defaultdict(int)
    for vector in vectors:
        for key, n in vector.items():
            total[key] += n
    return dict(total)


def record_lateness(member: Member, transfer: Transfer, presented: dt.date) -> int:
    """The days beyond the start-by and present-by deadlines are gaps in party age."""
    assert transfer.left_on is not None and transfer.present_by is not None
    days = 0
    for start, end in rules.late_periods(start_by=transfer.start_by, left_on=transfer.left_on,
                                         present_by=transfer.present_by, presented_on=presented):
        party_age.record_gap(member, kind=GapKind.TRANSFER, start=start, end=end,
                             note=f"transfer {transfer.pk}")
        days += (end - start).days
    return days


@transaction.atomic
def return_from_temporary(transfer: Transfer, *, actor: Any, on: dt.date) -> Transfer:
    """The end of a temporary stay: the temporary placement closes and ``temp_unit`` is cleared."""
    if not (may_send(actor, transfer.from_path) or may_receive(actor, transfer.to_path)):
        require_sender(actor, transfer.from_path, transfer.to_path)
    transfer = _locked(transfer, Step.RETURN)
    errors: dict[str, list] = {}
    check_day(on, transfer.accepted_on, errors)
    raise_if(errors)
    member = Member.objects.select_for_update().get(pk=transfer.member_id)
    Placement.objects.filter(member=member, kind=PlacementKind.TEMPORARY, unit=transfer.cell,
                             valid_to__isnull=True).update(valid_to=on)
    if member.temp_unit_id == transfer.cell_id:
        member.temp_unit = None
        member.save(update_fields=["temp_unit", "updated_at"])
    transfer.state, transfer.returned_on = State.RETURNED, on
    transfer.save(update_fields=["state", "returned_on", "updated_at"])
    audit.record("members.transfer_returned", actor=actor, obj=transfer, unit_path=transfer.from_path,
                 payload={"on": on.isoformat()})
    return transfer


@transaction.atomic
def cancel_transfer(transfer: Transfer, *, actor: Any, on: dt.date, note: str = "") -> Transfer:
    """The sending committee withdraws a transfer not yet accepted (the member stays)."""
    require_sender(actor, transfer.from_path, transfer.to_path)
    transfer = _locked(transfer, Step.CANCEL)
    errors: dict[str, list] = {}
    check_day(on, transfer.decided_on, errors)
    if not note.strip():
        errors["note"] = [_("Say why the transfer is cancelled.")]
    raise_if(errors)
    transfer.state, transfer.cancelled_on, transfer.note = State.CANCELLED, on, note.strip()[:255]
    transfer.save(update_fields=["state", "cancelled_on", "note", "updated_at"])
    audit.record("members.transfer_cancelled", actor=actor, obj=transfer, unit_path=transfer.from_path,
                 payload={"on": on.isoformat(), "note": transfer.note})
    return transfer


def close_for_departure(member: Member, *, on: dt.date, actor: Any) -> Transfer | None:
    """A member who leaves (dies, resigns, is removed or expelled) on ``on``: their open transfer
    ends that day in the caller's transaction — one in transit is cancelled, a temporary stay ends
    (the temporary placement closes, ``temp_unit`` is cleared). The caller checked the permission."""
    transfer = (Transfer.objects.select_for_update(of=("self",)).filter(OPEN, member_id=member.pk)
                .select_related("member").first())
    if transfer is None:
        return None
    if transfer.state in State.in_transit():
        day = max(on, transfer.decided_on)
        transfer.state, transfer.cancelled_on = State.CANCELLED, day
        transfer.note = (_("Ended: the member left the party register.") + f" {transfer.note}").strip()[:255]
        transfer.save(update_fields=["state", "cancelled_on", "note", "updated_at"])
        action = "members.transfer_cancelled"
    else:
        day = max(on, transfer.accepted_on or on)
        Placement.objects.filter(member_id=member.pk, kind=PlacementKind.TEMPORARY, unit=transfer.cell,
                                 valid_to__isnull=True).update(valid_to=day)
        Member.objects.filter(pk=member.pk, temp_unit=transfer.cell).update(
            temp_unit=None, updated_at=timezone.now())
        member.temp_unit = None
        transfer.state, transfer.returned_on = State.RETURNED, day
        transfer.save(update_fields=["state", "returned_on", "updated_at"])
        action = "members.transfer_returned"
    audit.record(action, actor=actor, obj=transfer, unit_path=transfer.from_path,
                 payload={"on": day.isoformat(), "departure": True, "note": transfer.note})
    return transfer
