"""Every write to the member registry, as a verb (ARCHITECTURE.md §2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core import audit
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.core.text import fold, normalize_name
from chibo.members import party_age, rules, tallies
from chibo.members.enums import GapKind, PlacementKind, Status
from chibo.members.models import Member, Placement
from chibo.org.enums import Sector
from chibo.org.models import Unit

PROFILE_FIELDS = (
    "full_name", "birth_name", "sex", "birth_date", "citizen_id", "phone", "email", "ethnicity",
    "religion", "home_town", "birth_place", "residence", "education_grade", "qualification",
    "political_theory", "foreign_language", "occupation_before", "occupation", "youth_union",
    "is_army", "is_police", "is_retired", "admission_date", "ceremony_date", "ceremony_place",
    "official_date", "card_number", "background_sheet_no", "status",
)


def _require_change(actor: Any, unit: Unit, member: Member | None = None) -> None:
    own = member is not None and getattr(actor, "member_id", None) == member.pk
    if not own and not policy.can(actor, Perm.MEMBERS_VIEW, unit.path):
        raise NotFound("member")
    if not policy.can(actor, Perm.MEMBERS_CHANGE, unit.path):
        raise PermissionDenied(_("You may view but not change the members of this unit."))


def _check_unit(unit: Unit, errors: dict[str, list]) -> None:
    if not unit.holds_members:
        errors.setdefault("unit", []).append(_("Members are placed in a cell or a grassroots cell."))
    if not unit.is_open:
        errors.setdefault("unit", []).append(_("This unit is closed; choose its successor."))


def _check_unique(data: dict[str, Any], errors: dict[str, list], exclude: int | None = None) -> None:
    others = Member.objects.exclude(pk=exclude) if exclude is not None else Member.objects.all()
    living = others.exclude(status=Status.DECEASED)
    if data.get("citizen_id") and "citizen_id" not in errors and data.get("status") != Status.DECEASED \
            and living.filter(citizen_id=data["citizen_id"]).exists():
        errors["citizen_id"] = [_("Another living member already has this citizen ID.")]
    card = data.get("card_number")
    if card and others.filter(card_number=card).exists():
        errors["card_number"] = [_("Another member already has this party card number.")]


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    if "full_name" in out:
        out["full_name"] = normalize_name(out["full_name"] or "")
    for key in ("phone", "citizen_id"):
        if out.get(key):
            out[key] = str(out[key]).replace(" ", "")
    if out.get("card_number") == "":
        out["card_number"] = None
    return out


@transaction.atomic
def create_member(*, actor: Any, unit: Unit, data: dict[str, Any], on: dt.date | None = None) -> Member:
    """Register a member in ``unit`` (a cell) from profile ``data``; opens their first placement."""
    _require_change(actor, unit)
    return register(actor=actor, unit=unit, data=data, on=on)


def register(*, actor: Any, unit: Unit, data: dict[str, Any], on: dt.date | None = None) -> Member:
    """:func:`create_member` for a service that checked its own permission (an admission decision)."""
    today = timezone.localdate()
    data = _clean({k: v for k, v in data.items() if k in PROFILE_FIELDS})
    errors = {k: [str(m) for m in v] for k, v in rules.profile_problems(data, today=today).items()}
    _check_unit(unit, errors)
    _check_unique(data, errors)
    if errors:
        raise DomainError(_("The member was not saved: correct the fields marked below."), errors)
    member = Member(**data, unit=unit, unit_path=unit.path, name_folded=fold(data["full_name"]))
    member.status_since = _status_since(member) or on or today
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as exc:  # a concurrent insert won the race for the same citizen ID
        duplicate = {"citizen_id": [_("Another living member already has this citizen ID.")]}
        raise DomainError(_("The member was not saved."), duplicate) from exc
    Placement.objects.create(member=member, unit=unit, valid_from=member.admission_date or on or today)
    tallies.apply(unit.path, tallies.member_vector(member, unit.sector))
    audit.record("members.created", actor=actor, obj=member, unit_path=unit.path,
                 payload={k: _jsonable(v) for k, v in data.items()})
    return member


def _status_since(member: Member) -> dt.date | None:
    if member.status == Status.OFFICIAL:
        return member.official_date
    if member.status == Status.PROBATIONARY:
        return member.ceremony_date or member.admission_date
    return None


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


@transaction.atomic
def update_member(member: Member, *, actor: Any, changes: dict[str, Any]) -> Member:
    """Change profile fields of ``member``; only the fields given are validated and saved."""
    _require_change(actor, member.unit, member)
    member = Member.objects.select_for_update().select_related("unit").get(pk=member.pk)
    changes = _clean({k: v for k, v in changes.items() if k in PROFILE_FIELDS})
    changed = {k: v for k, v in changes.items() if getattr(member, k) != v}
    if not changed:
        return member
    merged = {f: getattr(member, f) for f in PROFILE_FIELDS} | changed
    problems = rules.profile_problems(merged, today=timezone.localdate())
    errors = {k: [str(m) for m in v] for k, v in problems.items()}
    _check_unique(merged, errors, exclude=member.pk)
    if errors:
        raise DomainError(_("The member was not saved: correct the fields marked below."), errors)
    before = tallies.member_vector(member, member.unit.sector)
    for key, value in changed.items():
        setattr(member, key, value)
    fields = list(changed)
    if "full_name" in changed:
        member.name_folded = fold(member.full_name)
        fields.append("name_folded")
    if "status" in changed:
        member.status_since = timezone.localdate()
        fields.append("status_since")
    member.save(update_fields=[*fields, "updated_at"])
    tallies.apply(member.unit_path, tallies.subtract(tallies.member_vector(member, member.unit.sector), before))
    audit.record("members.updated", actor=actor, obj=member, unit_path=member.unit_path,
                 payload={k: _jsonable(v) for k, v in changed.items()})
    return member


def change_status(member: Member, *, actor: Any, status: str, on: dt.date, **dates: dt.date) -> Member:
    """Set ``member``'s status from ``on`` (and dates such as ``official_date``), keeping the
    tallies; for a service that checked its own permission (recognition, removal in probation)."""
    member = Member.objects.select_for_update().select_related("unit").get(pk=member.pk)
    before = tallies.member_vector(member, member.unit.sector)
    member.status, member.status_since = status, on
    for key, value in dates.items():
        setattr(member, key, value)
    member.save(update_fields=["status", "status_since", *dates, "updated_at"])
    tallies.apply(member.unit_path, tallies.subtract(tallies.member_vector(member, member.unit.sector), before))
    audit.record("members.status_changed", actor=actor, obj=member, unit_path=member.unit_path,
                 payload={"status": status, "on": on.isoformat(), **{k: _jsonable(v) for k, v in dates.items()}})
    return member


def readmit(member: Member, *, actor: Any, unit: Unit, on: dt.date, left_on: dt.date | None = None,
            barred_ground: bool = False) -> Member:
    """A former member admitted again: the same record, probationary in ``unit`` from ``on``;
    for a service that checked its own permission (an admission decision).

    The record's own leaving day and status are checked again here (``left_on`` only fills in a
    day the record lacks; ``barred_ground``: the case says they left on a ground that bars it)."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status not in rules.FORMER:
        raise DomainError(_("Only a former member can be readmitted."))
    from chibo.members.leaving.queries import readmission_facts  # the removal / expulsion / resignation records

    recorded_on, recorded_bar = readmission_facts(member)
    refusal = rules.readmission_refusal(left_as=member.status, left_on=recorded_on or member.status_since or left_on,
                                        barred_ground=barred_ground or recorded_bar, on=on)
    if refusal is not None:
        raise DomainError(_("The former member was not readmitted."), {"left_on": [refusal.message]})
    _close_membership_gap(member, on)
    Placement.objects.filter(member=member, valid_to__isnull=True).update(valid_to=on)
    Placement.objects.create(member=member, unit=unit, valid_from=on)
    member.status, member.status_since, member.admission_date = Status.PROBATIONARY, on, on
    member.ceremony_date = member.official_date = member.temp_unit = member.card_number = None
    member.ceremony_place = ""  # the card and the ceremony are the new membership's
    member.unit, member.unit_path = unit, unit.path
    member.save(update_fields=["status", "status_since", "admission_date", "ceremony_date", "ceremony_place",
                               "official_date", "card_number", "temp_unit", "unit", "unit_path", "party_since",
                               "updated_at"])
    tallies.apply(unit.path, tallies.member_vector(member, unit.sector))
    audit.record("members.readmitted", actor=actor, obj=member, unit_path=unit.path, payload={"on": on.isoformat()})
    return member


