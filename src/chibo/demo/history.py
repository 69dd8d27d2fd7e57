"""A little history for the demo province, made through the real services (actor: SYSTEM).

A village-cell merger and the rename that followed it, a commune that became a ward in the 2025
reform, an enterprise cell moved to another commune, a cell split in two, a closed party group,
and a few member transfers (official and temporary). Large presets write equivalent rows in
bulk instead (see :mod:`chibo.demo.loader`).
"""

from __future__ import annotations

import datetime as dt

from chibo.accounts.policy import SYSTEM
from chibo.demo.presets import DEMO_PROVINCE, province_code
from chibo.demo.tree import REFORM_DAY
from chibo.members import services as member_services
from chibo.members.enums import PlacementKind, Status
from chibo.members.models import Member
from chibo.org import services as unit_services
from chibo.org.enums import Sector, UnitKind
from chibo.org.models import Unit
from chibo.restructuring import services as restructuring


def _communes(province: Unit) -> list[Unit]:
    return list(Unit.objects.filter(parent=province, kind=UnitKind.COMMUNE).order_by("path"))


def _cells(commune: Unit, **filters) -> list[Unit]:
    return list(Unit.objects.filter(parent=commune, kind=UnitKind.GRASSROOTS_CELL, closed_on__isnull=True,
                                    **filters).order_by("path"))


def apply_demo_history(as_of: dt.date) -> None:
    province = Unit.objects.get(code=province_code(DEMO_PROVINCE))
    communes = _communes(province)
    if len(communes) < 2:
        return  # a scaled-down demo too small for the story

    def commune(i: int) -> Unit:  # a scaled-down demo has fewer communes: some get two events
        found = communes[i % len(communes)]
        found.refresh_from_db()
        return found

    _ward(commune(0))
    _merge_villages(commune(1), on=as_of - dt.timedelta(days=30))
    _move_enterprise(commune(2), commune(3), on=as_of - dt.timedelta(days=60))
    _split_biggest_village(commune(4), on=as_of - dt.timedelta(days=90))
    _transfers(commune(0), commune(5), on=as_of - dt.timedelta(days=120))
    _close_party_group(province, on=as_of - dt.timedelta(days=10))


def _ward(commune: Unit) -> None:
    kind, base = commune.name.split(" ", 1)
    if kind != "Xã":
        return
    unit_services.rename_unit(commune, actor=SYSTEM, name=f"Phường {base}", on=REFORM_DAY,
                              decision="Nghị quyết số 1679/NQ-UBTVQH15")


def _merge_villages(commune: Unit, *, on: dt.date) -> None:
    villages = _cells(commune, sector=Sector.RESIDENTIAL)
    if len(villages) < 2:
        return
    target, source = villages[0], villages[1]
    decision = "Quyết định số 215-QĐ/ĐU"
    restructuring.merge_units([source], into=target, actor=SYSTEM, on=on, decision=decision)
    target.refresh_from_db()
    unit_services.rename_unit(target, actor=SYSTEM, name="Chi bộ thôn Đoàn Kết", on=on, decision=decision)


def _move_enterprise(source: Unit, target: Unit, *, on: dt.date) -> None:
    companies = _cells(source, sector=Sector.NON_STATE_ENTERPRISE)
    if companies and source != target:
        restructuring.move_unit(companies[0], actor=SYSTEM, new_parent=target, on=on,
                                decision="Quyết định số 88-QĐ/ĐU")


def _split_biggest_village(commune: Unit, *, on: dt.date) -> None:
    villages = _cells(commune, sector=Sector.RESIDENTIAL)
    if not villages:
        return
    sizes = {v.pk: v.members.filter(status__in=Status.active()).count() for v in villages}
    unit = max(villages, key=lambda v: (sizes[v.pk], -v.pk))
    active = list(unit.members.filter(status__in=Status.active()).order_by("name_folded", "pk")
                  .values_list("pk", flat=True))
    children = list(unit.children.filter(closed_on__isnull=True).values_list("pk", flat=True))
    parts = [{"code": f"{unit.code}-{i}", "name": f"{unit.name} {i}"} for i in (1, 2)]
    restructuring.split_unit(
        unit, actor=SYSTEM, on=on, parts=parts, members={pk: i % 2 for i, pk in enumerate(active)},
        children=dict.fromkeys(children, 0), decision="Quyết định số 301-QĐ/ĐU",
    )


def _transfers(home: Unit, elsewhere: Unit, *, on: dt.date) -> None:
    villages = _cells(home, sector=Sector.RESIDENTIAL)
    abroad = [v for v in _cells(elsewhere, sector=Sector.RESIDENTIAL) if v not in villages[1:3]]
    if len(villages) < 3 or not abroad:
        return
    movers = Member.objects.filter(unit=villages[2], status=Status.OFFICIAL).order_by("pk")
    for member in movers[:3]:
        member_services.transfer_member(member, actor=SYSTEM, to_unit=villages[1], on=on,
                                        decision="Quyết định số 57-QĐ/ĐU")
    student = Member.objects.filter(unit=villages[2], status=Status.OFFICIAL).order_by("-pk").first()
    if student is not None:
        member_services.transfer_member(student, actor=SYSTEM, to_unit=abroad[0], on=on,
                                        kind=PlacementKind.TEMPORARY, decision="Giấy giới thiệu số 12")


def _close_party_group(province: Unit, *, on: dt.date) -> None:
    group = (Unit.objects.subtree(province).filter(kind=UnitKind.PARTY_GROUP, closed_on__isnull=True)
             .order_by("path").first())
    if group is not None:
        restructuring.close_unit(group, actor=SYSTEM, on=on, decision="Nghị quyết của chi bộ")
