"""Loading generated data sets into the database (both engines)."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.accounts.models import RoleGrant, User
from chibo.core.models import AuditEntry
from chibo.demo.loader import DatasetExists, generate
from chibo.members import rules, tallies
from chibo.members.models import Member, Placement, UnitMemberTally
from chibo.members.services import PROFILE_FIELDS
from chibo.org import queries as org_queries
from chibo.org.enums import UnitEventKind, UnitKind
from chibo.org.models import Unit, UnitEvent, UnitPathPeriod
from tests.factories.registry import make_member, make_unit

AS_OF = dt.date(2026, 1, 15)


@pytest.fixture
def loaded(db):
    """The province preset scaled to 8,000 members; seed 25 has a merger and a rename."""
    return generate("province", members=8_000, seed=25, as_of=AS_OF)


def test_a_small_preset_loads_and_its_tallies_verify(loaded):
    assert tallies.verify() == []
    assert Member.objects.count() == loaded.members
    assert Unit.objects.count() == loaded.units == UnitMemberTally.objects.count()
    assert Placement.objects.count() == loaded.placements
    root = Unit.objects.get(parent__isnull=True)
    active = Member.objects.filter(status__in=("official", "probationary", "exempted"))
    assert root.tally.total == 8_000 == active.count()
    assert Unit.objects.filter(kind=UnitKind.COMMUNE).count() == 5
    assert UnitPathPeriod.objects.values("unit").distinct().count() == loaded.units


def test_every_loaded_profile_passes_the_profile_rules(loaded):
    for member in Member.objects.all():
        data = {f: getattr(member, f) for f in PROFILE_FIELDS}
        assert rules.profile_problems(data, today=AS_OF) == {}, member.pk
    assert Member.objects.values("citizen_id").distinct().count() == loaded.members


def test_a_merged_cell_stays_in_the_tree_under_its_successor(loaded):
    merged = Unit.objects.get(closed_on__isnull=False)
    successor = merged.successor
    assert merged.parent == successor and merged.path.startswith(successor.path)
    assert list(merged.events.values_list("kind", flat=True)) == [UnitEventKind.CREATED, UnitEventKind.MERGED]
    assert UnitEventKind.ABSORBED in successor.events.values_list("kind", flat=True)
    before = merged.closed_on - dt.timedelta(days=1)
    commune = successor.parent
    assert merged.pk in {p.unit_id for p in org_queries.units_as_of(before, within=commune)}
    assert merged.pk not in {p.unit_id for p in org_queries.units_as_of(AS_OF, within=commune)}
    assert merged.tally.total == 0
    moved = Placement.objects.filter(unit=merged, valid_to=merged.closed_on)
    assert moved.exists()
    assert all(Placement.objects.filter(member=p.member, unit=successor, valid_from=merged.closed_on).exists()
               for p in moved)


def test_a_renamed_commune_keeps_its_old_name_in_history(loaded):
    event = UnitEvent.objects.get(kind=UnitEventKind.RENAMED)
    unit = event.unit
    assert event.on == dt.date(2025, 7, 1)
    assert event.details["new_name"] == unit.name != event.details["old_name"]
    names = {p.unit_id: p.name for p in org_queries.units_as_of(dt.date(2025, 6, 30))}
    assert names[unit.pk] == event.details["old_name"]
    assert {p.unit_id: p.name for p in org_queries.units_as_of(AS_OF)}[unit.pk] == unit.name


def test_services_work_on_generated_data(loaded):
    cell = Unit.objects.filter(kind=UnitKind.GRASSROOTS_CELL, closed_on__isnull=True).order_by("path").first()
    newest = Member.objects.order_by("-pk").values_list("pk", flat=True).first()
    member = make_member(cell, "Nguyễn Văn Mới")
    unit = make_unit(cell.parent, "NEW-1", "Chi bộ thôn Mới", "grassroots_cell", "residential")
    assert member.pk > newest
    assert unit.pk > Unit.objects.exclude(pk=unit.pk).order_by("-pk").first().pk
    assert tallies.verify() == []


def test_generate_refuses_a_database_with_data_unless_told_to_replace_it(loaded):
    with pytest.raises(DatasetExists):
        generate("province", members=500, as_of=AS_OF)
    cell = Unit.objects.filter(kind=UnitKind.GRASSROOTS_CELL).first()
    user = User.objects.create_user("keeper", member=Member.objects.filter(unit=cell).first())
    RoleGrant.objects.create(user=user, unit=cell, role="cell_secretary", valid_from=AS_OF)
    again = generate("province", members=500, seed=2, as_of=AS_OF, replace=True)
    assert Member.objects.count() == again.members < loaded.members
    assert Unit.objects.count() == again.units
    assert tallies.verify() == []
    user.refresh_from_db()
    assert user.member is None and not RoleGrant.objects.exists()
    assert not AuditEntry.objects.exists()


def test_some_members_are_temporarily_attached_elsewhere(loaded):
    temporary = Placement.objects.filter(kind="temporary")
    assert temporary.count() == Member.objects.filter(temp_unit__isnull=False).count() > 0
    for placement in temporary.select_related("member"):
        assert placement.member.temp_unit_id == placement.unit_id != placement.member.unit_id
