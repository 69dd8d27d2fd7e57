"""Who may read a member's record: computed from the access policy (accounts.visibility)."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.accounts import roles
from chibo.accounts.models import RoleGrant
from chibo.accounts.roles import Perm, Role
from chibo.accounts.visibility import OFFICIAL, TEMPORARY, visibility_of
from chibo.members.models import SENSITIVE_FIELDS, Member
from tests.factories.registry import make_user

pytestmark = pytest.mark.django_db


def rows(member: Member):
    member = Member.objects.select_related("unit", "temp_unit").get(pk=member.pk)
    v = visibility_of(member)
    return {(r.unit.pk, r.role): r for r in v.readers}, v


def by_unit(v):
    return {(r.unit.pk, r.role): r for r in v.readers}


def test_the_roles_above_the_cell_read_it_with_their_masking(cast):
    t = cast.tree
    _, v = rows(cast.plain_m)
    got = by_unit(v)
    assert set(got) == {(t.root.pk, Role.ADMIN), (t.p.pk, Role.BOARD_STAFF), (t.c.pk, Role.COMMITTEE_LEADER),
                        (t.k.pk, Role.CELL_SECRETARY)}
    # root first, down to the cell
    assert [r.unit.pk for r in v.readers] == [t.root.pk, t.p.pk, t.c.pk, t.k.pk]
    assert got[(t.k.pk, Role.CELL_SECRETARY)].masked == SENSITIVE_FIELDS  # no members.view_sensitive
    assert got[(t.k.pk, Role.CELL_SECRETARY)].exports is False
    assert got[(t.p.pk, Role.BOARD_STAFF)].masked == ()
    assert got[(t.p.pk, Role.BOARD_STAFF)].exports is True
    assert all(r.holders == 1 and r.via == OFFICIAL and r.reads for r in v.readers)


def test_the_sibling_province_and_the_sibling_cell_never_appear(cast):
    t = cast.tree
    make_user("k2sec", role="cell_secretary", unit=t.k2)
    _, v = rows(cast.plain_m)
    units = {r.unit.pk for r in v.readers + v.others}
    assert t.q.pk not in units and t.k2.pk not in units
    # and the other province's member is read by the other province, not by ours
    _, far = rows(cast.far_m)
    assert {r.unit.pk for r in far.readers} == {t.root.pk, t.q.pk}


def test_people_are_counted_per_role_and_unit(cast):
    t = cast.tree
    make_user("p2", role="board_staff", unit=t.p)
    make_user("p3", role="board_staff", unit=t.p)
    gone = make_user("p4", role="board_staff", unit=t.p)
    gone.is_active = False  # a closed account reads nothing: not counted
    gone.save()
    _, v = rows(cast.plain_m)
    assert by_unit(v)[(t.p.pk, Role.BOARD_STAFF)].holders == 3


def test_a_grant_added_or_ended_changes_it(cast):
    t = cast.tree
    _, before = rows(cast.plain_m)
    assert (t.g.pk, Role.AUDITOR) not in by_unit(before)
    auditor = make_user("aud", role="auditor", unit=t.g)
    _, added = rows(cast.plain_m)
    reader = by_unit(added)[(t.g.pk, Role.AUDITOR)]
    assert reader.masked == SENSITIVE_FIELDS and reader.holders == 1
    RoleGrant.objects.filter(user=auditor).update(valid_to=dt.date.today())  # ended today
    _, ended = rows(cast.plain_m)
    assert (t.g.pk, Role.AUDITOR) not in by_unit(ended)


def test_a_change_of_the_role_permissions_changes_it(cast, monkeypatch):
    t = cast.tree
    changed = dict(roles.ROLE_PERMISSIONS)
    changed[Role.CELL_SECRETARY] = changed[Role.CELL_SECRETARY] | {Perm.MEMBERS_VIEW_SENSITIVE}
    changed[Role.BOARD_STAFF] = changed[Role.BOARD_STAFF] - {Perm.MEMBERS_VIEW}
    from chibo.accounts import policy, visibility

    monkeypatch.setattr(policy, "ROLE_PERMISSIONS", changed)
    monkeypatch.setattr(visibility, "ROLE_PERMISSIONS", changed)
    _, v = rows(cast.plain_m)
    got = by_unit(v)
    assert got[(t.k.pk, Role.CELL_SECRETARY)].masked == ()  # now sees the sensitive fields
    assert (t.p.pk, Role.BOARD_STAFF) not in got  # no longer reads member records


def test_a_plain_member_role_reads_nothing(cast):
    t = cast.tree
    make_user("m2", role="member", unit=t.k)
    _, v = rows(cast.plain_m)
    assert (t.k.pk, Role.MEMBER) not in by_unit(v)


def test_the_temporary_cell_does_not_read_the_record(cast):
    """The policy reads members by their official cell: the temporary cell's secretary is listed
    apart, as not reading the record."""
    t = cast.tree
    make_user("qsec", role="cell_secretary", unit=t.qk)
    Member.objects.filter(pk=cast.plain_m.pk).update(temp_unit=t.qk)
    _, v = rows(cast.plain_m)
    assert (t.qk.pk, Role.CELL_SECRETARY) not in by_unit(v)
    other = {(r.unit.pk, r.role): r for r in v.others}
    assert other[(t.qk.pk, Role.CELL_SECRETARY)].via == TEMPORARY
    assert other[(t.qk.pk, Role.CELL_SECRETARY)].reads is False
    assert (t.q.pk, Role.BOARD_STAFF) in other  # the outsider's province, listed as not reading


def test_one_query_per_part(cast, django_assert_max_num_queries):
    for i in range(5):
        make_user(f"extra{i}", role="committee_leader", unit=cast.tree.g)
    member = Member.objects.select_related("unit", "temp_unit").get(pk=cast.plain_m.pk)
    with django_assert_max_num_queries(4):  # transfer, grants, units, the EXISTS row
        visibility_of(member)


def test_the_receiving_side_of_a_transfer_in_progress_is_listed_apart(cast):
    from chibo.members.transfers.models import Transfer

    t = cast.tree
    Transfer.objects.create(member=cast.plain_m, kind="official", reason="residence", state="left",
                            from_unit=t.k, from_path=t.k.path, to_unit=t.qc, to_path=t.qc.path,
                            decided_on=dt.date.today(), decided_by="Đảng ủy xã Đông Sơn", letter_type="other_province",
                            start_by=dt.date.today() + dt.timedelta(days=60))
    _, v = rows(cast.plain_m)
    other = {(r.unit.pk, r.role): r for r in v.others}
    assert other[(t.q.pk, Role.BOARD_STAFF)].via == "transfer"  # the receiving province, not reading yet
    assert (t.q.pk, Role.BOARD_STAFF) not in by_unit(v)
    Transfer.objects.update(state="accepted")  # accepted: no longer in progress
    _, done = rows(cast.plain_m)
    assert done.others == []
