import datetime as dt

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.core.errors import DomainError, PermissionDenied
from chibo.members import tallies
from chibo.members.models import Member, UnitMemberTally
from chibo.org import paths, queries
from chibo.org import services as us
from chibo.org.models import Unit, UnitEvent
from chibo.restructuring import services as restructuring
from tests.factories.registry import make_member, make_unit

D = dt.date


def test_paths_are_fixed_width_segments_and_subtrees_are_ranges(tree):
    assert tree.root.path == "00001"
    assert tree.p.path == "0000100001"
    assert tree.q.path == "0000100002"
    assert paths.upper_bound(tree.p.path) == "0000100002"
    codes = list(Unit.objects.subtree(tree.p).order_by("path").values_list("code", flat=True))
    assert codes == ["P", "C", "G", "K", "K2"]
    assert tree.k.depth == 5


def test_subtree_query_is_an_index_range(tree):
    sql = str(Unit.objects.subtree(tree.p).query)
    assert "LIKE" not in sql.upper()
    assert ">=" in sql and "<" in sql


def test_duplicate_code_is_a_field_error(tree):
    with pytest.raises(DomainError) as err:
        make_unit(tree.p, "C", "Xã khác", "commune")
    assert list(err.value.field_errors) == ["code"]
    assert Unit.objects.filter(code="C").count() == 1


def test_rename_records_event_and_keeps_old_name_as_of_before(tree):
    us.rename_unit(tree.c, actor=SYSTEM, name="Phường Đông Sơn", on=D(2025, 7, 1), decision="12-QĐ/TU")
    before = {p.unit.code: p.name for p in queries.units_as_of(D(2025, 6, 30))}
    after = {p.unit.code: p.name for p in queries.units_as_of(D(2025, 7, 1))}
    assert before["C"] == "Xã Đông Sơn"
    assert after["C"] == "Phường Đông Sơn"
    event = UnitEvent.objects.get(unit=tree.c, kind="renamed")
    assert event.details == {"old_name": "Xã Đông Sơn", "new_name": "Phường Đông Sơn"}
    assert event.decision == "12-QĐ/TU"


def test_move_rewrites_subtree_paths_members_and_tallies(cast):
    t = cast.tree
    restructuring.move_unit(t.g, actor=SYSTEM, new_parent=t.qc, on=D(2025, 7, 1))
    t.g.refresh_from_db()
    assert t.g.path.startswith(t.qc.path)
    assert Unit.objects.get(code="K").path.startswith(t.g.path)
    assert Member.objects.get(pk=cast.plain_m.pk).unit_path == Unit.objects.get(code="K").path
    assert UnitMemberTally.objects.get(unit=t.p).total == 0
    assert UnitMemberTally.objects.get(unit=t.q).total == 4
    assert UnitMemberTally.objects.get(unit=t.root).total == 4
    assert tallies.verify() == []
    # as of the day before, K still rolls up under P
    old = queries.units_as_of(D(2025, 6, 30), within=t.p)
    assert "K" in {p.unit.code for p in old}
    new = queries.units_as_of(D(2025, 7, 1), within=t.p)
    assert "K" not in {p.unit.code for p in new}


def test_move_under_own_subtree_is_refused(tree):
    with pytest.raises(DomainError):
        restructuring.move_unit(tree.c, actor=SYSTEM, new_parent=tree.k, on=D(2025, 1, 1))


def test_merge_moves_members_closes_source_under_successor(cast):
    t = cast.tree
    restructuring.merge_units([t.k], into=t.k2, actor=SYSTEM, on=D(2025, 7, 1), decision="5-QĐ/ĐU")
    k = Unit.objects.get(code="K")
    assert k.closed_on == D(2025, 7, 1)
    assert k.successor_id == t.k2.pk
    assert k.parent_id == t.k2.pk  # a closed unit stays in the tree under its successor
    assert Member.objects.filter(unit=t.k2).count() == 3
    assert UnitMemberTally.objects.get(unit=t.k2).total == 3
    assert tallies.verify() == []
    kinds = dict(UnitEvent.objects.filter(on=D(2025, 7, 1)).values_list("unit__code", "kind"))
    assert kinds == {"K": "merged", "K2": "absorbed"}
    assert [u.code for u in Unit.objects.open_on(D(2025, 7, 1)).filter(parent=t.g)] == ["K2"]


def test_merge_of_communes_carries_their_subtrees(cast):
    t = cast.tree
    c2 = make_unit(t.p, "C2", "Xã Tây Hà", "commune")
    restructuring.merge_units([t.c], into=c2, actor=SYSTEM, on=D(2025, 7, 1))
    assert Unit.objects.get(code="G").parent_id == c2.pk
    assert UnitMemberTally.objects.get(unit=c2).total == 3
    assert tallies.verify() == []


def test_split_assigns_every_member(cast):
    t = cast.tree
    members = {cast.sec_m.pk: 0, cast.plain_m.pk: 1, cast.other_m.pk: 1}
    parts = [{"code": "K-A", "name": "Chi bộ Giáo viên 1A"}, {"code": "K-B", "name": "Chi bộ Giáo viên 1B"}]
    with pytest.raises(DomainError):
        restructuring.split_unit(t.k, actor=SYSTEM, on=D(2025, 9, 1), parts=parts, members={cast.sec_m.pk: 0})
    a, b = restructuring.split_unit(t.k, actor=SYSTEM, on=D(2025, 9, 1), parts=parts, members=members)
    assert Member.objects.filter(unit=b).count() == 2
    k = Unit.objects.get(code="K")
    assert (k.closed_on, k.successor_id) == (D(2025, 9, 1), a.pk)
    assert tallies.verify() == []


def test_close_refuses_while_members_remain(cast):
    with pytest.raises(DomainError):
        restructuring.close_unit(cast.tree.k, actor=SYSTEM, on=D(2025, 1, 1))
    empty = make_unit(cast.tree.g, "K3", "Chi bộ Giáo viên 3", "cell")
    restructuring.close_unit(empty, actor=SYSTEM, on=D(2025, 1, 1))
    assert Unit.objects.get(code="K3").closed_on == D(2025, 1, 1)


def test_only_board_staff_in_scope_may_restructure(cast):
    with pytest.raises(PermissionDenied):
        us.rename_unit(cast.tree.c, actor=cast.commune, name="X", on=D(2025, 1, 1))
    with pytest.raises(PermissionDenied):
        us.rename_unit(cast.tree.c, actor=cast.outsider, name="X", on=D(2025, 1, 1))
    us.rename_unit(cast.tree.c, actor=cast.province, name="Phường Đông Sơn", on=D(2025, 1, 1))


def test_charter_warnings(cast):
    t = cast.tree
    k2_counts = UnitMemberTally.objects.get(unit=t.k2).as_dict()
    assert queries.charter_warnings(t.k2, k2_counts) == [
        "A cell needs at least 3 official members (Party Charter)."
    ]
    k_counts = UnitMemberTally.objects.get(unit=t.k).as_dict()
    assert queries.charter_warnings(t.k, k_counts) == []
    big = {"total": 30, "official": 30}
    assert len(queries.charter_warnings(t.qk, big)) == 1


def test_cell_can_take_members_but_commune_cannot(tree):
    with pytest.raises(DomainError) as err:
        make_member(tree.c, "Ngô Văn Bảy")
    assert "unit" in err.value.field_errors
