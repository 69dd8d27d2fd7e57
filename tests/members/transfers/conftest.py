"""Helpers for the transfer tests: a decided transfer, a letter handed over, an acceptance."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.members.transfers import services
from chibo.members.transfers.enums import Reason, TransferKind

DECIDED = dt.date(2026, 1, 5)
LEFT = dt.date(2026, 1, 26)  # present by 16/03/2026 (30 working days, Tết 14–22 Feb 2026 skipped)
ACCEPTED = dt.date(2026, 2, 2)


def decide(member, to_unit, *, actor=SYSTEM, kind=TransferKind.OFFICIAL, reason=Reason.JOB_CHANGE, on=DECIDED,
           until=None, number="12-QĐ/ĐU"):
    return services.decide_transfer(member, actor=actor, kind=kind, reason=reason, to_unit=to_unit, decided_on=on,
                                     decided_by="Đảng ủy xã Đông Sơn", decision_number=number,
                                     temporary_until=until)


def sent(member, to_unit, *, actor=SYSTEM, left=LEFT, **kwargs):
    transfer = decide(member, to_unit, actor=actor, **kwargs)
    return services.hand_over_letter(transfer, actor=actor, on=left, letter_number="45-GGT")


@pytest.fixture
def helpers():
    from types import SimpleNamespace

    return SimpleNamespace(decide=decide, sent=sent)
