"""Every scoped read of the transfers (ARCHITECTURE.md §1): one visibility query, the lists of a
unit (outgoing, incoming, overdue), keyset paged, and how much of a transfer a user may see.

A transfer is seen from two sides: the sender (view scope over ``from_path``) sees the dossier;
the receiver (view scope over ``to_path``) sees, until it accepts, only what it needs to accept
(name, year of birth, sending unit, letter number, dates); after the acceptance the member is in
its subtree and the whole record opens to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core.errors import NotFound
from chibo.members.models import Member
from chibo.members.transfers.enums import State, TransferKind
from chibo.members.transfers.models import Transfer
from chibo.org.models import Unit

PAGE_SIZE = 50
OUTGOING, INCOMING, OVERDUE = "outgoing", "incoming", "overdue"
DIRECTIONS = (OUTGOING, INCOMING, OVERDUE)


def transfers_for_user(user: Any) -> QuerySet[Transfer]:
    scope = policy.scope_for(user, Perm.MEMBERS_VIEW)
    return Transfer.objects.filter(scope.q("from_path") | scope.q("to_path"))


def get_transfer_for_user(user: Any, pk: int) -> Transfer:
    try:
        return transfers_for_user(user).select_related("member", "from_unit", "to_unit", "cell").get(pk=pk)
    except Transfer.DoesNotExist as exc:
        raise NotFound("transfer") from exc


def is_full(user: Any, transfer: Transfer) -> bool:
    """Whether ``user`` sees the whole dossier (the sender, or the receiver once it accepted)."""
    scope = policy.scope_for(user, Perm.MEMBERS_VIEW)
    return scope.covers(transfer.from_path) or (
        transfer.state in (State.ACCEPTED, State.RETURNED) and scope.covers(transfer.to_path))


def may_print_letter(user: Any, transfer: Transfer) -> bool:
    """The letter is rebuilt from the live member record: only for those who see the member now.
    Once an official transfer is accepted the sending side no longer does (decision 0010)."""
    if not is_full(user, transfer):
        return False
    if transfer.state in State.in_transit() or transfer.kind != TransferKind.OFFICIAL:
        return True
    return policy.scope_for(user, Perm.MEMBERS_VIEW).covers(transfer.member.unit_path)


def overdue_q(today: dt.date) -> Q:
    return Q(state=State.DECIDED, start_by__lt=today) | Q(state=State.LEFT, present_by__lt=today)


def overdue_for(unit: Unit, today: dt.date) -> Q:
    """The late transfers ``unit``'s side can act on: a letter not handed over is the sender's, a
    letter not presented in time concerns both sides (the receiver waits for it)."""
    late_letter = Q(state=State.LEFT, present_by__lt=today)
    return (_subtree("from_path", unit) & overdue_q(today)) | (_subtree("to_path", unit) & late_letter)


@dataclass(frozen=True)
class Row:
    transfer: Transfer
    full: bool

    @property
    def birth_year(self) -> int:
        return self.transfer.member.birth_date.year


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    next_cursor: str | None


def for_unit(user: Any, unit: Unit, direction: str, *, today: dt.date, state: str = "", after: str | None = None,
             size: int = PAGE_SIZE) -> Page:
    """The transfers of ``unit``'s subtree, newest first: sent from it, sent to it, or overdue
    (:func:`overdue_for`); ``state`` narrows them. Two queries: the page and nothing per row."""
    if direction == OUTGOING:
        where = _subtree("from_path", unit)
    elif direction == INCOMING:
        where = _subtree("to_path", unit)
    else:
        where = overdue_for(unit, today)
    qs = transfers_for_user(user).filter(where)
    if state:
        qs = qs.filter(state=state)
    if after and after.isdigit():
        qs = qs.filter(pk__lt=int(after))
    found = list(qs.select_related("member", "from_unit", "to_unit", "cell").order_by("-pk")[:size + 1])
    scope = policy.scope_for(user, Perm.MEMBERS_VIEW)
    rows = [Row(t, scope.covers(t.from_path) or (t.state in (State.ACCEPTED, State.RETURNED)
                                                 and scope.covers(t.to_path))) for t in found[:size]]
    return Page(rows, str(found[size - 1].pk) if len(found) > size else None)


def _subtree(field: str, unit: Unit) -> Q:
    return policy.subtree_q(field, unit.path)


def counts(user: Any, unit: Unit, today: dt.date) -> dict[str, int]:
    """How many transfers of each list are open (in transit) and overdue, for the page's tabs."""
    base = transfers_for_user(user).filter(state__in=State.in_transit())
    return {
        OUTGOING: base.filter(_subtree("from_path", unit)).count(),
        INCOMING: base.filter(_subtree("to_path", unit)).count(),
        OVERDUE: base.filter(overdue_for(unit, today)).count(),
    }


def of_member(user: Any, member: Member) -> list[Row]:
    """The member's transfers that ``user`` may see, newest first (one query); whoever sees the
    member's page sees their whole record."""
    found = transfers_for_user(user).filter(member=member).select_related("member", "from_unit", "to_unit", "cell")
    return [Row(t, True) for t in found.order_by("-decided_on", "-pk")]


def open_transfer(member: Member) -> Transfer | None:
    from chibo.members.transfers.models import OPEN

    return Transfer.objects.filter(OPEN, member=member).select_related("to_unit").first()