def _close_membership_gap(member: Member, on: dt.date) -> None:
    """Party age keeps the first admission: the time away is a gap (opened by the removal or
    expulsion; for a record that left before gaps were kept, from its leaving day)."""
    if party_age.close_gap(member, on=on) is None and member.admission_date and member.status_since:
        gap_kind = GapKind.EXPELLED if member.status == Status.EXPELLED else GapKind.REMOVED
        party_age.record_gap(member, kind=gap_kind, start=member.status_since, end=on)
    member.party_since = member.party_since or member.admission_date


@transaction.atomic
def transfer_member(member: Member, *, actor: Any, to_unit: Unit, on: dt.date, decision: str = "",
                    kind: str = PlacementKind.OFFICIAL) -> Member:
    """Move ``member`` to ``to_unit`` (official) or attach them there temporarily."""
    _require_change(actor, member.unit, member)
    if not policy.can(actor, Perm.MEMBERS_CHANGE, to_unit.path):
        raise PermissionDenied(_("You may not place members in the receiving unit."))
    member = Member.objects.select_for_update().select_related("unit").get(pk=member.pk)
    errors: dict[str, list] = {}
    _check_unit(to_unit, errors)
    if not member.is_active:
        errors.setdefault("status", []).append(_("Only active members can be transferred."))
    if to_unit.pk == member.unit_id:
        errors.setdefault("unit", []).append(_("The member is already in this unit."))
    if errors:
        raise DomainError(_("The transfer was not recorded."), errors)
    # only the official placement moves: a temporary stay elsewhere goes on (temp_unit kept)
    open_places = Placement.objects.filter(member=member, kind=PlacementKind.OFFICIAL, valid_to__isnull=True)
    if kind == PlacementKind.TEMPORARY:
        Placement.objects.create(member=member, unit=to_unit, kind=kind, valid_from=on, decision=decision)
        member.temp_unit = to_unit
        member.save(update_fields=["temp_unit", "updated_at"])
    else:
        before = tallies.member_vector(member, member.unit.sector)
        old_path = member.unit_path
        open_places.filter(valid_from__gte=on).delete()
        open_places.update(valid_to=on)
        Placement.objects.create(member=member, unit=to_unit, kind=kind, valid_from=on, decision=decision)
        member.unit, member.unit_path = to_unit, to_unit.path
        member.save(update_fields=["unit", "unit_path", "updated_at"])
        tallies.apply(old_path, {k: -n for k, n in before.items()})
        tallies.apply(to_unit.path, tallies.member_vector(member, to_unit.sector))
    audit.record("members.transferred", actor=actor, obj=member, unit_path=to_unit.path,
                 payload={"to": to_unit.code, "kind": kind, "on": on.isoformat(), "decision": decision})
    return member


