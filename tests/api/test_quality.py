"""The review's API: a unit's results by level (tallies), the member reviews of a subtree (scoped,
keyset pages), the caller's own review; personas, 404 before 422, pagination, query counts."""

from __future__ import annotations

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.quality import services
from chibo.quality.models import MemberReview, UnitReview
from tests.api.conftest import PERSONAS
from tests.factories.registry import make_member
from tests.quality.conftest import YEAR, open_year

POINTS = {"politics": 18, "discipline": 9, "duties": 45, "party_duties": 9, "contact": 9}  # 90
UNIT_POINTS = {"politics": 16, "organization": 16, "tasks": 32, "inspection": 8, "mass": 8}  # 80
ZERO = {"total": 0, "excellent": 0, "good": 0, "completion": 0, "non_completion": 0}
INVALID = "The request has invalid values: see the fields below."


@pytest.fixture
def period(cast):
    return open_year(cast.tree.c)


@pytest.fixture
def decided(cast, period):
    """The three organizations rated good, and the member Đặng Văn An rated good (75)."""
    for unit_review in UnitReview.objects.filter(year=YEAR).order_by("-depth"):
        services.self_assess_unit(unit_review, actor=SYSTEM, text="", scores=UNIT_POINTS)
        services.verify(unit_review, actor=SYSTEM)
    services.decide([(r, None) for r in UnitReview.objects.filter(decider=cast.tree.g)], actor=SYSTEM,
                    decider=cast.tree.g)
    services.decide([(r, None) for r in UnitReview.objects.filter(decider=cast.tree.c)], actor=SYSTEM,
                    decider=cast.tree.c)
    review = MemberReview.objects.get(member=cast.plain_m)
    services.self_assess_member(review, actor=cast.member, text="Tự kiểm điểm", scores=POINTS)
    services.propose(cast.tree.k, actor=cast.secretary, year=YEAR, meeting=None,
                     proposals={review.pk: services.Proposal("90", 5, 6)})
    services.verify(MemberReview.objects.get(pk=review.pk), actor=SYSTEM)
    services.decide([(MemberReview.objects.get(pk=review.pk), "75")], actor=SYSTEM, decider=cast.tree.g)
    return MemberReview.objects.get(pk=review.pk)


# ---------------------------------------------------------------- results

RESULTS_K = {"admin": 200, "province": 200, "commune": 200, "secretary": 200, "member": 404, "outsider": 404}


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_reads_the_results_of_the_units_they_see(api, cast, decided, persona):
    response = getattr(api, persona).get(f"/quality/units/{cast.tree.k.pk}/results", year=YEAR)

    assert response.status == RESULTS_K[persona]
    if response.status == 404:
        assert response.json == {"detail": "No such unit.", "errors": {}}


def test_the_results_count_the_whole_subtree_by_level(api, cast, decided):
    response = api.commune.get(f"/quality/units/{cast.tree.c.pk}/results", year=YEAR)

    assert response.json == {
        "unit": {"id": cast.tree.c.pk, "code": "C", "name": "Xã Đông Sơn"}, "year": YEAR, "quarter": 0,
        "organizations": ZERO | {"total": 3, "good": 3},
        "grassroots": ZERO | {"total": 1, "good": 1},
        "members": ZERO | {"total": 3, "good": 1, "not_classified": 0},
    }
    other_year = api.commune.get(f"/quality/units/{cast.tree.c.pk}/results", year=YEAR - 1, quarter=2)
    assert (other_year.json["organizations"], other_year.json["members"]) == (ZERO, ZERO | {"not_classified": 0})


def test_the_results_take_the_same_queries_at_any_level(api, cast, decided, django_assert_num_queries):
    for unit in (cast.tree.root, cast.tree.k):
        api.admin.get(f"/quality/units/{unit.pk}/results", year=YEAR)
        with django_assert_num_queries(4):  # token, grants, the unit, the tally
            api.admin.get(f"/quality/units/{unit.pk}/results", year=YEAR)


# ---------------------------------------------------------------- reviews


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_lists_the_reviews_of_the_units_they_see(api, cast, decided, persona):
    response = getattr(api, persona).get(f"/quality/units/{cast.tree.k.pk}/reviews", year=YEAR)

    assert response.status == RESULTS_K[persona]
    if response.status == 200:
        assert sorted(i["member"]["full_name"] for i in response.json["items"]) == [
            "Lê Hoàng Cường", "Trần Thị Bình", "Đặng Văn An"]


def test_a_review_item_says_where_it_is(api, cast, decided):
    items = api.secretary.get(f"/quality/units/{cast.tree.k.pk}/reviews", year=YEAR).json["items"]

    [item] = [i for i in items if i["id"] == decided.pk]
    assert item == {
        "id": decided.pk, "member": {"id": cast.plain_m.pk, "full_name": "Đặng Văn An"},
        "cell": {"id": cast.tree.k.pk, "code": "K", "name": "Chi bộ Giáo viên 1"}, "year": YEAR, "quarter": 0,
        "form": "2C", "step": "decided", "step_label": "Decided", "excluded": "", "self_score": 90.0,
        "self_level": "excellent", "cell_score": 90.0, "votes_for": 5, "votes_present": 6, "verified_score": 90.0,
        "final_score": 75.0, "level": "good", "level_label": "Good completion", "capped_by": "",
    }


