"""The persona matrix on every console URL: allowed, 404 outside scope, 403 on forbidden writes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from chibo.imports.models import ImportJob
from chibo.members.models import Member
from chibo.org.models import Unit
from tests.console.conftest import PERSONAS, statuses

OK, FORBIDDEN, MISSING = 200, 403, 404


def _matrix(admin, province, commune, secretary, member, outsider):
    return dict(zip(PERSONAS, (admin, province, commune, secretary, member, outsider), strict=True))


READ_PAGES = {
    "tree": (lambda c: reverse("console:tree"), _matrix(OK, OK, OK, OK, FORBIDDEN, OK)),
    "cell page": (lambda c: reverse("console:unit", args=[c.tree.k.pk]), _matrix(OK, OK, OK, OK, MISSING, MISSING)),
    "commune page": (lambda c: reverse("console:unit", args=[c.tree.c.pk]),
                     _matrix(OK, OK, OK, MISSING, MISSING, MISSING)),
    "sibling province": (lambda c: reverse("console:unit", args=[c.tree.q.pk]),
                         _matrix(OK, MISSING, MISSING, MISSING, MISSING, OK)),
    "children": (lambda c: reverse("console:unit_children", args=[c.tree.g.pk]),
                 _matrix(OK, OK, OK, MISSING, MISSING, MISSING)),
    "unit search": (lambda c: reverse("console:unit_search") + "?q=chi+bo", _matrix(OK, OK, OK, OK, OK, OK)),
    "member page": (lambda c: reverse("console:member", args=[c.plain_m.pk]), _matrix(OK, OK, OK, OK, OK, MISSING)),
    "other member": (lambda c: reverse("console:member", args=[c.other_m.pk]),
                     _matrix(OK, OK, OK, OK, MISSING, MISSING)),
    "far member": (lambda c: reverse("console:member", args=[c.far_m.pk]),
                   _matrix(OK, MISSING, MISSING, MISSING, MISSING, OK)),
    "audit": (lambda c: reverse("console:audit"), _matrix(OK, OK, OK, FORBIDDEN, FORBIDDEN, OK)),
    "import form": (lambda c: reverse("console:import_upload"), _matrix(OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK)),
    # write forms (GET): read-only roles get 403, people outside the scope 404
    "add member": (lambda c: reverse("console:member_create", args=[c.tree.k.pk]),
                   _matrix(OK, OK, FORBIDDEN, FORBIDDEN, MISSING, MISSING)),
    "edit member": (lambda c: reverse("console:member_edit", args=[c.plain_m.pk]),
                    _matrix(OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, MISSING)),
    **{
        f"unit {op}": (lambda c, op=op: reverse(f"console:unit_{op}", args=[c.tree.g.pk]),
                       _matrix(OK, OK, FORBIDDEN, MISSING, MISSING, MISSING))
        for op in ("add", "rename", "move", "merge", "close")
    },
    "rename cell": (lambda c: reverse("console:unit_rename", args=[c.tree.k.pk]),
                    _matrix(OK, OK, FORBIDDEN, FORBIDDEN, MISSING, MISSING)),
}

@pytest.mark.parametrize("page", list(READ_PAGES))
def test_persona_matrix(page, cast, client):
    url_of, expected = READ_PAGES[page]
    assert statuses(client, cast, url_of(cast)) == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_home_sends_each_persona_to_their_scope(persona, cast, login):
    target = {
        "admin": reverse("console:unit", args=[cast.tree.root.pk]),
        "province": reverse("console:unit", args=[cast.tree.p.pk]),
        "commune": reverse("console:unit", args=[cast.tree.c.pk]),
        "secretary": reverse("console:unit", args=[cast.tree.k.pk]),
        "member": reverse("handbook:home"),
        "outsider": reverse("console:unit", args=[cast.tree.q.pk]),
    }[persona]
    response = login(persona).get(reverse("console:home"))
    assert response.status_code == 302
    assert response["Location"] == target


def test_account_without_grant_or_record_sees_no_access_page(client, cast):
    from tests.factories.registry import make_user

    client.force_login(make_user("nobody"))
    response = client.get(reverse("console:home"))
    assert response.status_code == 403
    assert "no access" in response.content.decode()


@pytest.mark.parametrize("name", ["console:home", "console:tree", "console:audit", "console:import_upload"])
def test_anonymous_visitors_are_sent_to_log_in(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("console:login") + "?next=")


def test_read_only_roles_cannot_post_writes(cast, login):
    k = cast.tree.k
    before = Member.objects.count()
    client = login("commune")
    data = {"on": "2024-01-01", "decision": "1-QĐ", "name": "Tên mới"}
    assert client.post(reverse("console:unit_rename", args=[k.pk]), data).status_code == 403
    assert client.post(reverse("console:member_create", args=[k.pk]), {"full_name": "X"}).status_code == 403
    secretary = login("secretary")
    response = secretary.post(reverse("console:member_edit", args=[cast.plain_m.pk]), {"full_name": "Y"})
    assert response.status_code == 403
    assert Unit.objects.get(pk=k.pk).name == "Chi bộ Giáo viên 1"
    assert Member.objects.count() == before
    assert Member.objects.get(pk=cast.plain_m.pk).full_name == "Đặng Văn An"


def test_outsider_gets_404_on_writes_to_another_province(cast, login):
    client = login("outsider")
    data = {"on": "2024-01-01", "decision": "", "name": "Tên mới"}
    assert client.post(reverse("console:unit_rename", args=[cast.tree.c.pk]), data).status_code == 404
    assert Unit.objects.get(pk=cast.tree.c.pk).name == "Xã Đông Sơn"


def test_unit_search_is_scoped(cast, login):
    province = login("province").get(reverse("console:unit_search") + "?q=chi bo")
    assert [u.code for u in province.context["units"]] == ["K", "K2"]
    outsider = login("outsider").get(reverse("console:unit_search") + "?q=chi bo")
    assert [u.code for u in outsider.context["units"]] == ["QK"]
    member = login("member").get(reverse("console:unit_search") + "?q=chi bo")
    assert member.context["units"] == []


@pytest.mark.parametrize(("persona", "expected"), [
    ("admin", 404), ("province", 200), ("commune", 404), ("secretary", 404), ("member", 404), ("outsider", 404),
])
def test_import_job_is_seen_only_by_its_author(persona, expected, cast, login):
    job = ImportJob.objects.create(kind="members", file="imports/x.csv", original_name="x.csv",
                                   scope_path=cast.tree.p.path, created_by=cast.province)
    assert login(persona).get(reverse("console:import_job", args=[job.pk])).status_code == expected
