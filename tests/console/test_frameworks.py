"""The criteria frameworks page (``console:frameworks``): what it shows for a unit (each kind in
force with its criteria and points in the reader's language, who added each sub-criterion, the
issuer, version and validity, the other versions), issuing a version of sub-criteria, the persona
matrix, bad input and a query count that does not grow with the versions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chibo.accounts.policy import SYSTEM
from chibo.core.models import AuditEntry
from chibo.quality import frameworks
from chibo.quality.enums import FrameworkKind
from chibo.quality.models import Framework
from tests.console.conftest import PERSONAS

OK, FOUND, UNPROCESSABLE, FORBIDDEN, MISSING = 200, 302, 422, 403, 404
YEAR = 2026
IND = FrameworkKind.INDIVIDUAL


def _url(unit, **query):
    url = reverse("console:frameworks", args=[unit.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _matrix(*codes):
    return dict(zip(PERSONAS, codes, strict=True))


def _sub(key, parent="duties", label="Tiêu chí con", label_en="A sub-criterion"):
    return {"key": key, "parent": parent, "label": label, "label_en": label_en}


def _issue(issuer, items, valid_from=dt.date(YEAR, 1, 1), kind=IND, **kwargs):
    return frameworks.issue(actor=SYSTEM, issuer=issuer, kind=kind, name=kwargs.pop("name", "Khung tỉnh"),
                            valid_from=valid_from, items=items, **kwargs)


def _post(lines=(), total=None, **fields):
    data = {"kind": IND, "name": "Khung xã 2026", "name_en": "Commune criteria 2026", "valid_from": f"01/01/{YEAR}",
            "valid_to": "", "source": "05-HD/ĐU", "line-INITIAL_FORMS": "0", "line-MIN_NUM_FORMS": "0",
            "line-MAX_NUM_FORMS": "40", "line-TOTAL_FORMS": str(len(lines) if total is None else total)}
    for i, line in enumerate(lines):
        data.update({f"line-{i}-{name}": value for name, value in line.items()})
    return data | fields


LINE = {"parent": "duties", "key": "c1", "label": "Hoàn thành chỉ tiêu xã giao", "label_en": "Met the commune's target"}


# --- the persona matrix ---


@pytest.mark.parametrize(("unit", "expected"), [
    ("c", _matrix(OK, OK, OK, MISSING, MISSING, MISSING)),
    ("k", _matrix(OK, OK, OK, OK, MISSING, MISSING)),
    ("qk", _matrix(OK, MISSING, MISSING, MISSING, MISSING, OK)),
])
def test_who_sees_the_page(cast, login, unit, expected):
    for persona, status in expected.items():
        assert login(persona).get(_url(getattr(cast.tree, unit))).status_code == status, persona


@pytest.mark.parametrize(("unit", "expected"), [
    ("c", _matrix(FOUND, FOUND, FORBIDDEN, MISSING, MISSING, MISSING)),
    ("k", _matrix(FOUND, FOUND, FORBIDDEN, FORBIDDEN, MISSING, MISSING)),
])
def test_who_may_issue(cast, login, unit, expected):
    for persona, status in expected.items():
        response = login(persona).post(_url(getattr(cast.tree, unit)), _post([LINE | {"key": f"x_{persona}"}]))
        assert response.status_code == status, persona
    issuers = set(Framework.objects.filter(issuer__isnull=False).values_list("created_by__username", flat=True))
    assert issuers == {p for p, s in expected.items() if s == FOUND}


def test_only_those_who_may_issue_see_the_form(cast, login):
    assert 'id="issue"' in login("province").get(_url(cast.tree.c)).content.decode()
    assert 'id="issue"' not in login("commune").get(_url(cast.tree.c)).content.decode()


# --- what the page shows ---


def test_the_national_criteria_with_their_points_in_the_readers_language(cast, login):
    client = login("commune")
    page = client.get(_url(cast.tree.c, day=f"01/06/{YEAR}"))
    kinds = {k["kind"]: k for k in page.context["kinds"]}
    assert set(kinds) == set(FrameworkKind.values)
    individual = kinds[IND]
    assert [(c["key"], c["max"]) for c in individual["criteria"]] == [
        ("politics", 20), ("discipline", 10), ("duties", 50), ("party_duties", 10), ("contact", 10)]
    html = page.content.decode()
    assert "Political thought, ethics and way of life" in html and "National criteria, version 1" in html
    assert "in force from 01/01/2025, no end set" in html
    assert kinds[FrameworkKind.FOUR_GOOD]["rule"].startswith("Recognised when each criterion passed in at least 9")
    html = client.get(_url(cast.tree.c), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Chính trị tư tưởng, đạo đức, lối sống" in html


def test_sub_criteria_show_who_added_them_and_the_versions(cast, login):
    t = cast.tree
    _issue(t.p, [_sub("p1")], source="05-HD/BTCTU")
    _issue(t.c, [_sub("c1", parent="politics", label_en="Studies the resolutions")], valid_from=dt.date(YEAR, 3, 1))
    _issue(t.p, [_sub("p2", label_en="Keeps the province's rule")], valid_from=dt.date(YEAR, 7, 1))
    client = login("commune")

    march = {k["kind"]: k for k in client.get(_url(t.k, day=f"01/03/{YEAR}")).context["kinds"]}[IND]
    assert (march["framework"].issuer, march["framework"].version) == (t.c, 1)
    subs = {c["key"]: [(s["key"], s["by"]) for s in c["subs"]] for c in march["criteria"]}
    assert subs["duties"] == [("p1", "Tỉnh Bắc Hà")] and subs["politics"] == [("c1", "Xã Đông Sơn")]
    others = [(f.issuer.code if f.issuer else None, f.version, status) for f, _n, status, _u in march["others"]]
    assert others == [("P", 2, "from 01/07/2026")]

    july = client.get(_url(t.k, day=f"01/07/{YEAR}"))
    shown = {k["kind"]: k for k in july.context["kinds"]}[IND]
    assert (shown["framework"].issuer, shown["framework"].version) == (t.p, 2)
    others = {(f.issuer.code, f.version): status for f, _n, status, _u in shown["others"] if f.issuer}
    assert others == {("P", 1): "replaced by a newer version",
                      ("C", 1): "no longer applies: it was issued on an older version of the criteria above; "
                                "issue it again"}
    html = july.content.decode()
    assert "Keeps the province&#x27;s rule" in html and "added by Tỉnh Bắc Hà" in html


def test_the_form_offers_the_units_own_sub_criteria_for_a_new_version(cast, login):
    _issue(cast.tree.c, [_sub("c1"), _sub("c2", parent="contact")], name="Khung xã")
    page = login("province").get(_url(cast.tree.c, kind=IND))
    lines = page.context["lines"]
    assert [f.initial.get("key") for f in lines] == ["c1", "c2", None, None, None, None, None]
    assert page.context["form"].initial["name"] == "Khung xã"
    assert [value for value, _label in lines[0].fields["parent"].choices] == [
        "", "politics", "discipline", "duties", "party_duties", "contact"]


# --- issuing ---


def test_issuing_a_version_adds_the_lines_and_skips_the_blank_ones(cast, login):
    client = login("province")
    blank = {"parent": "", "key": "", "label": "", "label_en": ""}
    response = client.post(_url(cast.tree.c, kind=IND), _post([LINE, blank, LINE | {"key": "c2", "parent": "contact",
                                                                                      "label_en": ""}]))
    assert response.status_code == FOUND and response["Location"].endswith("?kind=individual")
    framework = Framework.objects.get(issuer=cast.tree.c)
    assert (framework.kind, framework.version, framework.name, framework.name_en, framework.source) == (
        IND, 1, "Khung xã 2026", "Commune criteria 2026", "05-HD/ĐU")
    assert framework.criteria == [
        {"key": "c1", "parent": "duties", "label": LINE["label"], "label_en": "Met the commune's target"},
        {"key": "c2", "parent": "contact", "label": LINE["label"], "label_en": ""}]
    assert framework.valid_from == dt.date(YEAR, 1, 1) and framework.extends.issuer is None
    assert framework.created_by == cast.province
    assert AuditEntry.objects.filter(action="quality.framework_issued", actor=cast.province).count() == 1
    page = client.get(response["Location"])
    assert "Version 1 of “Commune criteria 2026” is issued" in page.content.decode()


def test_a_second_version_is_numbered_two(cast, login):
    client = login("admin")
    assert client.post(_url(cast.tree.c), _post([LINE])).status_code == FOUND
    assert client.post(_url(cast.tree.c), _post([LINE | {"key": "c9"}], valid_from=f"01/07/{YEAR}")).status_code \
        == FOUND
    assert list(Framework.objects.filter(issuer=cast.tree.c).order_by("version").values_list("version", flat=True)) \
        == [1, 2]


def test_a_four_good_checklist_gets_sub_criteria_too(cast, login):
    data = _post([{"parent": "g2", "key": "p_g2", "label": "Có chuyên đề hằng quý", "label_en": ""}],
                 kind=FrameworkKind.FOUR_GOOD)
    assert login("province").post(_url(cast.tree.p, kind="four_good"), data).status_code == FOUND
    framework = frameworks.in_force(FrameworkKind.FOUR_GOOD, cast.tree.k.path, dt.date(YEAR, 6, 1))
    assert frameworks.checklist(frameworks.criteria(framework))["g2"] == ["g2a", "g2b", "p_g2"]


# --- bad input: a clear error, nothing saved, never a 500 ---


@pytest.mark.parametrize(("data", "where", "message"), [
    (_post([LINE], name=""), "name", "This field is required."),
    (_post([LINE], valid_from="31/02/2026"), "valid_from", "Enter a valid date."),
    (_post([LINE], valid_to="31/12/2025"), "valid_to", "The framework ends before it starts."),
    (_post([LINE | {"parent": ""}]), "line-0-parent", "Choose the criterion it adds to."),
    (_post([LINE | {"parent": "nope"}]), "line-0-parent", "Select a valid choice."),
    (_post([LINE | {"key": "X 1"}]), "line-0-key", "Use up to 32 lower-case letters"),
    (_post([LINE | {"label": ""}]), "line-0-label", "Write the sub-criterion."),
    (_post([LINE | {"key": ""}]), "line-0-key", "Give a short key."),
    (_post([LINE | {"label": "x" * 301}]), "line-0-label", "Ensure this value has at most 300 characters"),
    (_post([LINE | {"label": "Tiêu chí\x00"}]), "line-0-label", ""),
    (_post([LINE | {"key": "duties"}]), "top", "The key duties is used twice."),
    (_post([LINE, LINE]), "top", "The key c1 is used twice."),
    (_post([]), "top", "give at least one criterion"),
    (_post([LINE], valid_from="01/06/2024"), "top", "No framework of this kind is in force above this unit"),
    (_post([LINE], total="abc"), "lines", "ManagementForm data is missing or has been tampered with"),
    (_post([LINE], total="1000"), "lines", "Please submit at most 40 forms."),
])
def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(cast, login, data, where, message):
    response = login("province").post(_url(cast.tree.c), data)
    assert response.status_code == UNPROCESSABLE
    form, lines = response.context["form"], response.context["lines"]
    if where == "top":
        found = [str(e) for e in form.non_field_errors()]
    elif where == "lines":
        found = [str(e) for e in lines.non_form_errors()]
    elif where.startswith("line-"):
        _prefix, n, field = where.split("-")
        found = [str(e) for e in lines[int(n)].errors.get(field, [])]
    else:
        found = [str(e) for e in form.errors.get(where, [])]
    assert found and any(message in e for e in found), found
    assert not Framework.objects.filter(issuer__isnull=False).exists()
    assert not AuditEntry.objects.filter(action="quality.framework_issued").exists()


def test_a_line_refused_says_so_above_the_form(cast, login):
    html = login("province").post(_url(cast.tree.c), _post([LINE | {"key": "X 1"}])).content.decode()
    assert html.count("Nothing was saved: correct the fields marked below.") == 1


def test_an_unknown_kind_is_not_found(cast, login):
    client = login("province")
    assert client.get(_url(cast.tree.c, kind="nope")).status_code == MISSING
    assert client.post(_url(cast.tree.c), _post([LINE], kind="nope")).status_code == MISSING


def test_a_day_that_is_not_a_day_shows_today(cast, login):
    page = login("province").get(_url(cast.tree.c, day="yesterday"))
    assert page.status_code == OK and page.context["day"] == dt.date.today()


def test_get_only_and_post(cast, login):
    assert login("province").put(_url(cast.tree.c)).status_code == 405


# --- query count ---


def _count(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == OK
    return len(ctx.captured_queries)


def test_the_page_keeps_its_query_count_with_more_versions_and_issuers(cast, login, django_assert_num_queries):
    client = login("province")
    url = _url(cast.tree.k, day=f"01/08/{YEAR}")
    _issue(cast.tree.p, [_sub("p1")])
    before = _count(client, url)
    _issue(cast.tree.p, [_sub("p2"), _sub("p3", parent="contact")], valid_from=dt.date(YEAR, 7, 1))
    _issue(cast.tree.c, [_sub("c1")], valid_from=dt.date(YEAR, 8, 1))
    _issue(cast.tree.g, [_sub("g1")], valid_from=dt.date(YEAR, 8, 1))
    _issue(cast.tree.c, [_sub("pc", parent="tasks")], kind=FrameworkKind.COLLECTIVE)
    with django_assert_num_queries(before):
        page = client.get(url)
    assert {k["kind"]: k for k in page.context["kinds"]}[IND]["framework"].issuer == cast.tree.g
