"""The "4 good" pages of the console: the persona matrix on every URL and action, what the pages
show (checklists beside the meetings' scores, votes, what is missing), recognition from the
committee's progress page, query counts that do not grow with cells or months, and bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from chibo.accounts.policy import SYSTEM
from chibo.meetings import services as meetings
from chibo.quality import four_good
from chibo.quality.enums import Level, Step
from chibo.quality.models import FourGoodApproval, FourGoodMonth, FourGoodRecognition, FourGoodRegistration, UnitReview
from tests.console.conftest import PERSONAS, statuses
from tests.factories.registry import make_unit
from tests.quality.conftest import open_year

OK, FOUND, FORBIDDEN, MISSING = 200, 302, 403, 404
YEAR = 2025
ALL = {"g1a": True, "g1b": True, "g2a": True, "g2b": True, "g3a": True, "g4a": True, "g4b": True}


def _matrix(*codes):
    return dict(zip(PERSONAS, codes, strict=True))


def _register(unit, **extra):
    return four_good.register(unit, actor=SYSTEM, first_year=YEAR, last_year=YEAR + 2,
                              signed_on=dt.date(YEAR, 1, 5), signed_by="Trần Thị Bình", commitment="Cam kết", **extra)


def _fill(unit, months, checks=None):
    for month in range(1, months + 1):
        four_good.record_month(unit, actor=SYSTEM, month=dt.date(YEAR, month, 1), checks=checks or ALL)


def _vote(unit, half):
    four_good.approve_half(unit, actor=SYSTEM, year=YEAR, half=half, voted_on=dt.date(YEAR, 6 * half, 28),
                           votes_for=5, votes_present=6)


def _eligible(unit):
    """``unit`` meets the national rule for YEAR: 9 months, rated good, two votes."""
    open_year(unit.parent.parent, YEAR)
    UnitReview.objects.filter(unit=unit, year=YEAR).update(step=Step.DECIDED, level=Level.GOOD)
    _fill(unit, 9)
    _vote(unit, 1)
    _vote(unit, 2)


@pytest.fixture
def k(cast):
    _register(cast.tree.k)
    return cast.tree.k


def _unit(c, pk=None):
    return reverse("console:four_good", args=[pk or c.tree.k.pk]) + f"?year={YEAR}"


def _month(c, month="03"):
    return reverse("console:four_good_month", args=[c.tree.k.pk, YEAR, month])


def _progress(c, unit=None):
    return reverse("console:four_good_progress", args=[(unit or c.tree.c).pk]) + f"?year={YEAR}&day=31/12/{YEAR}"


PAGES = {
    "cell's year": (_unit, _matrix(OK, OK, OK, OK, MISSING, MISSING)),
    "commune's year (not taking part)": (lambda c: _unit(c, c.tree.c.pk), _matrix(OK, OK, OK, MISSING, MISSING,
                                                                                   MISSING)),
    "month's checklist": (_month, _matrix(OK, OK, OK, OK, MISSING, MISSING)),
    "commune's progress": (_progress, _matrix(OK, OK, OK, MISSING, MISSING, MISSING)),
    "grassroots committee's progress": (lambda c: _progress(c, c.tree.g), _matrix(OK, OK, OK, MISSING, MISSING,
                                                                                  MISSING)),
    "cell's progress": (lambda c: _progress(c, c.tree.k), _matrix(OK, OK, OK, OK, MISSING, MISSING)),
    "sibling province's progress": (lambda c: _progress(c, c.tree.q), _matrix(OK, MISSING, MISSING, MISSING, MISSING,
                                                                              OK)),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_persona_matrix_of_the_pages(page, cast, client, k):
    url_of, expected = PAGES[page]
    assert statuses(client, cast, url_of(cast)) == expected


def _post_register(c, i):
    return _unit(c, c.tree.k.pk), {"action": "register", "first_year": 2030 + 3 * i, "last_year": 2030 + 3 * i,
                                   "signed_on": f"05/01/{YEAR}", "signer_name": "Trần Thị Bình",
                                   "commitment": "Cam kết"}


ACTIONS = {
    "register": (_post_register, _matrix(FOUND, FOUND, FOUND, FOUND, MISSING, MISSING)),
    "half-year vote": (lambda c, i: (_unit(c), {"action": "approve", "half": "1", "voted_on": f"28/06/{YEAR}",
                                                "votes_for": "5", "votes_present": "6"}),
                       _matrix(FOUND, FOUND, FOUND, FOUND, MISSING, MISSING)),
    "month's checklist": (lambda c, i: (_month(c), {"check_g1a": "on"}), _matrix(FOUND, FOUND, FOUND, FOUND, MISSING,
                                                                                 MISSING)),
    # the cell does not meet the rule: those who may decide see the refusal on the page
    "recognise on the cell's page": (lambda c, i: (_unit(c), {"action": "recognise", "decided_on": f"20/12/{YEAR}"}),
                                     _matrix(OK, FORBIDDEN, OK, FORBIDDEN, MISSING, MISSING)),
    "recognise on the committee's page": (lambda c, i: (_progress(c, c.tree.g), {"unit": c.tree.k.pk, "year": YEAR,
                                                                                  "decided_on": f"20/12/{YEAR}"}),
                                          _matrix(OK, FORBIDDEN, OK, MISSING, MISSING, MISSING)),
}


@pytest.mark.parametrize("action", list(ACTIONS))
def test_persona_matrix_of_the_actions(action, cast, client, k):
    post_of, expected = ACTIONS[action]
    seen = {}
    for i, persona in enumerate(PERSONAS):
        client.force_login(getattr(cast, persona))
        url, data = post_of(cast, i)
        seen[persona] = client.post(url, data).status_code
    assert seen == expected
    assert not FourGoodRecognition.objects.exists()


def test_the_cells_page_shows_months_scores_votes_and_what_is_missing(cast, client, k):
    meeting = meetings.create_meeting(actor=SYSTEM, unit=k, kind="regular",
                                      starts_at=timezone.make_aware(dt.datetime(YEAR, 2, 4, 19, 30)))
    meetings.record_minutes(meeting, actor=SYSTEM, minutes="Biên bản", resolution="Nghị quyết",
                            scores={"preparation": 18, "content": 36, "conduct": 27, "resolution": 9})
    _fill(k, 2)
    _vote(k, 1)
    client.force_login(cast.secretary)
    page = client.get(_unit(cast)).content.decode()
    assert "90.0" in page  # February's meeting score beside its checklist
    assert "voted on 28/06/2025, 5 for of 6 present" in page
    assert "“Leads the political task well” passed in 2 months; the rule asks for at least 9." in page
    assert "1 half-year votes approved the results; the rule asks for 2." in page
    assert "Recognise as" not in page  # the secretary does not decide


def test_the_commune_recognises_an_eligible_cell_from_its_committees_page(cast, client, k):
    _eligible(k)
    client.force_login(cast.commune)
    page = client.get(_progress(cast, cast.tree.g)).content.decode()
    assert "Recognise as “4 good”" in page
    response = client.post(_progress(cast, cast.tree.g), {"unit": k.pk, "year": YEAR, "decided_on": f"20/12/{YEAR}",
                                                          "decision": "15-QĐ/ĐU"})
    assert response.status_code == FOUND
    recognition = FourGoodRecognition.objects.get(unit=k, year=YEAR)
    assert (recognition.decided_on, recognition.decision, recognition.decided_by) == (
        dt.date(YEAR, 12, 20), "15-QĐ/ĐU", cast.commune)
    page = client.get(_progress(cast, cast.tree.c)).content.decode()
    assert "Recognised on 20/12/2025" not in page  # the commune's own children are G, not K
    assert client.get(_progress(cast, cast.tree.g)).content.decode().count("Recognised on 20/12/2025") == 1


def test_the_commune_recognises_from_the_cells_page(cast, client, k):
    _eligible(k)
    client.force_login(cast.commune)
    response = client.post(_unit(cast), {"action": "recognise", "decided_on": f"21/12/{YEAR}"})
    assert response.status_code == FOUND
    assert "Recognised as “4 good” for 2025 on 21/12/2025" in client.get(_unit(cast)).content.decode()


def test_the_month_form_saves_the_ticked_items(cast, client, k):
    client.force_login(cast.secretary)
    response = client.post(_month(cast), {"check_g1a": "on", "check_g1b": "on", "check_zz": "on"})
    assert response.status_code == FOUND and response["Location"] == _unit(cast)
    row = FourGoodMonth.objects.get(unit=k)
    assert row.passed == ["g1"] and row.checks["g1a"] is True and row.checks["g2a"] is False
    assert "check_zz" not in row.checks and "zz" not in row.checks
    page = client.get(_month(cast)).content.decode()
    assert 'name="check_g1a" checked' in page


def test_the_meeting_page_links_to_the_months_checklist(cast, client, k):
    meeting = meetings.create_meeting(actor=SYSTEM, unit=k, kind="regular",
                                      starts_at=timezone.make_aware(dt.datetime(YEAR, 3, 4, 19, 30)))
    other = meetings.create_meeting(actor=SYSTEM, unit=cast.tree.k2, kind="regular",
                                    starts_at=timezone.make_aware(dt.datetime(YEAR, 3, 4, 19, 30)))
    client.force_login(cast.commune)
    link = _month(cast) + f"?meeting={meeting.pk}"
    assert link in client.get(reverse("console:meeting", args=[meeting.pk])).content.decode()
    assert "four-good" not in client.get(reverse("console:meeting", args=[other.pk])).content.decode()
    page = client.get(link).content.decode()
    assert reverse("console:meeting", args=[meeting.pk]) in page
    client.post(link, {"check_g1a": "on", "meeting": meeting.pk})
    assert FourGoodMonth.objects.get(unit=k).meeting == meeting


# --- bad input: a clear message, nothing changed, never a 500 -----------------------------------

@pytest.mark.parametrize("data", [
    {"action": "approve", "half": "1", "voted_on": "28/06/2025", "votes_for": "abc", "votes_present": "6"},
    {"action": "approve", "half": "1", "voted_on": "31/02/2025", "votes_for": "5", "votes_present": "6"},
    {"action": "approve", "half": "1", "voted_on": "28/06/2025", "votes_for": "7", "votes_present": "6"},
    {"action": "approve", "half": "9", "voted_on": "28/06/2025", "votes_for": "5", "votes_present": "6"},
    {"action": "approve", "half": "1", "voted_on": "28/06/2025", "votes_for": "5", "votes_present": "6",
     "meeting": "999999"},
    {"action": "register", "first_year": "2030", "last_year": "2031", "signed_on": "05/01/2025",
     "signer_name": "=HYPERLINK(\"x\")", "commitment": "Cam kết"},
    {"action": "register", "first_year": "2030", "last_year": "2031", "signed_on": "05/01/2025",
     "signer_name": "Bình", "commitment": "Cam\x00kết"},
    {"action": "register", "first_year": "2026", "last_year": "2027", "signed_on": "05/01/2025",
     "signer_name": "Bình", "commitment": "Cam kết"},  # overlaps 2025–2027
])
def test_bad_posts_on_the_cells_page_say_why_and_change_nothing(cast, client, k, data):
    client.force_login(cast.secretary)
    response = client.post(_unit(cast), data)
    assert response.status_code == OK
    assert "alert-danger" in response.content.decode()
    assert not FourGoodApproval.objects.exists() and FourGoodRegistration.objects.count() == 1


def test_unknown_actions_months_and_units_are_not_found(cast, client, k):
    client.force_login(cast.admin)
    assert client.post(_unit(cast), {"action": "delete"}).status_code == MISSING
    for month in ("13", "00"):
        assert client.get(_month(cast, month)).status_code == MISSING
    assert client.get(reverse("console:four_good_month", args=[cast.tree.c.pk, YEAR, "01"])).status_code == MISSING
    assert client.post(_progress(cast, cast.tree.g), {"unit": "abc"}).status_code == MISSING
    assert client.post(_progress(cast, cast.tree.c), {"unit": cast.tree.k.pk}).status_code == MISSING  # not a child
    assert client.get(reverse("console:four_good_progress", args=[cast.tree.c.pk]) + "?day=32/13/x&year=abc"
                      ).status_code == OK


def test_a_month_post_with_a_control_character_is_refused(cast, client, k):
    client.force_login(cast.secretary)
    response = client.post(_month(cast), {"check_g1a": "on", "note": "a\x1bb"}, follow=True)
    assert response.status_code == OK and not FourGoodMonth.objects.exists()
    assert "alert-danger" in response.content.decode()


def test_an_unregistered_month_shows_what_to_do(cast, client, k):
    client.force_login(cast.secretary)
    page = client.get(reverse("console:four_good_month", args=[cast.tree.k.pk, 2024, "05"])).content.decode()
    assert "not registered for the “4 good” movement in 2024: register it first" in page
    response = client.post(reverse("console:four_good_month", args=[cast.tree.k.pk, 2024, "05"]), {"check_g1a": "on"})
    assert response.status_code == OK and not FourGoodMonth.objects.exists()


# --- query counts -----------------------------------------------------------------------------

def _cells(cast, n, tag):
    for i in range(n):
        cell = make_unit(cast.tree.g, f"{tag}{i}", f"Chi bộ {tag} {i}", "cell")
        _register(cell)
        _fill(cell, 2)
        _vote(cell, 1)


def test_the_progress_pages_keep_their_query_count_with_more_cells(cast, client, k, django_assert_num_queries):
    client.force_login(cast.commune)
    _cells(cast, 1, "A")
    urls = [_progress(cast, cast.tree.c), _progress(cast, cast.tree.g)]
    counts = []
    for url in urls:
        client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == OK
        counts.append(len(ctx.captured_queries))
    _cells(cast, 3, "B")
    for url, n in zip(urls, counts, strict=True):
        with django_assert_num_queries(n):
            assert client.get(url).status_code == OK


def test_the_cells_pages_keep_their_query_count_with_more_months(cast, client, k, django_assert_num_queries):
    client.force_login(cast.secretary)
    _fill(k, 1)
    counts = []
    for url in (_unit(cast), _month(cast, "01")):
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        counts.append(len(ctx.captured_queries))
    _fill(k, 3)
    _vote(k, 1)
    _vote(k, 2)
    for i in range(3):
        meetings.create_meeting(actor=SYSTEM, unit=k, kind="regular",
                                starts_at=timezone.make_aware(dt.datetime(YEAR, i + 1, 4, 19, 30)))
    for url, n in zip((_unit(cast), _month(cast, "01")), counts, strict=True):
        with django_assert_num_queries(n):
            assert client.get(url).status_code == OK
