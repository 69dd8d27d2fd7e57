"""The six demo accounts, one per persona, on the demo data set (password ``demo``).

Created only by ``python -m chibo demo``. The password is shorter than the validators allow on
purpose, so it is set with ``set_password`` directly; never run this against real data (the
demo command refuses a database that does not hold the demo data set).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.accounts.models import RoleGrant, User
from chibo.accounts.roles import Role
from chibo.demo.presets import DEMO_PROVINCE, DEMO_SIBLING, province_code
from chibo.members.enums import Status
from chibo.members.models import Member
from chibo.org.enums import UnitKind
from chibo.org.models import Unit

DEMO_PASSWORD = "demo"  # noqa: S105 - demo mode only
GRANTS_FROM = dt.date(2020, 1, 1)


class NotDemoData(Exception):
    """The database does not hold the demo data set."""


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str | None
    unit: Unit | None
    member: Member | None

    @property
    def description(self) -> str:
        where = f" — {self.unit.name}" if self.unit is not None else ""
        who = f" ({self.member.full_name})" if self.member is not None else ""
        role = Role(self.role).label if self.role else _("Member, no role")
        return f"{role}{where}{who}"


def demo_units() -> dict[str, Unit]:
    """The units the personas hold their grants on; :class:`NotDemoData` when missing."""
    try:
        root = Unit.objects.get(parent__isnull=True, code="TW")
        province = Unit.objects.get(code=province_code(DEMO_PROVINCE), parent=root)
        sibling = Unit.objects.get(code=province_code(DEMO_SIBLING), parent=root)
    except Unit.DoesNotExist as exc:
        raise NotDemoData(_("This database does not hold the demo data set.")) from exc
    commune = (Unit.objects.filter(parent=province, kind=UnitKind.COMMUNE, closed_on__isnull=True)
               .order_by("path").first())
    cell = _secretary_cell(commune) if commune is not None else None
    if commune is None or cell is None:
        raise NotDemoData(_("The demo province has no commune with a cell of official members."))
    return {"root": root, "province": province, "sibling": sibling, "commune": commune, "cell": cell}


def _secretary_cell(commune: Unit) -> Unit | None:
    cells = (Unit.objects.subtree(commune)
             .filter(kind__in=UnitKind.member_holding(), closed_on__isnull=True).order_by("path"))
    for cell in cells:
        if cell.members.filter(status=Status.OFFICIAL).count() >= 5:
            return cell
    return None


def _cell_members(cell: Unit) -> tuple[Member, Member]:
    officials = Member.objects.filter(unit=cell, status=Status.OFFICIAL).order_by("pk")
    today = timezone.localdate()
    prime = officials.filter(birth_date__gt=today.replace(year=today.year - 60),
                             birth_date__lte=today.replace(year=today.year - 35)).first()
    secretary = prime or officials.first()
    member = officials.exclude(pk=secretary.pk).first() if secretary is not None else None
    if secretary is None or member is None:
        raise NotDemoData(_("The demo province has no commune with a cell of official members."))
    return secretary, member


@transaction.atomic
def create_demo_accounts() -> list[DemoAccount]:
    """Create (or reset) the six persona accounts; idempotent."""
    units = demo_units()
    secretary_m, member_m = _cell_members(units["cell"])
    accounts = [
        DemoAccount("admin", Role.ADMIN, units["root"], None),
        DemoAccount("province", Role.BOARD_STAFF, units["province"], None),
        DemoAccount("commune", Role.COMMITTEE_LEADER, units["commune"], None),
        DemoAccount("secretary", Role.CELL_SECRETARY, units["cell"], secretary_m),
        DemoAccount("member", None, None, member_m),
        DemoAccount("outsider", Role.BOARD_STAFF, units["sibling"], None),
    ]
    for account in accounts:
        _save(account)
    return accounts


def _save(account: DemoAccount) -> None:
    if account.member is not None:
        User.objects.filter(member=account.member).exclude(username=account.username).update(member=None)
    user, _created = User.objects.get_or_create(username=account.username)
    user.member = account.member
    user.is_active = True
    user.set_password(DEMO_PASSWORD)
    user.save()
    RoleGrant.objects.filter(user=user).delete()
    if account.role and account.unit is not None:
        RoleGrant.objects.create(user=user, unit=account.unit, role=account.role, valid_from=GRANTS_FROM)
