"""The review's console pages: the unit's review page (opening a period), the progress with who is
late, the cell's page (the collective's self-assessment, the cell's proposals in its review
meeting) and the verification and decision page with the quota's head-room; every URL tried by
the six personas, bad input refused with a message and nothing saved, query counts that do not
grow with the rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from chibo.accounts.policy import SYSTEM
from chibo.core.models import AuditEntry
from chibo.meetings import services as meetings
from chibo.quality import services
from chibo.quality.enums import Level, Step
from chibo.quality.models import MemberReview, Period, UnitReview
from tests.console.conftest import PERSONAS, statuses
from tests.factories.registry import make_member, make_unit
from tests.quality.conftest import YEAR, open_year

OK, REDIRECT, FORBIDDEN, MISSING = 200, 302, 403, 404
UNIT_POINTS = {"politics": 16, "organization": 16, "tasks": 32, "inspection": 8, "mass": 8}  # 80
MEMBER_POINTS = {"politics": 18, "discipline": 9, "duties": 45, "party_duties": 9, "contact": 9}  # 90


@pytest.fixture
def period(cast):
    return open_year(cast.tree.c)


def _matrix(*codes):
    return dict(zip(PERSONAS, codes, strict=True))


PAGES = {
    "review page of the cell": (lambda t: reverse("console:reviews", args=[t.k.pk]),
                                _matrix(OK, OK, OK, OK, MISSING, MISSING)),
    "review page of the commune": (lambda t: reverse("console:reviews", args=[t.c.pk]),
                                   _matrix(OK, OK, OK, MISSING, MISSING, MISSING)),
    "progress of the commune": (lambda t: reverse("console:review_progress", args=[t.c.pk, YEAR]),
                                _matrix(OK, OK, OK, MISSING, MISSING, MISSING)),
    "progress of the cell": (lambda t: reverse("console:review_progress", args=[t.k.pk, YEAR]),
                             _matrix(OK, OK, OK, OK, MISSING, MISSING)),
    "the cell's review": (lambda t: reverse("console:review_cell", args=[t.k.pk, YEAR]),
                          _matrix(OK, OK, OK, OK, MISSING, MISSING)),
    "the grassroots committee's self-assessment": (lambda t: reverse("console:review_cell", args=[t.g.pk, YEAR]),
                                                   _matrix(OK, OK, OK, MISSING, MISSING, MISSING)),
    "decision page": (lambda t: reverse("console:review_decide", args=[t.g.pk, YEAR]),
                      _matrix(OK, OK, OK, MISSING, MISSING, MISSING)),
    "decision page, members": (lambda t: reverse("console:review_decide", args=[t.g.pk, YEAR]) + "?show=members",
                               _matrix(OK, OK, OK, MISSING, MISSING, MISSING)),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_persona_matrix_of_the_pages(page, cast, client, period):
    url_of, expected = PAGES[page]
    assert statuses(client, cast, url_of(cast.tree)) == expected


def test_a_year_outside_the_registry_is_not_found(cast, login, period):
    client = login("admin")
    assert client.get(reverse("console:review_progress", args=[cast.tree.c.pk, 1999])).status_code == MISSING
    assert client.get(reverse("console:review_decide", args=[cast.tree.g.pk, 2101])).status_code == MISSING


def test_the_unit_page_links_to_its_reviews(cast, login):
    page = login("secretary").get(reverse("console:unit", args=[cast.tree.k.pk])).content.decode()
    assert reverse("console:reviews", args=[cast.tree.k.pk]) in page


# --- opening a period ----------------------------------------------------------------------------

OPENING = {"year": "2026", "quarter": "0", "self_until": "10/12/2026", "cell_until": "15/12/2026",
           "verify_until": "20/12/2026", "decide_until": "28/12/2026"}


@pytest.mark.parametrize(("persona", "status"), list(_matrix(REDIRECT, REDIRECT, FORBIDDEN, MISSING, MISSING,
                                                             MISSING).items()))
def test_who_may_open_a_review(persona, status, cast, login):
    response = login(persona).post(reverse("console:reviews", args=[cast.tree.c.pk]), OPENING)
    assert response.status_code == status
    assert Period.objects.count() == (1 if status == REDIRECT else 0)


def test_opening_a_review_tells_what_it_made(cast, login):
    client = login("province")
    page = client.post(reverse("console:reviews", args=[cast.tree.c.pk]), OPENING, follow=True).content.decode()
    period = Period.objects.get()
    assert (period.issuer, period.year, period.quarter, period.units, period.members) == (cast.tree.c, 2026, 0, 3, 3)
    assert period.decide_until == dt.date(2026, 12, 28)
    assert "3 organizations and 3 members now have a review row" in page
    assert "28/12/2026" in page
    assert UnitReview.objects.filter(period=period).count() == 3


@pytest.mark.parametrize(("change", "message"), [
    ({"cell_until": "01/12/2026"}, "must follow one another"),
    ({"decide_until": "31/02/2026"}, "Enter a valid date"),
    ({"year": "twenty"}, "Enter a whole number"),
    ({"quarter": "7"}, "Select a valid choice"),
])
def test_a_bad_opening_is_refused_with_a_message_and_nothing_made(change, message, cast, login):
    response = login("province").post(reverse("console:reviews", args=[cast.tree.c.pk]), OPENING | change)
    assert response.status_code == OK
    assert message in response.content.decode()
    assert not Period.objects.exists() and not MemberReview.objects.exists()


def test_a_second_opening_of_the_same_year_names_the_one_that_covers_it(cast, login, period):
    response = login("province").post(reverse("console:reviews", args=[cast.tree.g.pk]), OPENING)
    assert "Xã Đông Sơn has already opened this review" in response.content.decode()
    assert Period.objects.count() == 1


def test_the_review_page_lists_the_periods_around_the_unit(cast, login, period):
    page = login("province").get(reverse("console:reviews", args=[cast.tree.p.pk])).content.decode()
    assert "Reviews opened by the units below" in page and "Xã Đông Sơn" in page
    assert "Open a review" in page  # the province's board may open one
    page = login("secretary").get(reverse("console:reviews", args=[cast.tree.k.pk])).content.decode()
    assert reverse("console:review_cell", args=[cast.tree.k.pk, YEAR]) in page
    assert "Open a review" not in page


# --- progress ------------------------------------------------------------------------------------


def test_progress_counts_the_steps_per_child_and_lists_who_is_late(cast, login, period, monkeypatch):
    review = MemberReview.objects.get(member=cast.plain_m)
    services.self_assess_member(review, actor=cast.member, text="Tự kiểm điểm", scores=MEMBER_POINTS)
    monkeypatch.setattr(timezone, "localdate", lambda *a: dt.date(2026, 12, 11))
    response = login("commune").get(reverse("console:review_progress", args=[cast.tree.c.pk, YEAR]))
    board = response.context["board"]
    assert [ln.unit.code for ln in board.lines] == ["G"]
    assert board.members.by_step == {Step.OPEN: 2, Step.SELF_ASSESSED: 1}
    assert (board.organizations.late, board.members.late) == (3, 2)
    assert {r.member_id for r in board.late_members} == {cast.sec_m.pk, cast.other_m.pk}
    page = response.content.decode()
    assert "Lê Hoàng Cường" in page and "Đặng Văn An" not in page
    assert reverse("console:review_progress", args=[cast.tree.g.pk, YEAR]) in page  # drill down


# --- the cell's page -----------------------------------------------------------------------------


@pytest.fixture
def review_meeting(cast):
    return meetings.create_meeting(actor=cast.secretary, unit=cast.tree.k, kind="regular",
                                   starts_at=timezone.make_aware(dt.datetime(2026, 12, 14, 19, 30)))


def _cell_url(cast):
    return reverse("console:review_cell", args=[cast.tree.k.pk, YEAR])


def test_the_secretary_records_the_collectives_self_assessment(cast, login, period):
    data = {"action": "self", "self_text": "Chi bộ tự đánh giá", **{f"points_{k}": v for k, v in UNIT_POINTS.items()}}
    response = login("secretary").post(_cell_url(cast), data)
    assert response.status_code == REDIRECT
    own = UnitReview.objects.get(unit=cast.tree.k)
    assert (own.step, own.self_score, own.self_text) == (Step.SELF_ASSESSED, Decimal(80), "Chi bộ tự đánh giá")


def test_points_over_the_maximum_are_refused_on_their_criterion(cast, login, period):
    data = {"action": "self", "self_text": "x", **{f"points_{k}": v for k, v in UNIT_POINTS.items()},
            "points_tasks": "99"}
    response = login("secretary").post(_cell_url(cast), data)
    assert response.status_code == OK
    assert "correct the points marked below" in response.content.decode()
    assert UnitReview.objects.get(unit=cast.tree.k).step == Step.OPEN


def test_the_cell_page_shows_the_self_reviews_and_proposes_in_the_review_meeting(cast, login, period,
                                                                                  review_meeting):
    mine = MemberReview.objects.get(member=cast.plain_m)
    services.self_assess_member(mine, actor=cast.member, text="Tự kiểm điểm", scores=MEMBER_POINTS)
    client = login("secretary")
    page = client.get(_cell_url(cast)).content.decode()
    assert "Đặng Văn An" in page and "Meetings: present at 0 of" in page
    assert f'value="{review_meeting.pk}"' in page
    response = client.post(_cell_url(cast), {"action": "propose", "meeting": review_meeting.pk,
                                              f"score_{mine.pk}": "85,5", f"votes_for_{mine.pk}": "5",
                                              f"votes_present_{mine.pk}": "6", f"note_{mine.pk}": "Hoàn thành tốt"})
    assert response.status_code == REDIRECT
    mine.refresh_from_db()
    assert (mine.step, mine.cell_score, mine.votes_for, mine.votes_present, mine.cell_meeting_id, mine.cell_note) == (
        Step.PROPOSED, Decimal("85.50"), 5, 6, review_meeting.pk, "Hoàn thành tốt")
    others = MemberReview.objects.exclude(pk=mine.pk)
    assert not others.filter(step=Step.PROPOSED).exists()  # rows left empty are not proposed
    assert "Good completion" in client.get(_cell_url(cast)).content.decode()


@pytest.mark.parametrize(("fields", "message"), [
    ({"score": "tám mươi"}, "Give a score from 0 to 100."),
    ({"votes_for": "7"}, "More votes for than members present."),
    ({"votes_present": "-1"}, "Give a whole number."),
])
def test_a_bad_proposal_is_refused_on_its_field_and_nothing_is_saved(fields, message, cast, login, period,
                                                                      review_meeting):
    rows = list(MemberReview.objects.order_by("pk"))
    data = {"action": "propose", "meeting": review_meeting.pk}
    for r in rows:
        data |= {f"score_{r.pk}": "80", f"votes_for_{r.pk}": "5", f"votes_present_{r.pk}": "6"}
    data |= {f"{name}_{rows[-1].pk}": value for name, value in fields.items()}
    response = login("secretary").post(_cell_url(cast), data)
    assert response.status_code == OK
    page = response.content.decode()
    assert "correct the rows marked below" in page and message in page
    assert not MemberReview.objects.filter(step=Step.PROPOSED).exists()


def test_a_proposal_for_a_row_not_on_the_list_or_without_meeting_is_refused(cast, login, period, review_meeting):
    other = open_year(cast.tree.qc)  # a row of another province
    far = MemberReview.objects.get(period=other)
    client = login("secretary")
    response = client.post(_cell_url(cast), {"action": "propose", "meeting": review_meeting.pk,
                                             f"score_{far.pk}": "80", f"votes_for_{far.pk}": "5",
                                             f"votes_present_{far.pk}": "6"})
    assert response.status_code == OK and "Reload the page" in response.content.decode()
    mine = MemberReview.objects.get(member=cast.plain_m)
    response = client.post(_cell_url(cast), {"action": "propose", f"score_{mine.pk}": "80",
                                             f"votes_for_{mine.pk}": "5", f"votes_present_{mine.pk}": "6"})
    assert "choose the review meeting" in response.content.decode()
    assert not MemberReview.objects.filter(step=Step.PROPOSED).exists()


def test_only_those_who_assess_may_post_on_the_cell_page(cast, client, period, review_meeting):
    from tests.factories.registry import make_user

    client.force_login(make_user("auditor", role="auditor", unit=cast.tree.c))
    assert client.get(_cell_url(cast)).status_code == OK
    assert client.post(_cell_url(cast), {"action": "self", "self_text": "x"}).status_code == FORBIDDEN
    client.force_login(cast.outsider)
    assert client.post(_cell_url(cast), {"action": "self", "self_text": "x"}).status_code == MISSING


def test_two_years_of_non_completion_are_listed_as_grounds_for_removal(cast, login, period):
    open_year(cast.tree.c, YEAR - 1)
    MemberReview.objects.filter(member=cast.other_m).update(step=Step.DECIDED, level=Level.NON_COMPLETION)
    MemberReview.objects.filter(member=cast.plain_m, year=YEAR).update(step=Step.DECIDED, level=Level.NON_COMPLETION)
    response = login("secretary").get(_cell_url(cast))
    assert [g.name for g in response.context["data"].removal_grounds] == ["Lê Hoàng Cường"]
    assert "non-completion every year from 2025 to 2026" in response.content.decode()


# --- verification and decision -------------------------------------------------------------------


def _decide_url(cast, query=""):
    return reverse("console:review_decide", args=[cast.tree.g.pk, YEAR]) + query


def _self_assessed_cells(cast):
    for unit in (cast.tree.k, cast.tree.k2):
        services.self_assess_unit(UnitReview.objects.get(unit=unit), actor=SYSTEM, text="", scores=UNIT_POINTS)
    return list(UnitReview.objects.filter(decider=cast.tree.g).order_by("unit_path"))


def test_the_advisory_body_verifies_a_list_at_once(cast, login, period):
    k, k2 = _self_assessed_cells(cast)
    response = login("province").post(_decide_url(cast), {"action": "verify", "pick": [k.pk, k2.pk],
                                                         f"score_{k.pk}": "92", f"note_{k.pk}": "Đã kiểm tra"})
    assert response.status_code == REDIRECT
    k.refresh_from_db()
    k2.refresh_from_db()
    assert (k.step, k.verified_score, k.verify_note) == (Step.VERIFIED, Decimal(92), "Đã kiểm tra")
    assert (k2.step, k2.verified_score) == (Step.VERIFIED, Decimal(80))  # the proposal accepted
    assert AuditEntry.objects.filter(action="quality.verified_list").count() == 1


@pytest.mark.parametrize(("data", "message"), [
    ({"score": "abc"}, "Give a score from 0 to 100."),
    ({"score": "101"}, "Give a score from 0 to 100."),
    ({"pick": ["999999"]}, "not on this list any more"),
    ({"pick": ["x1"]}, "the rows chosen are not valid"),
    ({"pick": []}, "tick the rows first"),
])
def test_a_bad_verification_is_refused_and_nothing_is_verified(data, message, cast, login, period):
    k, k2 = _self_assessed_cells(cast)
    posted = {"action": "verify", "pick": [k.pk, k2.pk]}
    if "score" in data:
        posted[f"score_{k2.pk}"] = data["score"]
    if "pick" in data:
        posted["pick"] = [k.pk, *data["pick"]] if data["pick"] else []
    response = login("province").post(_decide_url(cast), posted)
    assert response.status_code == OK
    assert message in response.content.decode()
    assert not UnitReview.objects.filter(step=Step.VERIFIED).exists()


def test_a_row_not_ready_is_named_when_verifying(cast, login, period):
    k, k2 = _self_assessed_cells(cast)
    member = MemberReview.objects.get(member=cast.plain_m)
    response = login("admin").post(_decide_url(cast, "?show=members"), {"action": "verify", "pick": [member.pk]})
    assert "No proposal to verify yet" in response.content.decode()
    assert MemberReview.objects.get(pk=member.pk).step == Step.OPEN


def test_who_may_verify_and_decide(cast, login, period):
    k, _k2 = _self_assessed_cells(cast)
    assert login("commune").post(_decide_url(cast), {"action": "verify", "pick": [k.pk]}).status_code == FORBIDDEN
    assert login("province").post(_decide_url(cast), {"action": "decide", "pick": [k.pk]}).status_code == FORBIDDEN
    assert login("secretary").post(_decide_url(cast), {"action": "decide", "pick": [k.pk]}).status_code == MISSING
    assert UnitReview.objects.get(pk=k.pk).step == Step.SELF_ASSESSED


def test_a_bulk_decision_shows_the_decided_and_the_refused_rows(cast, login, period):
    k, k2 = _self_assessed_cells(cast)
    services.verify_many(cast.tree.g, actor=SYSTEM, model=UnitReview, year=YEAR, rows={k.pk: ("", ""), k2.pk: ("", "")})
    member = MemberReview.objects.get(member=cast.plain_m)
    services.self_assess_member(member, actor=cast.member, text="x", scores=MEMBER_POINTS)
    services.propose(cast.tree.k, actor=SYSTEM, year=YEAR, meeting=None,
                     proposals={member.pk: services.Proposal("90", 5, 6)})
    services.verify(MemberReview.objects.get(pk=member.pk), actor=SYSTEM)
    client = login("commune")
    response = client.post(_decide_url(cast, "?show=members"), {"action": "decide", "pick": [member.pk]})
    assert response.status_code == REDIRECT  # the member before the cell's collective: refused
    page = client.get(response.url).content.decode()
    assert "Decided: 0 · refused: 1" in page
    assert "Decide Chi bộ Giáo viên 1 first" in page
    response = client.post(_decide_url(cast), {"action": "decide", "pick": [k.pk, k2.pk], f"score_{k2.pk}": "95"},
                           follow=True)
    page = response.content.decode()
    assert "Decided: 1 · refused: 1" in page
    assert ("Over the quota for Cell (Chi bộ trực thuộc) decided by Đảng bộ Trường THCS Đông Sơn: 1 rated good "
            "allow at most 0 rated excellent, and 0 already are.") in page
    assert UnitReview.objects.get(pk=k.pk).level == Level.GOOD
    assert UnitReview.objects.get(pk=k2.pk).step == Step.VERIFIED  # refused: unchanged
    assert [(g.good, g.excellent, g.limit, g.left) for g in response.context["groups"]] == [(1, 0, 0, 0)]
    assert "Decided: 1" not in client.get(_decide_url(cast)).content.decode()  # the outcome is shown once


def test_a_bad_score_at_the_decision_decides_nothing(cast, login, period):
    k, k2 = _self_assessed_cells(cast)
    services.verify_many(cast.tree.g, actor=SYSTEM, model=UnitReview, year=YEAR, rows={k.pk: ("", ""), k2.pk: ("", "")})
    response = login("commune").post(_decide_url(cast), {"action": "decide", "pick": [k.pk, k2.pk],
                                                        f"score_{k.pk}": "bảy mươi"})
    assert response.status_code == OK and "Give a score from 0 to 100." in response.content.decode()
    assert not UnitReview.objects.filter(step=Step.DECIDED).exists()


def test_the_step_filter_and_the_head_room(cast, login, period):
    _self_assessed_cells(cast)
    response = login("admin").get(_decide_url(cast, "?step=self_assessed"))
    assert len(response.context["rows"]) == 2
    assert [(g.label, g.total, g.limit) for g in response.context["groups"]] == [
        ("Cell (Chi bộ trực thuộc) decided by Đảng bộ Trường THCS Đông Sơn", 2, 0)]
    assert len(login("admin").get(_decide_url(cast, "?step=decided")).context["rows"]) == 0


# --- query counts --------------------------------------------------------------------------------


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == OK, url
    return len(ctx.captured_queries)


NAMES = ("Hà Văn Sơn", "Lò Thị Mai", "Tòng Văn Pọm")


def _two_years(cast, extra_members, extra_cells=(1, 3)):
    """Year YEAR with 1 more member in K and 1 more cell under G; year YEAR + 1 with 3 more of each."""
    made = 0
    for year, n in zip((YEAR, YEAR + 1), extra_cells, strict=True):
        for i in range(made, n):
            if extra_members:
                make_member(cast.tree.k, NAMES[i], birth_date=dt.date(1980, 1, 1 + i))
            make_unit(cast.tree.g, f"KX{i}", f"Chi bộ {NAMES[i]}", "cell")
        made = n
        open_year(cast.tree.c, year)


@pytest.mark.parametrize(("persona", "url"), [
    ("secretary", lambda t, y: reverse("console:review_cell", args=[t.k.pk, y])),
    ("commune", lambda t, y: reverse("console:review_progress", args=[t.c.pk, y])),
    ("commune", lambda t, y: reverse("console:review_decide", args=[t.g.pk, y])),
    ("commune", lambda t, y: reverse("console:review_decide", args=[t.g.pk, y]) + "?show=members"),
])
def test_the_query_count_does_not_grow_with_the_rows(persona, url, cast, login, monkeypatch):
    _two_years(cast, extra_members=True)
    monkeypatch.setattr(timezone, "localdate", lambda *a: dt.date(YEAR + 2, 6, 1))  # everything late
    client = login(persona)
    counts = [_count(client, url(cast.tree, y)) for y in (YEAR, YEAR + 1)]
    assert counts[0] == counts[1], counts


def test_the_review_pages_query_count_does_not_grow_with_the_periods(cast, login):
    client = login("province")
    counts = []
    for year in (YEAR, YEAR + 1):
        open_year(cast.tree.c, year)
        counts.append((_count(client, reverse("console:reviews", args=[cast.tree.k.pk])),
                       _count(client, reverse("console:reviews", args=[cast.tree.p.pk]))))
    assert counts[0] == counts[1], counts


def test_typed_text_with_a_nul_or_a_bidi_override_is_refused_and_nothing_saved(cast, login, period, review_meeting):
    mine = MemberReview.objects.get(member=cast.plain_m)
    response = login("secretary").post(_cell_url(cast), {
        "action": "propose", "meeting": review_meeting.pk, f"score_{mine.pk}": "80", f"votes_for_{mine.pk}": "5",
        f"votes_present_{mine.pk}": "6", f"note_{mine.pk}": "Tốt\x00"})
    assert response.status_code == OK and "U+0000" in response.content.decode()
    assert MemberReview.objects.get(pk=mine.pk).step == Step.OPEN
    k, _k2 = _self_assessed_cells(cast)
    response = login("province").post(_decide_url(cast), {"action": "verify", "pick": [k.pk],
                                                         f"note_{k.pk}": "Đạt\u202e"})
    assert response.status_code == OK and "U+202E" in response.content.decode()
    assert UnitReview.objects.get(pk=k.pk).step == Step.SELF_ASSESSED
