"""Plain builders for tests: no randomness, every value visible at the call site."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from chibo.accounts.models import RoleGrant, User
from chibo.accounts.policy import SYSTEM
from chibo.members import services as member_services
from chibo.members.models import Member
from chibo.members.rules import citizen_id_for
from chibo.org.models import Unit
from chibo.restructuring import services as unit_services

OPENED = dt.date(2020, 1, 1)
_serial = itertools.count(1)


def make_unit(parent: Unit | None, code: str, name: str, kind: str, sector: str = "mixed",
              opened_on: dt.date = OPENED) -> Unit:
    return unit_services.create_unit(actor=SYSTEM, parent=parent, code=code, name=name, kind=kind,
                                     sector=sector, opened_on=opened_on)


def member_data(full_name: str = "Nguyễn Văn An", *, sex: str = "M",
                birth_date: dt.date = dt.date(1985, 3, 15), status: str = "official",
                **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "full_name": full_name,
        "sex": sex,
        "birth_date": birth_date,
        "citizen_id": citizen_id_for(province=1, sex=sex, birth_date=birth_date, serial=next(_serial)),
        "status": status,
        "admission_date": dt.date(2010, 5, 19),
        "ceremony_date": dt.date(2010, 6, 1),
        "official_date": dt.date(2011, 6, 1) if status in ("official", "exempted") else None,
    }
    data.update(overrides)
    return data


def make_member(unit: Unit, full_name: str = "Nguyễn Văn An", **kwargs: Any) -> Member:
    return member_services.create_member(actor=SYSTEM, unit=unit, data=member_data(full_name, **kwargs))


def make_user(username: str, *, role: str | None = None, unit: Unit | None = None,
              member: Member | None = None) -> User:
    user = User.objects.create_user(username=username, password="correct horse battery", member=member)
    if role and unit:
        RoleGrant.objects.create(user=user, unit=unit, role=role, valid_from=OPENED)
    return user
