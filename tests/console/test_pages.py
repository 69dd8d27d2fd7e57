"""What the console pages show, and how many queries they take (constant in the data size)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from chibo.core.models import AuditEntry
from tests.factories.registry import make_member, make_unit


def test_unit_page_shows_scope_breadcrumbs_figures_and_members(cast, login):
    response = login("province").get(reverse("console:unit", args=[cast.tree.g.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert [u.code for u in response.context["ancestors"]] == ["P", "C"]
    assert "Đảng bộ Trường THCS Đông Sơn" in html
    assert "including subordinate units" in html
    assert dict((str(k), v) for k, v in response.context["figures"])["Members"] == 3
    assert [m.full_name for m in response.context["page"].rows] == [
        "Đặng Văn An", "Lê Hoàng Cường", "Trần Thị Bình",
    ]
    assert [u.code for u, _w in response.context["children"]] == ["K", "K2"]
    assert [str(e.get_kind_display()) for e in response.context["events"]] == ["Created"]


def test_unit_page_shows_charter_warnings(cast, login):
    response = login("province").get(reverse("console:unit", args=[cast.tree.k2.pk]))
    assert response.context["warnings"] == ["A cell needs at least 3 official members (Party Charter)."]
    assert "A cell needs at least 3 official members" in response.content.decode()


def test_search_is_accent_insensitive(cast, login):
    make_member(cast.tree.k2, "Nguyễn Văn Bình")
    client = login("province")
    response = client.get(reverse("console:unit", args=[cast.tree.p.pk]), {"q": "nguyen van"})
    assert [m.full_name for m in response.context["page"].rows] == ["Nguyễn Văn Bình"]
    response = client.get(reverse("console:unit", args=[cast.tree.p.pk]), {"q": "dang"})
    assert [m.full_name for m in response.context["page"].rows] == ["Đặng Văn An"]


def test_filters_narrow_the_list(cast, login):
    client = login("province")
    url = reverse("console:unit", args=[cast.tree.k.pk])
    women = client.get(url, {"sex": "F"}).context["page"].rows
    assert [m.full_name for m in women] == ["Trần Thị Bình"]
    buddhists = client.get(url, {"religion": "buddhism"}).context["page"].rows
    assert [m.full_name for m in buddhists] == ["Trần Thị Bình"]
    over_45 = client.get(url, {"age_band": "46-60"}).context["page"].rows
    assert [m.full_name for m in over_45] == ["Lê Hoàng Cường", "Trần Thị Bình"]


def test_the_list_opens_on_current_members_and_can_show_every_status(cast, login):
    make_member(cast.tree.k, "Phạm Văn Cũ", status="removed")
    client = login("province")
    url = reverse("console:unit", args=[cast.tree.k.pk])

    opened = client.get(url)
    assert "Phạm Văn Cũ" not in [m.full_name for m in opened.context["page"].rows]
    assert opened.context["filter_form"]["status"].value() == "current"
    assert opened.context["filter_form"].narrowed == 0  # the default is not counted as a filter
    every = client.get(url, {"status": "all"}).context["page"].rows
    assert "Phạm Văn Cũ" in [m.full_name for m in every]
    assert [m.full_name for m in client.get(url, {"status": "removed"}).context["page"].rows] == ["Phạm Văn Cũ"]


def test_sensitive_filters_are_offered_only_to_roles_that_see_sensitive_fields(cast, login):
    url = reverse("console:unit", args=[cast.tree.k.pk])
    secretary = login("secretary").get(url, {"religion": "buddhism"})
    assert "religion" not in secretary.context["filter_form"].fields
    assert len(secretary.context["page"].rows) == 3  # the filter is ignored, not applied
    province = login("province").get(url)
    assert "religion" in province.context["filter_form"].fields


def test_member_list_pages_by_keyset(cast, login, monkeypatch):
    monkeypatch.setattr("chibo.console.views.units.MEMBERS_PER_PAGE", 2)
    client = login("province")
    url = reverse("console:unit", args=[cast.tree.k.pk])
    first = client.get(url)
    assert [m.full_name for m in first.context["page"].rows] == ["Đặng Văn An", "Lê Hoàng Cường"]
    cursor = first.context["page"].next_cursor
    assert f"after={cursor}" in first.content.decode()
    second = client.get(url, {"after": cursor})
    assert [m.full_name for m in second.context["page"].rows] == ["Trần Thị Bình"]
    assert second.context["page"].next_cursor is None


def test_member_list_fragment_for_htmx(cast, login):
    response = login("province").get(
        reverse("console:unit", args=[cast.tree.k.pk]), {"q": "tran"},
        headers={"HX-Request": "true", "HX-Target": "member-list"},
    )
    html = response.content.decode()
    assert html.startswith('<div id="member-list">')
    assert "Trần Thị Bình" in html and "<html" not in html


def test_tree_children_fragment_lists_children_with_counts_and_warnings(cast, login):
    response = login("province").get(reverse("console:unit_children", args=[cast.tree.g.pk]))
    nodes = response.context["nodes"]
    assert [(u.code, u.tally.total) for u, _w in nodes] == [("K", 3), ("K2", 0)]
    assert nodes[1][1] == ["A cell needs at least 3 official members (Party Charter)."]
    html = response.content.decode()
    assert "3 members" in html and 'hx-trigger="toggle once"' in html


def test_member_page_masks_sensitive_fields_for_a_secretary(cast, login):
    response = login("secretary").get(reverse("console:member", args=[cast.plain_m.pk]))
    html = response.content.decode()
    cid = cast.plain_m.citizen_id
    assert response.context["masked"] is True
    assert cid not in html
    assert "••••••••" + cid[-4:] in html
    assert "0987654321" not in html


def test_member_page_shows_sensitive_fields_to_the_province(cast, login):
    response = login("province").get(reverse("console:member", args=[cast.sec_m.pk]))
    html = response.content.decode()
    assert response.context["masked"] is False
    assert cast.sec_m.citizen_id in html
    assert "0912345678" in html
    assert "Buddhism" in html


def test_member_sees_own_record_unmasked(cast, login):
    response = login("member").get(reverse("console:member", args=[cast.plain_m.pk]))
    assert cast.plain_m.citizen_id in response.content.decode()
    assert response.context["may_open_unit"] is False


@pytest.mark.parametrize(("persona", "sensitive"), [("secretary", False), ("province", True)])
def test_profile_view_writes_an_audit_line(persona, sensitive, cast, login):
    AuditEntry.objects.all().delete()
    login(persona).get(reverse("console:member", args=[cast.plain_m.pk]))
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.object_id, entry.unit_path, entry.payload) == (
        "members.viewed", getattr(cast, persona), str(cast.plain_m.pk), cast.tree.k.path,
        {"sensitive": sensitive},
    )


def test_audit_page_is_scoped_and_filterable(cast, login):
    login("province").get(reverse("console:member", args=[cast.plain_m.pk]))
    login("outsider").get(reverse("console:member", args=[cast.far_m.pk]))
    outsider = login("outsider").get(reverse("console:audit"), {"action": "members.viewed"})
    rows = [entry for entry, _label in outsider.context["rows"]]
    assert [(e.action, e.object_id) for e in rows] == [("members.viewed", str(cast.far_m.pk))]
    province = login("province").get(reverse("console:audit"), {"action": "members.viewed"})
    assert [e.object_id for e, _l in province.context["rows"]] == [str(cast.plain_m.pk)]
    assert "Viewed a member&#x27;s profile" in province.content.decode()


def test_audit_page_pages_by_id(cast, login, monkeypatch):
    monkeypatch.setattr("chibo.console.views.audit.PAGE_SIZE", 2)
    client = login("province")
    first = client.get(reverse("console:audit"), {"action": "members.created"})
    ids = [e.pk for e, _l in first.context["rows"]]
    assert len(ids) == 2 and ids[0] > ids[1]
    second = client.get(reverse("console:audit"), {"action": "members.created", "after": ids[-1]})
    assert [e.pk for e, _l in second.context["rows"]] == [ids[-1] - 1]
    assert second.context["next_cursor"] is None


def test_unit_picker_finds_units_by_folded_name_and_code(cast, login):
    client = login("province")
    by_name = client.get(reverse("console:unit_search"), {"q": "dong son"})
    assert [u.code for u in by_name.context["units"]] == ["C", "G"]
    by_code = client.get(reverse("console:unit_search"), {"q": "K2"})
    assert [u.code for u in by_code.context["units"]] == ["K2"]
    assert "Chi bộ Giáo viên 2" in by_code.content.decode()


# --- query counts: each list is checked with 1 and 3 items -----------------------------------


def _members(unit, n):
    for i in range(n):
        make_member(unit, f"Vũ Thị Mai {chr(65 + i)}", sex="F", birth_date=dt.date(1980 + i, 1, 1))


@pytest.mark.parametrize("n", [1, 3])
def test_unit_page_query_count_does_not_grow(n, tree, client, django_assert_num_queries):
    from tests.factories.registry import make_user

    _members(tree.k2, n)
    for i in range(n):
        make_unit(tree.g, f"G{i}", f"Chi bộ mới {i}", "cell")
    client.force_login(make_user("board", role="board_staff", unit=tree.p))
    # 13: the navigation bar counts the unread notifications (one indexed COUNT)
    with django_assert_num_queries(13):
        response = client.get(reverse("console:unit", args=[tree.g.pk]))
    assert len(response.context["page"].rows) == n


@pytest.mark.parametrize("n", [1, 3])
def test_tree_children_query_count_does_not_grow(n, tree, client, django_assert_num_queries):
    from tests.factories.registry import make_user

    for i in range(n):
        make_unit(tree.g, f"G{i}", f"Chi bộ mới {i}", "cell")
    client.force_login(make_user("board", role="board_staff", unit=tree.p))
    with django_assert_num_queries(7):
        response = client.get(reverse("console:unit_children", args=[tree.g.pk]))
    assert len(response.context["nodes"]) == n + 2


@pytest.mark.parametrize("n", [1, 3])
def test_tree_roots_query_count_does_not_grow(n, tree, client, django_assert_num_queries):
    from chibo.accounts.models import RoleGrant
    from tests.factories.registry import OPENED, make_user

    user = make_user("reader", role="auditor", unit=tree.c)
    extra = [tree.qc, make_unit(tree.root, "R", "Tỉnh Thượng Sơn", "province")]
    for unit in extra[: n - 1]:
        RoleGrant.objects.create(user=user, unit=unit, role="auditor", valid_from=OPENED)
    client.force_login(user)
    with django_assert_num_queries(9):
        response = client.get(reverse("console:tree"))
    assert len(response.context["nodes"]) == n


@pytest.mark.parametrize("n", [1, 3])
def test_unit_search_query_count_does_not_grow(n, tree, client, django_assert_num_queries):
    from tests.factories.registry import make_user

    for i in range(n):
        make_unit(tree.g, f"S{i}", f"Chi bộ Sơn Trà {i}", "cell")
    client.force_login(make_user("board", role="board_staff", unit=tree.p))
    with django_assert_num_queries(4):
        response = client.get(reverse("console:unit_search"), {"q": "son tra"})
    assert len(response.context["units"]) == n


@pytest.mark.parametrize("n", [1, 3])
def test_audit_page_query_count_does_not_grow(n, cast, login, django_assert_num_queries):
    AuditEntry.objects.all().delete()
    for _ in range(n):
        AuditEntry.objects.create(actor=cast.province, action="members.viewed", object_type="member",
                                  object_id=str(cast.plain_m.pk), unit_path=cast.tree.k.path)
    client = login("province")
    with django_assert_num_queries(6):
        response = client.get(reverse("console:audit"))
    assert len(response.context["rows"]) == n


@pytest.mark.parametrize("n", [1, 3])
def test_member_page_query_count_does_not_grow(n, cast, login, django_assert_num_queries):
    from chibo.accounts.policy import SYSTEM
    from chibo.members.services import transfer_member

    member = cast.plain_m
    for i in range(n - 1):
        target = cast.tree.k2 if i % 2 == 0 else cast.tree.k
        member = transfer_member(member, actor=SYSTEM, to_unit=target, on=dt.date(2021 + i, 1, 1))
    client = login("province")
    # 8 for the page itself and 28 for the four lifecycle panels (each has its own constant-count test)
    with django_assert_num_queries(36):
        response = client.get(reverse("console:member", args=[member.pk]))
    assert len(response.context["placements"]) == n


def test_dates_read_day_first_in_english_too(client, cast):
    client.force_login(cast.province)
    response = client.get(f"/members/{cast.plain_m.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "09/07/1990" in response.content.decode()


def test_opening_an_action_address_as_a_page_explains_what_to_do(cast, login):
    client = login("province")
    unit_page = reverse("console:unit", args=[cast.tree.c.pk])
    response = client.get(reverse("console:member_export", args=[cast.tree.c.pk]),
                          HTTP_REFERER=f"http://testserver{unit_page}")
    html = response.content.decode()
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "Use the button on the page" in html
    assert f'href="http://testserver{unit_page}"' in html
    assert "Content-Security-Policy" in response


def test_a_refused_request_is_logged_in_one_line_without_a_traceback(cast, login, caplog):
    url = reverse("console:progress_reports", args=[cast.tree.k.pk])
    with caplog.at_level("WARNING", logger="django.request"):
        assert login("secretary").post(url, {"action": "take", "cutoff": "2024-06-30"}).status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == f"Forbidden (Permission denied): {url}"
    assert record.exc_info is None and "Traceback" not in caplog.text
