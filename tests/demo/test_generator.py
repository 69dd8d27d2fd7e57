"""The synthetic data generator, without the database: determinism, realism, valid profiles."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from chibo.demo.people import MEMBER_COLUMNS, PLACEMENT_COLUMNS, People
from chibo.demo.pipeline import ordered
from chibo.demo.presets import PRESETS, plan_for
from chibo.demo.streams import apportion, former_members, member_rows, partitions
from chibo.demo.tree import Cell, TreeBuilder
from chibo.members.rules import age_years, citizen_id_problem, profile_problems
from chibo.members.services import PROFILE_FIELDS
from chibo.org import paths
from chibo.org.enums import UnitKind

AS_OF = dt.date(2026, 1, 15)
COL = {name: i for i, name in enumerate(MEMBER_COLUMNS)}
DATES = ("birth_date", "admission_date", "ceremony_date", "official_date", "status_since")
ACTIVE = ("official", "probationary", "exempted")


def dataset(preset: str, members: int, seed: int = 1, workers: int = 0):
    plan, active = plan_for(PRESETS[preset], members=members, as_of=AS_OF)
    builder = TreeBuilder(plan, seed)
    units = list(builder.units(collect=True))
    people = People(seed=seed, as_of=AS_OF, villages=builder.villages, province_places=builder.province_places)
    counts = apportion([c.capacity for c in builder.cells], active)
    rows, placements = [], []
    for m, p in member_rows(people, builder.cells, counts, workers=workers):
        rows += m
        placements += p
    return units, rows, placements


def record(row: tuple) -> dict:
    data = {name: row[i] for name, i in COL.items()}
    for name in DATES:
        data[name] = dt.date.fromisoformat(data[name]) if data[name] else None
    return data


@pytest.fixture(scope="module")
def nation():
    """The national preset scaled to 40,000 members (every province and bloc, small communes)."""
    return dataset("nation", 40_000)


def _unit_key(u) -> tuple:
    return (u.id, u.code, u.name, u.kind, u.sector, u.parent_id, u.path, u.opened, u.closed)


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    units_a, members_a, placements_a = dataset("demo", 900)
    units_b, members_b, placements_b = dataset("demo", 900)
    units_c, members_c, _p = dataset("demo", 900, seed=2)
    assert [_unit_key(u) for u in units_a] == [_unit_key(u) for u in units_b]
    assert members_a == members_b
    assert placements_a == placements_b
    assert members_a[:5] != members_c[:5]
    assert [u.name for u in units_a] != [u.name for u in units_c]


def test_ids_are_consecutive_from_one():
    _units, members, placements = dataset("demo", 300)
    assert [row[0] for row in members] == list(range(1, len(members) + 1))
    assert [row[0] for row in placements] == list(range(1, len(placements) + 1))


def test_every_generated_profile_passes_the_profile_rules(nation):
    _units, members, _placements = nation
    for row in members:
        data = record(row)
        profile = {k: data[k] for k in PROFILE_FIELDS}
        assert profile_problems(profile, today=AS_OF) == {}, (row, profile_problems(profile, today=AS_OF))


def test_citizen_ids_are_valid_and_unique_and_card_numbers_unique(nation):
    _units, members, _placements = nation
    ids = [row[COL["citizen_id"]] for row in members]
    cards = [row[COL["card_number"]] for row in members if row[COL["card_number"]]]
    assert len(set(ids)) == len(ids)
    assert len(set(cards)) == len(cards)
    for row in members[:5000]:
        data = record(row)
        assert citizen_id_problem(data["citizen_id"], sex=data["sex"], birth_date=data["birth_date"]) is None


def test_statuses_sexes_ethnicities_religions_and_ages_are_realistic(nation):
    _units, members, _placements = nation
    data = [record(row) for row in members]
    active = [d for d in data if d["status"] in ACTIVE]
    statuses = Counter(d["status"] for d in active)
    share = {k: v / len(active) for k, v in statuses.items()}
    assert len(active) == 40_000
    assert 0.90 <= share["official"] <= 0.94
    assert 0.035 <= share["probationary"] <= 0.065
    assert 0.015 <= share["exempted"] <= 0.035
    assert {d["status"] for d in data} - set(ACTIVE) == {"deceased", "removed", "resigned", "expelled"}
    assert 0.31 <= sum(d["sex"] == "F" for d in active) / len(active) <= 0.40
    assert 0.80 <= sum(d["ethnicity"] == "01" for d in active) / len(active) <= 0.90
    assert 0.03 <= sum(d["religion"] != "none" for d in active) / len(active) <= 0.08
    ages = [age_years(d["birth_date"], AS_OF) for d in active]
    assert min(ages) >= 18 and max(ages) <= 96
    assert sum(30 <= a <= 60 for a in ages) / len(ages) >= 0.55


def test_party_dates_follow_the_admission_pipeline(nation):
    _units, members, _placements = nation
    for row in members:
        d = record(row)
        assert age_years(d["birth_date"], d["admission_date"]) >= 18
        assert d["admission_date"] < d["ceremony_date"] <= AS_OF
        if d["status"] == "probationary":
            assert (AS_OF - d["ceremony_date"]).days <= 390
            assert d["official_date"] is None and d["card_number"] is None
        if d["official_date"] is not None:  # twelve months of probation from the ceremony
            ceremony = d["ceremony_date"]
            leap_day = (ceremony.month, ceremony.day) == (2, 29)
            expected = dt.date(ceremony.year + 1, 3, 1) if leap_day else ceremony.replace(year=ceremony.year + 1)
            assert d["official_date"] == expected
            assert d["card_number"]
        assert d["status_since"] <= AS_OF


def test_placements_cover_each_member_and_end_for_former_members(nation):
    _units, members, placements = nation
    pcol = {name: i for i, name in enumerate(PLACEMENT_COLUMNS)}
    by_member: dict[int, list[tuple]] = {}
    for p in placements:
        by_member.setdefault(p[pcol["member_id"]], []).append(p)
    for row in members:
        d = record(row)
        mine = [p for p in by_member[d["id"]] if p[pcol["kind"]] == "official"]
        current = mine[-1]
        assert current[pcol["unit_id"]] == d["unit_id"]
        assert (current[pcol["valid_to"]] is None) == (d["status"] in ACTIVE)
    assert len(by_member) == len(members)
    assert sum(len(v) > 1 for v in by_member.values()) > 0.03 * len(members)  # transfers, mergers


def test_the_national_tree_has_34_provinces_and_the_blocs(nation):
    units, _members, _placements = nation
    root = units[0]
    top = [u for u in units if u.parent is root]
    assert root.name == "Trung ương" and root.kind == UnitKind.CENTRAL
    assert sum(u.kind == UnitKind.PROVINCE for u in top) == 34
    assert sum(u.kind == UnitKind.BLOC for u in top) == 6
    assert {u.name for u in top} >= {"Thành phố Hà Nội", "Thành phố Hồ Chí Minh", "Tỉnh Quảng Ninh",
                                     "Đảng bộ Quân đội", "Đảng bộ Chính phủ"}


def test_the_province_tree_is_well_formed_and_reaches_depth_7():
    plan, _active = plan_for(PRESETS["province"], as_of=AS_OF)
    units = list(TreeBuilder(plan, 1).units(collect=True))
    by_id = {u.id: u for u in units}
    assert len({u.code for u in units}) == len(units)
    assert len({u.path for u in units}) == len(units)
    assert [u.path for u in units] == sorted(u.path for u in units)  # parents before children
    for u in units[1:]:
        assert u.path[: -paths.STEP] == by_id[u.parent_id].path
        assert u.depth == paths.depth(u.path)
        assert u.opened >= by_id[u.parent_id].opened or u.closed is not None
    kinds = Counter(u.kind for u in units)
    assert max(u.depth for u in units) == 7
    assert kinds[UnitKind.COMMUNE] == 100
    assert 5_000 <= kinds[UnitKind.CELL] + kinds[UnitKind.GRASSROOTS_CELL] <= 7_000
    assert kinds[UnitKind.PARTIAL_COMMITTEE] > 0 and kinds[UnitKind.PARTY_GROUP] > 0
    prefixes = ("Trung ương", "Tỉnh ", "Thành phố ", "Xã ", "Phường ", "Đặc khu ", "Chi bộ ", "Đảng bộ ", "Tổ đảng ")
    assert all(u.name.startswith(prefixes) for u in units)
    names = {u.name for u in units}
    assert any(n.startswith("Chi bộ thôn ") for n in names)
    assert any(n.startswith("Chi bộ Công ty TNHH ") for n in names)
    assert any(n.startswith("Đảng bộ Trường ") for n in names)


def test_sectors_match_the_unit_names():
    plan, _active = plan_for(PRESETS["province"], as_of=AS_OF)
    units = list(TreeBuilder(plan, 1).units())
    sectors = {u.name: u.sector for u in units}
    for name, sector in sectors.items():
        if name.startswith(("Chi bộ thôn ", "Chi bộ tổ dân phố ")):
            assert sector == "residential"
        elif name.startswith("Chi bộ Công ty TNHH "):
            assert sector == "non_state_enterprise"
        elif name.startswith(("Chi bộ Trường ", "Đảng bộ Trường THPT")) and "Chính trị" not in name:
            assert sector == "school"
        elif name.startswith("Chi bộ Công an "):
            assert sector == "armed_forces"


def test_members_of_a_village_cell_live_in_that_village():
    units, members, _placements = dataset("demo", 600)
    names = {u.id: u.name for u in units}
    for row in members:
        cell = names[row[COL["unit_id"]]]
        if cell.startswith("Chi bộ thôn "):
            assert row[COL["residence"]].startswith("Thôn " + cell.removeprefix("Chi bộ thôn "))


def test_apportion_splits_exactly_in_proportion():
    assert apportion([1, 1, 2], 8) == [2, 2, 4]
    assert sum(apportion([3, 7, 11, 13], 1000)) == 1000
    assert apportion([0, 0], 5) == [0, 0]


def test_rows_generated_by_two_processes_are_the_same_as_in_process():
    assert dataset("demo", 2_000, workers=2)[1:] == dataset("demo", 2_000, workers=0)[1:]


def test_ordered_keeps_the_order_of_the_work():
    assert list(ordered(lambda i: i * i, 25, workers=3)) == [i * i for i in range(25)]


def test_partitions_follow_communes_and_cover_every_cell():
    plan, _active = plan_for(PRESETS["demo"], members=2_000, as_of=AS_OF)
    builder = TreeBuilder(plan, 1)
    list(builder.units(collect=True))
    cells = builder.cells
    parts = partitions(cells)
    assert [i for start, end in parts for i in range(start, end)] == list(range(len(cells)))
    for start, end in parts:
        assert len({(c.province, c.commune) for c in cells[start:end]}) == 1


def test_about_one_in_forty_members_is_a_former_member(nation):
    _units, members, _placements = nation
    former = sum(row[COL["status"]] not in ACTIVE for row in members)
    assert 0.02 <= former / 40_000 <= 0.03
    cell = Cell(7, "00001", "village", 0, 0, 30, "Chi bộ thôn Đông", 700_000)
    assert former_members(cell, 0) in (0, 1)
    assert former_members(cell, 1000) in (25, 26)
