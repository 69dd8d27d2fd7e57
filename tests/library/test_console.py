"""The library's console pages: the persona matrix on every URL, the pages' query counts, and
the journeys (search, bookmark, publish, assign, completion)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from chibo.accounts.policy import SYSTEM
from chibo.library import services
from chibo.library.models import Bookmark, StudyAssignment
from tests.library.conftest import PERSONAS

OK, FOUND, FORBIDDEN, MISSING = 200, 302, 403, 404


def _matrix(admin, province, commune, secretary, member, outsider):
    return dict(zip(PERSONAS, (admin, province, commune, secretary, member, outsider), strict=True))


def _study(cast, docs, unit_name: str) -> StudyAssignment:
    document, unit = {"c": (docs.p, cast.tree.c), "qc": (docs.q, cast.tree.qc)}[unit_name]
    return services.assign(document, actor=SYSTEM, unit=unit, due_on=timezone.localdate() + dt.timedelta(days=7))


PAGES = {
    "library": (lambda c, d: reverse("console:library") + "?q=nghi", _matrix(OK, OK, OK, OK, OK, OK)),
    "bookmarks": (lambda c, d: reverse("console:library_bookmarks"), _matrix(OK, OK, OK, OK, OK, OK)),
    "upload form": (lambda c, d: reverse("console:library_upload"),
                    _matrix(OK, OK, OK, FORBIDDEN, FORBIDDEN, OK)),
    "province document": (lambda c, d: reverse("console:library_document", args=[d.p.pk]),
                          _matrix(OK, OK, OK, OK, OK, MISSING)),
    "sibling cell document": (lambda c, d: reverse("console:library_document", args=[d.k2.pk]),
                              _matrix(OK, OK, OK, MISSING, MISSING, MISSING)),
    "other province document": (lambda c, d: reverse("console:library_document", args=[d.q.pk]),
                                _matrix(OK, MISSING, MISSING, MISSING, MISSING, OK)),
    "file": (lambda c, d: reverse("console:library_file", args=[d.p.pk]), _matrix(OK, OK, OK, OK, OK, MISSING)),
    "edit province document": (lambda c, d: reverse("console:library_edit", args=[d.p.pk]),
                               _matrix(OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, MISSING)),
    "edit commune document": (lambda c, d: reverse("console:library_edit", args=[d.c.pk]),
                              _matrix(OK, OK, OK, FORBIDDEN, FORBIDDEN, MISSING)),
    "assign form": (lambda c, d: reverse("console:library_assign", args=[d.p.pk]),
                    _matrix(OK, OK, OK, FORBIDDEN, FORBIDDEN, MISSING)),
    "completion": (lambda c, d: reverse("console:library_completion", args=[_study(c, d, "c").pk]),
                   _matrix(OK, OK, OK, OK, FORBIDDEN, MISSING)),
    "other province completion": (lambda c, d: reverse("console:library_completion", args=[_study(c, d, "qc").pk]),
                                  _matrix(OK, MISSING, MISSING, MISSING, MISSING, OK)),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_persona_matrix(page, cast, docs, client):
    url_of, expected = PAGES[page]
    url = url_of(cast, docs)
    seen = {}
    for persona in PERSONAS:
        client.force_login(getattr(cast, persona))
        seen[persona] = client.get(url).status_code
    assert seen == expected


def test_bookmark_button_persona_matrix(cast, docs, client):
    url = reverse("console:library_bookmark", args=[docs.p.pk])
    seen = {}
    for persona in PERSONAS:
        client.force_login(getattr(cast, persona))
        seen[persona] = client.post(url, {"on": "1"}).status_code
    assert seen == _matrix(FOUND, FOUND, FOUND, FOUND, FOUND, MISSING)
    assert Bookmark.objects.filter(document=docs.p).count() == 5
    client.force_login(cast.member)
    assert docs.p.title in client.get(reverse("console:library_bookmarks")).content.decode()
    document_page = client.get(reverse("console:library_document", args=[docs.p.pk])).content.decode()
    assert 'name="on" value="0"' in document_page  # the button shows it bookmarked


def test_posts_are_refused_like_the_pages(cast, docs, login, upload):
    data = {"unit": cast.tree.k.code, "due_on": (timezone.localdate() + dt.timedelta(days=5)).isoformat()}
    assert login("secretary").post(reverse("console:library_assign", args=[docs.p.pk]), data).status_code == 403
    assert login("outsider").post(reverse("console:library_assign", args=[docs.p.pk]), data).status_code == 404
    edit = {"kind": "plan", "number": "", "title": "X", "issued_on": "2024-01-01", "issuing_body": "B",
            "unit": cast.tree.p.code}
    assert login("commune").post(reverse("console:library_edit", args=[docs.p.pk]), edit).status_code == 403
    assert StudyAssignment.objects.count() == 0
    assert login("member").post(reverse("console:library_upload"), {"file": upload()}).status_code == 403


def test_the_bookmark_button_swaps_itself_with_htmx(cast, docs, login):
    client = login("member")
    url = reverse("console:library_bookmark", args=[docs.p.pk])
    response = client.post(url, {"on": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'name="on" value="0"' in response.content.decode()
    client.post(url, {"on": "0"}, headers={"HX-Request": "true"})
    assert not Bookmark.objects.exists()


def test_the_search_box_updates_the_results_in_place(cast, docs, login):
    client = login("member")
    response = client.get(reverse("console:library") + "?q=21-nq",
                          headers={"HX-Request": "true", "HX-Target": "library-results"})
    page = response.content.decode()
    assert page.startswith('<div id="library-results">') and "21-NQ/TW" in page and "05-CT/TU" not in page


def test_publishing_through_the_console_outside_ones_units_is_a_field_error(cast, login, upload):
    data = {"kind": "plan", "number": "", "title": "Kế hoạch", "issued_on": "2024-01-01", "issuing_body": "B",
            "unit": cast.tree.p.code, "file": upload()}
    response = login("commune").post(reverse("console:library_upload"), data)
    assert response.status_code == 422
    assert "No unit with this code among the units you publish to." in response.content.decode()


def test_assigning_through_the_console_leads_to_the_completion(cast, docs, login, django_capture_on_commit_callbacks):
    data = {"unit": cast.tree.g.code, "due_on": (timezone.localdate() + dt.timedelta(days=5)).isoformat(),
            "note": "Thảo luận ở kỳ sinh hoạt tới"}
    with django_capture_on_commit_callbacks(execute=True):
        response = login("commune").post(reverse("console:library_assign", args=[docs.p.pk]), data)
    assignment = StudyAssignment.objects.get()
    assert response["Location"] == reverse("console:library_completion", args=[assignment.pk])
    page = login("commune").get(response["Location"]).content.decode()
    assert "Chi bộ Giáo viên 1" in page and "0 of 3 members confirmed" in page


def test_the_secretary_sees_the_completion_of_their_own_cell(cast, docs, login):
    assignment = _study(cast, docs, "c")
    services.confirm(assignment, actor=cast.member)
    response = login("secretary").get(reverse("console:library_completion", args=[assignment.pk]))
    assert response.context["result"].unit == cast.tree.k
    assert [(r.confirmed, r.expected) for r in response.context["result"].rows] == [(1, 3)]
    other = reverse("console:library_completion", args=[assignment.pk]) + f"?unit={cast.tree.k2.pk}"
    assert login("secretary").get(other).status_code == 404


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_list_page_takes_the_same_queries_for_one_or_three_documents(cast, publish, login,
                                                                         django_assert_max_num_queries):
    client = login("province")
    listing, searched = reverse("console:library"), reverse("console:library") + "?q=nghi+quyet"
    services.bookmark(publish(cast.tree.p, "1-NQ/TU", "Nghị quyết một"), actor=cast.province)
    one = (_queries(client, listing), _queries(client, searched))
    services.bookmark(publish(cast.tree.c, "2-NQ/ĐU", "Nghị quyết hai"), actor=cast.province)
    publish(cast.tree.k, "3-NQ/CB", "Nghị quyết ba")
    assert (_queries(client, listing), _queries(client, searched)) == one
    with django_assert_max_num_queries(10):  # a search reads at most its four phases
        client.get(searched)


def test_the_completion_page_takes_the_same_queries_for_one_or_three_units(cast, docs, login,
                                                                          django_assert_max_num_queries):
    from tests.factories.registry import make_unit

    client = login("province")
    assignment = services.assign(docs.p, actor=SYSTEM, unit=cast.tree.p, due_on=timezone.localdate())
    url = reverse("console:library_completion", args=[assignment.pk])
    one = _queries(client, url)  # P has one commune
    make_unit(cast.tree.p, "C2", "Xã Bắc Sơn", "commune")
    make_unit(cast.tree.p, "C3", "Phường Nam", "commune")
    assert _queries(client, url) == one
    with django_assert_max_num_queries(9):
        client.get(url)