def transfer_all(source: Unit, target: Unit, *, actor: Any, on: dt.date, decision: str = "") -> int:
    """Move every active member placed directly in ``source`` to ``target`` (a merge), in bulk."""
    from chibo.members.models import UnitMemberTally

    moving = Member.objects.filter(unit=source, status__in=Status.active())
    count = moving.count()
    if not count:
        return 0
    errors: dict[str, list] = {}
    _check_unit(target, errors)
    if errors:
        raise DomainError(_("The members of %(unit)s cannot move there.") % {"unit": source.name}, errors)
    # the source's own tally is now its direct members only (its subunits moved first)
    delta = UnitMemberTally.objects.get(unit=source).as_dict()
    ids = list(moving.values_list("pk", flat=True))
    official = Placement.objects.filter(member_id__in=ids, kind=PlacementKind.OFFICIAL, valid_to__isnull=True)
    official.filter(valid_from__gte=on).delete()  # temporary stays elsewhere go on
    official.update(valid_to=on)
    Placement.objects.bulk_create(
        Placement(member_id=i, unit=target, valid_from=on, decision=decision) for i in ids
    )
    Member.objects.filter(pk__in=ids).update(unit=target, unit_path=target.path)
    tallies.apply(source.path, {k: -n for k, n in delta.items()})
    arriving = dict(delta, residential=0, non_state_enterprise=0)
    if target.sector in (Sector.RESIDENTIAL, Sector.NON_STATE_ENTERPRISE):
        arriving[target.sector] = delta["total"]
    tallies.apply(target.path, arriving)
    audit.record("members.transferred_all", actor=actor, obj=target, unit_path=target.path,
                 payload={"from": source.code, "count": count, "on": on.isoformat(), "decision": decision})
    return count


