"""API: transfers of party activity (issue 13): a unit's transfers, keyset paged and scoped.

Outgoing rows (the sender's) carry the dossier; incoming rows carry, until the receiver accepts,
only what it needs to accept: name, year of birth, sending and receiving units, letter number and
dates (``limited: true``, the other fields null). Accepting is done in the console."""
# mypy: disable-error-code="valid-type"

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from chibo.api.schemas import ERRORS, Id, PathCursor, UnitRef, choice
from chibo.core.replica import replica_reads
from chibo.members.transfers import queries
from chibo.members.transfers.enums import State
from chibo.org import queries as org_queries

router = Router(tags=["transfers"])


class TransferFilters(Schema):
    unit: Id = Field(description="The unit whose subtree's transfers are listed (a unit id).")
    direction: choice(queries.DIRECTIONS) = Field(
        queries.OUTGOING, description="`outgoing` (sent from the subtree), `incoming` (sent to it) or `overdue` "
                                      "(either way, past the start-by or present-by day).")
    state: choice(State.values) | None = None
    after: PathCursor | None = Field(None, description="The `next` value of the previous page.")
    limit: int = Field(50, ge=1, le=200)


class TransferItem(Schema):
    id: int
    limited: bool = Field(description="True: the receiver's view before it accepts (the dossier fields are null).")
    member_name: str
    birth_year: int
    kind: str
    state: str
    from_unit: UnitRef
    to_unit: UnitRef
    cell: UnitRef | None
    letter_type: str
    letter_number: str
    decided_on: dt.date
    left_on: dt.date | None
    presented_on: dt.date | None
    accepted_on: dt.date | None
    start_by: dt.date
    present_by: dt.date | None
    temporary_until: dt.date | None
    returned_on: dt.date | None
    cancelled_on: dt.date | None
    member_id: int | None = Field(description="Null in the limited view.")
    reason: str | None
    decision_number: str | None
    decided_by: str | None
    late_days: int | None


class TransferPage(Schema):
    items: list[TransferItem]
    next: str | None = Field(description="Pass as ?after= for the next page; null on the last.")


def _ref(unit) -> dict[str, Any] | None:
    return None if unit is None else {"id": unit.pk, "code": unit.code, "name": unit.name}


def _item(row: queries.Row) -> dict[str, Any]:
    t = row.transfer
    out: dict[str, Any] = {
        "id": t.pk, "limited": not row.full, "member_name": t.member.full_name, "birth_year": row.birth_year,
        "kind": t.kind, "state": t.state, "from_unit": _ref(t.from_unit), "to_unit": _ref(t.to_unit),
        "cell": _ref(t.cell), "letter_type": t.letter_type, "letter_number": t.letter_number,
        **{f: getattr(t, f) for f in ("decided_on", "left_on", "presented_on", "accepted_on", "start_by",
                                      "present_by", "temporary_until", "returned_on", "cancelled_on")},
    }
    full = {"member_id": t.member_id, "reason": t.reason, "decision_number": t.decision_number,
            "decided_by": t.decided_by, "late_days": t.late_days}
    return out | (full if row.full else dict.fromkeys(full))


@router.get("/", response={200: TransferPage, **ERRORS}, summary="A unit's transfers, newest first")
@replica_reads
def transfer_list(request, params: Query[TransferFilters]):
    unit = org_queries.get_unit_for_user(request.auth, pk=params.unit)
    page = queries.for_unit(request.auth, unit, params.direction, today=timezone.localdate(),
                            state=params.state or "", after=params.after, size=params.limit)
    return {"items": [_item(r) for r in page.rows], "next": page.next_cursor}
