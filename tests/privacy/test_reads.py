"""A member's reads and exports from the audit log (core.audit_queries)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from chibo.accounts.models import RoleGrant
from chibo.accounts.policy import SYSTEM
from chibo.core.audit_queries import decode_cursor, reads_of
from chibo.members.models import Member, Placement
from chibo.members.queries import profile_for
from tests.factories.registry import make_user
from tests.privacy.conftest import line

pytestmark = pytest.mark.django_db


def actions(page):
    return [(r.entry.action, r.entry.pk) for r in page.rows]


def test_own_reads_and_a_staff_read_with_role_and_unit(cast):
    m = cast.plain_m
    profile_for(cast.member, m)  # the member opens their own record
    profile_for(cast.province, m)  # a province officer opens it: the sensitive fields shown
    profile_for(cast.secretary, m)  # the cell secretary: masked
    page = reads_of(m)
    assert len(page.rows) == 3
    sec, prov, own = page.rows  # newest first
    assert own.by_self and not own.roles
    assert prov.roles == [("board_staff", cast.tree.p)] and prov.entry.payload == {"sensitive": True}
    assert sec.roles == [("cell_secretary", cast.tree.k)] and sec.entry.payload == {"sensitive": False}
    assert page.next_cursor is None


def test_another_members_reads_are_never_shown(cast):
    profile_for(cast.province, cast.other_m)
    profile_for(cast.outsider, cast.far_m)
    assert reads_of(cast.plain_m).rows == []


def test_entries_older_than_12_months_are_left_out(cast):
    m = cast.plain_m
    kept = line("members.viewed", actor=cast.province, obj=m, unit_path=m.unit_path, days_ago=364)
    line("members.viewed", actor=cast.province, obj=m, unit_path=m.unit_path, days_ago=366)
    line("members.exported", actor=cast.province, obj=cast.tree.p, unit_path=cast.tree.p.path, days_ago=400)
    assert [r.entry.pk for r in reads_of(m).rows] == [kept.pk]


def test_an_export_of_an_ancestor_scope_counts_a_sibling_scope_does_not(cast):
    t, m = cast.tree, cast.plain_m
    mine = line("members.exported", actor=cast.province, obj=t.p, unit_path=t.p.path,
                payload={"count": 3, "format": "xlsx", "masked": False}, days_ago=3)
    cell = line("reports.exported", actor=cast.secretary, obj=t.k, unit_path=t.k.path,
                payload={"kind": "members", "format": "pdf", "title": "Danh sách", "masked": True}, days_ago=2)
    line("members.exported", actor=cast.commune, obj=t.k2, unit_path=t.k2.path, days_ago=2)  # the other cell
    line("members.exported", actor=cast.outsider, obj=t.q, unit_path=t.q.path, days_ago=2)  # the other province
    line("members.updated", actor=cast.province, obj=t.p, unit_path=t.p.path, days_ago=1)  # not an export
    page = reads_of(m)
    assert [r.entry.pk for r in page.rows] == [cell.pk, mine.pk]
    assert page.rows[0].scope == t.k and page.rows[1].scope == t.p
    assert page.rows[1].roles == [("board_staff", t.p)]


def test_an_export_counts_where_the_member_was_that_day(cast):
    """Moved from K2 to K 100 days ago: an export of K2 before the move counts, after it not."""
    t, m = cast.tree, cast.plain_m
    today = timezone.localdate()
    Placement.objects.filter(member=m).update(valid_from=today - dt.timedelta(days=100))
    Placement.objects.create(member=m, unit=t.k2, kind="official", valid_from=today - dt.timedelta(days=500),
                             valid_to=today - dt.timedelta(days=100))
    before = line("members.exported", actor=cast.commune, obj=t.k2, unit_path=t.k2.path, days_ago=150)
    line("members.exported", actor=cast.commune, obj=t.k2, unit_path=t.k2.path, days_ago=50)
    line("members.exported", actor=cast.commune, obj=t.k, unit_path=t.k.path, days_ago=150)
    after = line("members.exported", actor=cast.commune, obj=t.k, unit_path=t.k.path, days_ago=50)
    assert [r.entry.pk for r in reads_of(m).rows] == [after.pk, before.pk]


def test_an_export_of_another_members_review_form_is_not_theirs_their_own_is(cast):
    from chibo.quality.models import MemberReview
    from tests.quality.conftest import YEAR, open_year

    t, m = cast.tree, cast.plain_m
    open_year(t.c)
    theirs = MemberReview.objects.get(member=cast.other_m, year=YEAR)
    own = MemberReview.objects.get(member=m, year=YEAR)
    line("reports.exported", actor=cast.secretary, obj=theirs, unit_path=t.k.path, days_ago=1)
    mine = line("reports.exported", actor=cast.secretary, obj=own, unit_path=t.k.path, days_ago=1)
    assert [r.entry.pk for r in reads_of(m).rows] == [mine.pk]


def test_roles_are_those_valid_on_the_day(cast):
    t, m = cast.tree, cast.plain_m
    clerk = make_user("clerk", role="board_staff", unit=t.c)
    RoleGrant.objects.filter(user=clerk).update(valid_from=timezone.localdate() - dt.timedelta(days=30))
    RoleGrant.objects.create(user=clerk, unit=t.p, role="committee_leader",
                             valid_from=timezone.localdate() - dt.timedelta(days=200),
                             valid_to=timezone.localdate() - dt.timedelta(days=30))
    old = line("members.viewed", actor=clerk, obj=m, unit_path=m.unit_path, days_ago=60)
    new = line("members.viewed", actor=clerk, obj=m, unit_path=m.unit_path, days_ago=10)
    rows = {r.entry.pk: r for r in reads_of(m).rows}
    assert rows[old.pk].roles == [("committee_leader", t.p)]
    assert rows[new.pk].roles == [("board_staff", t.c)]


def test_a_system_read(cast):
    m = cast.plain_m
    line("members.viewed", actor=SYSTEM, obj=m, unit_path=m.unit_path, days_ago=1)
    (read,) = reads_of(m).rows
    assert read.by_system


def test_keyset_pages_newest_first_without_gaps_or_repeats(cast):
    t, m = cast.tree, cast.plain_m
    made = []
    for i in range(7):
        made.append(line("members.viewed", actor=cast.province, obj=m, unit_path=m.unit_path, days_ago=10 - i))
        made.append(line("members.exported", actor=cast.province, obj=t.p, unit_path=t.p.path, days_ago=10.5 - i))
    # two lines at the very same time: the id breaks the tie
    same = line("members.viewed", actor=cast.province, obj=m, unit_path=m.unit_path, days_ago=0.5)
    from chibo.core.models import AuditEntry

    AuditEntry.objects.filter(pk=made[0].pk).update(at=same.at)
    seen, cursor = [], None
    for _ in range(10):
        page = reads_of(m, after=cursor, size=4)
        seen += [r.entry.pk for r in page.rows]
        cursor = page.next_cursor
        if cursor is None:
            break
    expected = [e.pk for e in sorted(AuditEntry.objects.filter(pk__in=[e.pk for e in made] + [same.pk]),
                                     key=lambda e: (e.at, e.pk), reverse=True)]
    assert seen == expected and len(seen) == 15


@pytest.mark.parametrize("text", ["", "x", "1-", "-1", "99999999999999999999999-1", "1-0", "1-99999999999999999999"])
def test_a_bad_cursor_is_the_first_page(text):
    assert decode_cursor(text) is None


def test_query_count_does_not_grow_with_the_reads(cast, django_assert_max_num_queries):
    t, m = cast.tree, cast.plain_m
    for i in range(30):
        line("members.viewed", actor=[cast.province, cast.secretary, cast.commune][i % 3], obj=m,
             unit_path=m.unit_path, days_ago=i + 1)
        line("reports.exported", actor=cast.admin, obj=t.root, unit_path=t.root.path, days_ago=i + 1.5)
    member = Member.objects.select_related("unit", "temp_unit").get(pk=m.pk)
    # placements, unit positions, views, exports, grants, export scopes
    with django_assert_max_num_queries(6):
        page = reads_of(member)
    assert len(page.rows) == 20


def test_pages_stay_full_when_lines_are_left_out(cast):
    """Exports of the cell the member left, after they left, are skipped without ending the pages early."""
    t, m = cast.tree, cast.plain_m
    today = timezone.localdate()
    Placement.objects.filter(member=m).update(valid_from=today - dt.timedelta(days=300))
    Placement.objects.create(member=m, unit=t.k2, kind="official", valid_from=today - dt.timedelta(days=900),
                             valid_to=today - dt.timedelta(days=300))
    counted = []
    for i in range(12):
        line("members.exported", actor=cast.commune, obj=t.k2, unit_path=t.k2.path, days_ago=i + 1.2)
        counted.append(line("members.exported", actor=cast.commune, obj=t.k, unit_path=t.k.path, days_ago=i + 1.5))
    seen, cursor = [], None
    for _ in range(10):
        page = reads_of(m, after=cursor, size=3)
        seen += [r.entry.pk for r in page.rows]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [e.pk for e in counted]