def test_the_reviews_come_in_keyset_pages(api, cast, period):
    make_member(cast.tree.k2, "Vũ Thị Hoa", sex="F")
    open_year(cast.tree.c, year=YEAR + 1)
    every = api.province.get(f"/quality/units/{cast.tree.g.pk}/reviews", year=YEAR + 1, limit=500).json
    assert every["next"] is None and len(every["items"]) == 4

    seen, after = [], None
    for _page in range(4):
        params = {"year": YEAR + 1, "limit": 1} | ({"after": after} if after else {})
        page = api.province.get(f"/quality/units/{cast.tree.g.pk}/reviews", **params).json
        seen += [i["id"] for i in page["items"]]
        after = page["next"]
    assert seen == [i["id"] for i in every["items"]]
    assert after is None
    paths = [MemberReview.objects.get(pk=pk).unit_path for pk in seen]
    assert paths == sorted(paths)
    unreadable = api.province.get(f"/quality/units/{cast.tree.g.pk}/reviews", year=YEAR + 1, limit=2,
                                  after="not a cursor").json
    assert [i["id"] for i in unreadable["items"]] == seen[:2]


def test_the_reviews_take_the_same_queries_for_one_or_three_members(api, cast, django_assert_num_queries):
    url = f"/quality/units/{cast.tree.qk.pk}/reviews"
    open_year(cast.tree.qc)  # one member: Phạm Minh Đức
    for name in ("Vũ Văn Nam", "Vũ Văn Bắc"):
        make_member(cast.tree.qk, name)
    open_year(cast.tree.qc, year=YEAR + 1)  # three
    for year, expected in ((YEAR, 1), (YEAR + 1, 3)):
        api.outsider.get(url, year=year)
        with django_assert_num_queries(4):  # token, grants, the unit, the page
            response = api.outsider.get(url, year=year)
        assert len(response.json["items"]) == expected


def test_outside_the_scope_it_is_404_before_the_values_are_checked(api, cast, period):
    for path in ("results", "reviews"):
        outside = api.province.get(f"/quality/units/{cast.tree.qk.pk}/{path}", year=1)
        inside = api.province.get(f"/quality/units/{cast.tree.k.pk}/{path}")
        missing = api.province.get(f"/quality/units/{cast.tree.k.pk}/{path}", year="x", quarter=9)

        assert (outside.status, outside.json) == (404, {"detail": "No such unit.", "errors": {}})
        assert (inside.status, inside.json) == (422, {"detail": INVALID, "errors": {
            "year": ["This field is required."]}})
        assert (missing.status, missing.json) == (422, {"detail": INVALID, "errors": {
            "year": ["Enter a whole number."], "quarter": ["Enter a number of at most 4."]}})


# ---------------------------------------------------------------- my review


def test_a_member_reads_their_own_review(api, cast, period):
    response = api.member.get("/quality/my-review")

    assert response.status == 200
    body = response.json
    assert (body["member"], body["form"], body["form_label"], body["step"]) == (
        {"id": cast.plain_m.pk, "full_name": "Đặng Văn An"}, "2C", "Form 2C: other members", "open")
    assert body["deadlines"] == {"ends_on": "2026-12-31", "self_until": "2026-12-10", "cell_until": "2026-12-15",
                                 "verify_until": "2026-12-20", "decide_until": "2026-12-28"}
    assert [(c["key"], c["max"]) for c in body["criteria"]] == [
        ("politics", 20), ("discipline", 10), ("duties", 50), ("party_duties", 10), ("contact", 10)]
    assert api.secretary.get("/quality/my-review").json["form"] == "2A"


def test_the_decision_reaches_the_members_own_review(api, cast, decided):
    body = api.member.get("/quality/my-review", year=YEAR).json

    assert (body["id"], body["level"], body["final_score"], body["self_text"], body["self_scores"]) == (
        decided.pk, "good", 75.0, "Tự kiểm điểm", POINTS)
    assert body["decided_at"] is not None


@pytest.mark.parametrize(("persona", "params", "detail"), [
    ("admin", {}, "You have no review yet."),
    ("outsider", {}, "You have no review yet."),
    ("member", {"year": YEAR - 1}, "You have no review that year."),
    ("member", {"year": YEAR, "quarter": 1}, "You have no review that year."),
])
def test_without_a_review_it_is_404(api, period, persona, params, detail):
    response = getattr(api, persona).get("/quality/my-review", **params)

    assert (response.status, response.json) == (404, {"detail": detail, "errors": {}})


def test_anonymous_callers_are_refused(api, cast, period):
    for path in ("/quality/my-review", f"/quality/units/{cast.tree.k.pk}/reviews?year={YEAR}"):
        assert api.anonymous.get(path).status == 401
