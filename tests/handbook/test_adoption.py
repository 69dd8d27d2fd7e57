"""The adoption report: per unit, official and probationary members who use the handbook."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from chibo.handbook.models import HandbookUse
from chibo.handbook.queries import adoption
from tests.factories.registry import make_member, make_user


def _used(user, days_ago: int, first_days_ago: int | None = None) -> None:
    now = timezone.now()
    HandbookUse.objects.create(user=user, last_at=now - dt.timedelta(days=days_ago),
                               first_at=now - dt.timedelta(days=first_days_ago or days_ago))


@pytest.fixture
def usage(cast, exempted):
    """K: member and secretary active, the exempted member too (not counted); K2: one member who
    last opened it 31 days ago; QK (the other province): one active member."""
    _used(cast.member, 0, 100)
    _used(cast.secretary, 29)
    _used(exempted, 1)
    k2_user = make_user("k2", member=make_member(cast.tree.k2, "Hoàng Văn Bảy"))
    _used(k2_user, 31)
    make_member(cast.tree.k2, "Ngô Thị Tám", sex="F")  # never used it
    _used(make_user("far", member=cast.far_m), 2)
    return cast


def _table(rows) -> list[tuple[str, int, int, int]]:
    return [(r.unit.code, r.members, r.ever, r.recent) for r in rows]


def test_adoption_counts_members_users_and_the_active_in_the_last_30_days(usage):
    rows = adoption(usage.tree.g)
    assert _table(rows) == [("G", 5, 3, 2), ("K", 3, 2, 2), ("K2", 2, 1, 0)]
    assert rows[1].ever_pct == pytest.approx(66.67, abs=0.01)
    assert rows[2].recent_pct == 0


def test_adoption_rolls_up_the_subtree_and_leaves_other_provinces_out(usage):
    assert _table(adoption(usage.tree.p)) == [("P", 5, 3, 2), ("C", 5, 3, 2)]
    assert _table(adoption(usage.tree.root)) == [("TW", 6, 4, 3), ("P", 5, 3, 2), ("Q", 1, 1, 1)]


def test_a_cell_has_no_children_rows_and_its_own_totals(usage):
    assert _table(adoption(usage.tree.k)) == [("K", 3, 2, 2)]


def test_a_unit_without_members_shows_no_percentage(cast):
    row = adoption(cast.tree.k2)[0]
    assert (row.members, row.ever_pct, row.recent_pct) == (0, None, None)


def test_the_console_report_is_scoped(usage, client):
    client.force_login(usage.province)
    page = client.get(reverse("console:handbook_adoption"))
    assert page.status_code == 200
    assert page.context["unit"] == usage.tree.p
    assert client.get(reverse("console:handbook_adoption"), {"unit": usage.tree.q.pk}).status_code == 404
    client.force_login(usage.secretary)
    page = client.get(reverse("console:handbook_adoption"), {"unit": usage.tree.k.pk})
    assert (page.context["total"].members, page.context["total"].ever) == (3, 2)
    assert client.get(reverse("console:handbook_adoption"), {"unit": usage.tree.g.pk}).status_code == 404
    client.force_login(usage.member)
    assert client.get(reverse("console:handbook_adoption")).status_code == 403


def test_the_report_costs_the_same_whatever_the_number_of_children(usage, client, django_assert_num_queries):
    client.force_login(usage.admin)
    url = reverse("console:handbook_adoption")
    client.get(url, {"unit": usage.tree.g.pk})
    with django_assert_num_queries(10):
        client.get(url, {"unit": usage.tree.g.pk})  # two children
    with django_assert_num_queries(10):
        client.get(url, {"unit": usage.tree.c.pk})  # one child
