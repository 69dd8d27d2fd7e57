"""Importing units: new subtrees under existing units, then members into them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.core.models import AuditEntry
from chibo.imports.services import import_path
from chibo.members import tallies
from chibo.members.models import Member, UnitMemberTally
from chibo.org.enums import UnitKind
from chibo.org.models import Unit, UnitEvent, UnitPathPeriod
from chibo.restructuring import services as restructuring
from tests.factories.registry import make_unit
from tests.imports.conftest import MEMBER_HEADER, UNIT_HEADER, member_row, write_csv, write_file

pytestmark = pytest.mark.django_db
DOCS = Path(__file__).resolve().parents[2] / "docs" / "templates"


def unit_row(code: str, parent: str, kind: str = "grassroots_cell", **extra: str) -> dict[str, str]:
    return {"code": code, "name": f"Chi bộ {code}", "kind": kind, "sector": "residential",
            "parent_code": parent, "opened_on": "2025-07-01", **extra}


def snapshot() -> tuple[int, int, int, int]:
    return (Unit.objects.count(), UnitPathPeriod.objects.count(), UnitEvent.objects.count(),
            UnitMemberTally.objects.count())


def rejected(path, actor) -> list[dict]:
    before = snapshot()
    result = import_path(path, "units", actor=actor)
    assert (result.ok, result.error_count) == (False, len(result.errors))
    assert snapshot() == before
    assert not AuditEntry.objects.filter(action="imports.units").exists()
    return result.errors


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_units_then_members(cast, tmp_path, suffix):
    p, g = cast.tree.p, cast.tree.g
    units = [
        unit_row("N1", "P", kind="commune", name="Xã Đông Hòa", sector="mixed"),
        unit_row("N2", "N1", opened_on="15/07/2025"),
        unit_row("N3", "G", kind="cell", sector="school"),
    ]

    result = import_path(write_file(tmp_path / f"units.{suffix}", UNIT_HEADER, units), "units",
                         actor=cast.province)

    assert (result.ok, result.rows, result.scope_path) == (True, 3, p.path)
    got = {u.code: u for u in Unit.objects.filter(code__in=["N1", "N2", "N3"]).select_related("parent")}
    assert [(c, got[c].path, got[c].depth, got[c].parent.code) for c in ("N1", "N2", "N3")] == [
        ("N1", p.path + "00002", 3, "P"), ("N2", p.path + "0000200001", 4, "N1"), ("N3", g.path + "00003", 5, "G")]
    assert (got["N1"].name, got["N1"].name_folded, got["N2"].opened_on) == (
        "Xã Đông Hòa", "xa dong hoa", dt.date(2025, 7, 15))
    assert list(UnitPathPeriod.objects.filter(unit=got["N2"]).values_list("path", "parent__code", "valid_from",
                                                                          "valid_to")) == [
        (p.path + "0000200001", "N1", dt.date(2025, 7, 15), None)]
    event = UnitEvent.objects.get(unit=got["N3"])
    assert (event.kind, event.on, event.details, event.actor) == (
        "created", dt.date(2025, 7, 1), {"code": "N3", "name": "Chi bộ N3"}, cast.province)
    assert UnitMemberTally.objects.get(unit=got["N2"]).total == 0
    assert AuditEntry.objects.get(action="imports.units").payload == {"rows": 3}

    members = [member_row(1, "N2"), member_row(2, "N3")]
    assert import_path(write_file(tmp_path / f"m.{suffix}", MEMBER_HEADER, members), "members",
                       actor=cast.province).ok
    assert (UnitMemberTally.objects.get(unit=got["N1"]).total, UnitMemberTally.objects.get(unit=p).total) == (1, 5)
    assert UnitMemberTally.objects.get(unit=got["N1"]).residential == 1
    assert tallies.verify() == []


def test_the_services_go_on_after_an_import(cast, tmp_path):
    import_path(write_csv(tmp_path / "u.csv", UNIT_HEADER, [unit_row("N1", "C")]), "units", actor=SYSTEM)

    later = make_unit(cast.tree.c, "N9", "Chi bộ N9", "cell")

    assert later.path == cast.tree.c.path + "00003"
    assert later.pk == Unit.objects.get(code="N1").pk + 1


def test_the_system_may_create_root_units(tree, tmp_path):
    rows = [unit_row("BQP", "", kind="bloc", sector="armed_forces"), unit_row("BQP-1", "BQP")]

    assert import_path(write_csv(tmp_path / "u.csv", UNIT_HEADER, rows), "units", actor=SYSTEM).ok

    assert Unit.objects.get(code="BQP").path == "00002"
    assert Unit.objects.get(code="BQP-1").path == "0000200001"


def test_unit_errors(cast, tmp_path):
    restructuring.close_unit(cast.tree.k2, actor=SYSTEM, on=dt.date(2025, 1, 1))
    rows = [
        unit_row("N1", "NOPE"),
        unit_row("N2", "Q"),  # another province: not in the actor's scope
        unit_row("K", "C"),
        unit_row("N3", "C", kind="district"),
        unit_row("N4", "C", opened_on="2019-12-31"),
        unit_row("N5", "K2"),
        unit_row("N6", ""),
        unit_row("N7", "C"),
        unit_row("N7", "C"),
        unit_row("N8", "N1"),  # its parent's row is wrong: reported there only
    ]

    errors = rejected(write_csv(tmp_path / "u.csv", UNIT_HEADER, rows), cast.province)

    kinds = ", ".join(UnitKind.values)
    assert errors == [
        {"row": 2, "column": "parent_code", "message": "Unknown unit NOPE."},
        {"row": 3, "column": "parent_code", "message": "Unknown unit Q."},
        {"row": 4, "column": "code", "message": "Another unit already has the code K."},
        {"row": 5, "column": "kind", "message": f"Unknown value “district”: use one of {kinds}."},
        {"row": 6, "column": "opened_on", "message": "A unit cannot open before its parent unit."},
        {"row": 7, "column": "parent_code", "message": "The parent unit is closed; choose its successor."},
        {"row": 8, "column": "parent_code", "message": "Enter the code of the parent unit."},
        {"row": 10, "column": "code", "message": "This code is already in row 9 of this file."},
    ]


def test_the_documented_templates_import(tree, tmp_path):
    make_unit(tree.root, "THA", "Tỉnh Thanh Hóa", "province")

    units = import_path(DOCS / "units.csv", "units", actor=SYSTEM)
    members = import_path(DOCS / "members.csv", "members", actor=SYSTEM)

    assert (units.ok, units.rows, members.ok, members.rows) == (True, 3, True, 3)
    assert sorted(Member.objects.values_list("full_name", "unit__code")) == [
        ("Lê Hoàng Minh", "XDS-TDONG"), ("Nguyễn Văn An", "XDS-TDONG"), ("Trần Thị Bích Ngọc", "XDS-THCS")]
    assert tallies.verify() == []
