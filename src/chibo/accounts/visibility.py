"""Who may read a member's record, and which of its sensitive fields each sees masked.

Computed from the access policy itself, never from a written description: for every role held
(by an active grant of an active account) on a unit above the member's cell — and above their
temporary cell and the receiving unit of a transfer in progress — the question "would a holder
of this role there find this member?" is put to :func:`chibo.members.queries.members_for_user`,
the very filter every page and the API read members through, in one query (an ``EXISTS`` per
role and unit). What such a holder sees masked is :func:`chibo.members.queries.may_see_sensitive`,
the rule the profile applies; whether they may export it is :func:`chibo.accounts.policy.can`
with ``members.export``. Changing ``ROLE_PERMISSIONS``, the policy or a grant changes the answer.

People are counted, never named: a member learns that three people of the provincial
organization board can read their record, not who they are (decision 0012).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists

from chibo.accounts import policy
from chibo.accounts.models import RoleGrant
from chibo.accounts.roles import ROLE_PERMISSIONS, Perm, Role
from chibo.members.models import SENSITIVE_FIELDS, Member
from chibo.members.queries import may_see_sensitive, members_for_user
from chibo.org import paths
from chibo.org.models import Unit

OFFICIAL, TEMPORARY, TRANSFER = "official", "temporary", "transfer"


class Holder:
    """Someone holding exactly one role on one unit (and no member record): what the policy
    lets such a person do is what it lets every holder of that grant do."""

    is_authenticated = True
    is_active = True
    member_id = None
    pk = None

    def __init__(self, role: str, path: str):
        self._chibo_grants = [(role, path)]  # the policy's per-user cache of (role, unit path)


@dataclass(frozen=True)
class Reader:
    """The holders of ``role`` on ``unit``: how many, whether they read the record, what is masked."""

    unit: Unit
    role: str
    holders: int
    via: str  # OFFICIAL (the member's cell and above), TEMPORARY (temporary cell), TRANSFER
    reads: bool
    masked: tuple[str, ...]  # the sensitive fields they see masked (empty: all shown)
    exports: bool  # may export the record in a list

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)


@dataclass
class Visibility:
    member: Member
    readers: list[Reader] = field(default_factory=list)  # who reads the record, root first
    others: list[Reader] = field(default_factory=list)  # temporary cell / transfer: no read


def _candidate_paths(member: Member, transfer_path: str) -> dict[str, str]:
    """Each unit path worth asking about, with why: ancestors of the cell, then of the temporary
    cell and of the receiving unit (the first reason wins)."""
    found: dict[str, str] = {}
    sources = [(member.unit_path, OFFICIAL)]
    if member.temp_unit is not None:
        sources.append((member.temp_unit.path, TEMPORARY))
    if transfer_path:
        sources.append((transfer_path, TRANSFER))
    for path, via in sources:
        for p in paths.ancestors(path):
            found.setdefault(p, via)
    return found


def _transfer_path(member: Member) -> str:
    from chibo.members.transfers.enums import State
    from chibo.members.transfers.models import Transfer

    row = (Transfer.objects.filter(member=member, state__in=State.in_transit())
           .values_list("to_path", flat=True).first())
    return row or ""


def _held(candidates: dict[str, str]) -> list[tuple[Unit, str, int]]:
    """(unit, role, number of people) of the active grants of active accounts on the candidates."""
    rows = list(
        RoleGrant.objects.active()
        .filter(unit__path__in=list(candidates), unit__closed_on__isnull=True, user__is_active=True)
        .values("unit", "role").annotate(people=Count("user", distinct=True))
    )
    units = Unit.objects.in_bulk([r["unit"] for r in rows])
    return [(units[r["unit"]], r["role"], r["people"]) for r in rows if r["role"] in ROLE_PERMISSIONS]


def _reading(member: Member, held: list[tuple[Unit, str, int]]) -> dict[tuple[int, str], bool]:
    """For each (unit, role): does the member filter of a holder find this member? One query."""
    if not held:
        return {}
    checks = {f"r{i}": Exists(members_for_user(Holder(role, unit.path)).filter(pk=member.pk))
              for i, (unit, role, _) in enumerate(held)}
    row = Member.objects.filter(pk=member.pk).values(**checks).first() or {}
    return {(unit.pk, role): bool(row.get(f"r{i}")) for i, (unit, role, _) in enumerate(held)}


def visibility_of(member: Member) -> Visibility:
    """Who may read ``member``'s record (its unit and temporary unit loaded), root first."""
    candidates = _candidate_paths(member, _transfer_path(member))
    held = _held(candidates)
    reads = _reading(member, held)
    result = Visibility(member)
    order = list(Role.values)
    for unit, role, people in sorted(held, key=lambda h: (h[0].path, order.index(h[1]))):
        holder = Holder(role, unit.path)
        reader = Reader(
            unit=unit, role=role, holders=people, via=candidates[unit.path], reads=reads[(unit.pk, role)],
            masked=() if may_see_sensitive(holder, member) else SENSITIVE_FIELDS,
            exports=policy.can(holder, Perm.MEMBERS_EXPORT, member.unit_path),
        )
        if reader.reads:
            result.readers.append(reader)
        elif reader.via != OFFICIAL:
            result.others.append(reader)
    return result


def as_data(v: Visibility) -> dict[str, Any]:
    """The visibility as plain data (the API's answer)."""

    def one(r: Reader) -> dict[str, Any]:
        return {"unit": {"id": r.unit.pk, "name": r.unit.name, "kind": r.unit.kind}, "role": r.role,
                "role_label": r.role_label, "people": r.holders, "via": r.via, "reads": r.reads,
                "masked": list(r.masked), "exports": r.exports}

    return {"member": v.member.pk, "sensitive_fields": list(SENSITIVE_FIELDS),
            "readers": [one(r) for r in v.readers], "not_reading": [one(r) for r in v.others]}
