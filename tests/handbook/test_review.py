"""The member's yearly review in the handbook: the form that fits them and what each part asks,
the points per criterion and the proposed level, then the cell's proposal, the verification and
the decision in words; only their own review; a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from chibo.accounts.policy import SYSTEM
from chibo.members.models import Discipline
from chibo.quality import frameworks, services
from chibo.quality.enums import Level, Step
from chibo.quality.models import MemberReview, UnitReview
from tests.quality.conftest import YEAR, open_year

URL = "/handbook/review/"
POINTS = {"politics": 18, "discipline": 9, "duties": 45, "party_duties": 9, "contact": 9}  # 90
UNIT_POINTS = {"politics": 16, "organization": 16, "tasks": 32, "inspection": 8, "mass": 8}


def _post(points=POINTS, text="Tôi luôn giữ vững lập trường chính trị.", level=""):
    return {"text": text, "level": level, **{f"score_{k}": v for k, v in points.items()}}


@pytest.fixture
def period(cast):
    return open_year(cast.tree.c)


@pytest.fixture
def review(cast, period):
    return MemberReview.objects.get(member=cast.plain_m, year=YEAR)


def _to_decided(cast, review, *, cell_score="85", final=None):
    services.self_assess_member(review, actor=cast.member, text="Tự kiểm điểm", scores=POINTS)
    for unit_review in UnitReview.objects.filter(year=YEAR).order_by("-depth"):
        services.self_assess_unit(unit_review, actor=SYSTEM, text="", scores=UNIT_POINTS)
        services.verify(unit_review, actor=SYSTEM)
    services.decide([(r, None) for r in UnitReview.objects.filter(decider=cast.tree.g)], actor=SYSTEM,
                    decider=cast.tree.g)
    services.propose(cast.tree.k, actor=cast.secretary, year=YEAR, meeting=None,
                     proposals={review.pk: services.Proposal(cell_score, 5, 6, "Hoàn thành tốt nhiệm vụ")})
    services.verify(MemberReview.objects.get(pk=review.pk), actor=SYSTEM, note="Đúng quy trình")
    outcome = services.decide([(MemberReview.objects.get(pk=review.pk), final)], actor=SYSTEM, decider=cast.tree.g)
    assert not outcome.refused
    return outcome.decided[0]


def test_the_member_reads_what_to_write_in_the_form_that_fits_them(cast, as_user, review):
    response = as_user(cast.member).get(URL)

    assert response.status_code == 200
    assert response.context["review"] == review
    assert str(response.context["form_label"]) == "Form 2C: other members"
    titles = [str(title) for title, _help in response.context["parts"]]
    assert titles == ["Political thought, ethics and way of life", "Results of the duties and tasks assigned",
                      "Discipline, manner and ways of working", "Contact with the cell and the people where you live",
                      "Strengths, weaknesses and what you will improve", "Your proposed level"]
    assert str(response.context["parts"][1][1]).startswith("Your work or production")
    assert [(c["key"], c["max"]) for c in response.context["criteria"]] == [
        ("politics", 20), ("discipline", 10), ("duties", 50), ("party_duties", 10), ("contact", 10)]
    page = response.content.decode()
    assert "Send it to your cell by 10/12/2026." in page
    assert "Excellent from 90 points, good from 70, completion from 50;" in page
    assert 'name="score_duties"' in page and "/ 50" in page


def test_a_leader_is_asked_for_the_results_of_what_they_lead(cast, as_user, period):
    response = as_user(cast.secretary).get(URL)

    assert str(response.context["form_label"]) == "Form 2A: members holding a leadership or management post"
    assert str(response.context["parts"][1][1]).startswith("The results of the agency, unit or field you lead")


def test_the_member_sends_the_self_review_and_may_correct_it_until_the_cells_proposal(cast, as_user, review):
    client = as_user(cast.member)

    sent = client.post(f"{URL}{review.pk}/", _post(level=Level.GOOD))

    detail = reverse("handbook:review_detail", args=[review.pk])
    assert (sent.status_code, sent["Location"]) == (302, f"{detail}?sent=1")
    review.refresh_from_db()
    assert (review.step, review.self_score, review.self_level, review.self_scores) == (
        Step.SELF_ASSESSED, 90, Level.GOOD, POINTS)
    page = client.get(sent["Location"]).content.decode()
    assert "Your self-review was sent to your cell." in page
    assert "you may correct it until your cell makes its proposal" in page
    assert "Good completion" in page

    client.post(f"{URL}{review.pk}/", _post(POINTS | {"duties": 30}))

    review.refresh_from_db()
    assert (review.self_score, review.self_level) == (75, Level.GOOD)  # the level the points earn


def test_the_member_may_not_propose_a_level_above_the_points(cast, as_user, review):
    response = as_user(cast.member).post(f"{URL}{review.pk}/", _post(POINTS | {"duties": 30}, level=Level.EXCELLENT))

    assert response.status_code == 400
    assert response.context["form"].errors == {"level": ["Your score earns at most “Good completion”."]}
    assert MemberReview.objects.get(pk=review.pk).step == Step.OPEN


@pytest.mark.parametrize(("data", "errors"), [
    ({"score_duties": "51"}, {"score_duties": ["Give 0 to 50 points."]}),
    ({"score_duties": "-1"}, {"score_duties": ["Give 0 to 50 points."]}),
    ({"score_duties": "nhiều"}, {"score_duties": ["Give 0 to 50 points."]}),
    ({"score_contact": ""}, {"score_contact": ["Give your points for this criterion."]}),
    ({"text": "   "}, {"text": ["This field is required."]}),
    ({"level": "best"}, {"level": ["Select a valid choice. best is not one of the available choices."]}),
])
def test_bad_input_is_shown_on_its_field_and_nothing_is_saved(cast, as_user, review, data, errors):
    response = as_user(cast.member).post(f"{URL}{review.pk}/", _post() | data)

    assert response.status_code == 400
    assert response.context["form"].errors == errors
    assert MemberReview.objects.get(pk=review.pk).self_at is None


def test_typed_text_with_a_control_character_is_refused(cast, as_user, review):
    response = as_user(cast.member).post(f"{URL}{review.pk}/", _post(text="Tự kiểm điểm\x1b"))

    assert response.status_code == 400
    assert "control character" in response.content.decode()
    assert MemberReview.objects.get(pk=review.pk).self_at is None


def test_another_members_review_is_not_found(cast, as_user, review, neighbour):
    other = MemberReview.objects.get(member=cast.other_m)

    assert as_user(cast.member).get(f"{URL}{other.pk}/").status_code == 404
    assert as_user(cast.member).post(f"{URL}{other.pk}/", _post()).status_code == 404
    assert as_user(cast.member).get(f"{URL}999999/").status_code == 404
    assert MemberReview.objects.get(pk=other.pk).self_at is None
    assert as_user(neighbour).get(f"{URL}{other.pk}/").status_code == 200


@pytest.mark.parametrize(("persona", "status"), [
    ("admin", 403), ("province", 403), ("commune", 403), ("secretary", 200), ("member", 200), ("outsider", 403),
])
def test_each_persona(cast, as_user, review, persona, status):
    response = as_user(getattr(cast, persona)).get(URL)

    assert response.status_code == status  # officers without a member record have no handbook


def test_anonymous_visitors_are_sent_to_log_in(client, review):
    assert client.get(URL).status_code == 302
    assert client.post(f"{URL}{review.pk}/", _post()).status_code == 302


def test_after_the_decision_the_member_reads_each_step(cast, as_user, review):
    _to_decided(cast, review)

    response = as_user(cast.member).get(URL)

    assert response.status_code == 200
    assert response.context["form"] is None
    assert [done for _label, done in response.context["steps"]] == [True, True, True, True]
    page = response.content.decode()
    for text in ("5 of 6 present voted for", "Hoàn thành tốt nhiệm vụ", "Đúng quy trình", "Good completion", "85"):
        assert text in page
    assert response.context["capped"] == ""
    sent = as_user(cast.member).post(f"{URL}{review.pk}/", _post())
    assert sent.status_code == 400
    assert "Your self-review can no longer change" in sent.content.decode()


def test_a_capped_level_is_explained(cast, as_user, review):
    Discipline.objects.create(member=cast.plain_m, kind="reprimand", decided_on=dt.date(YEAR, 3, 1), body="Chi bộ")

    decided = _to_decided(cast, review, cell_score="92")

    assert (decided.level, decided.capped_by) == (Level.COMPLETION, "disciplined_in_year")
    response = as_user(cast.member).get(URL)
    assert response.context["capped"] == ("Your points earn “Excellent completion”, but you were disciplined during "
                                          "the year: the rules allow at most “Completion”.")


def test_a_member_admitted_late_in_the_year_reads_why_they_are_not_classified(cast, as_user):
    cast.plain_m.admission_date = dt.date(YEAR, 7, 2)
    cast.plain_m.save(update_fields=["admission_date"])
    open_year(cast.tree.c)

    response = as_user(cast.member).get(URL)

    assert response.context["review"].step == Step.NOT_CLASSIFIED
    assert response.context["form"] is None
    assert response.context["why_not"] == (
        "You are not classified this time: you were admitted on 02/07/2026, less than 6 months before the end of "
        "the period (31/12/2026). Your cell still reviews you at its meeting.")


def test_without_a_review_the_page_says_so(cast, as_user):
    response = as_user(cast.member).get(URL)

    assert response.status_code == 200
    assert "You have no review yet" in response.content.decode()


def test_the_home_page_links_to_the_review(cast, as_user):
    assert 'href="/handbook/review/"' in as_user(cast.member).get("/handbook/").content.decode()


@pytest.mark.parametrize("years", [1, 3])
def test_the_review_page_costs_the_same_whatever_the_years_and_the_criteria(cast, as_user, years,
                                                                           django_assert_num_queries):
    """With 1 or 3 years of reviews, and with the national criteria or a province's and a commune's
    sub-criteria added to them."""
    if years == 3:
        for issuer, key in ((cast.tree.p, "p"), (cast.tree.c, "c")):
            frameworks.issue(actor=SYSTEM, issuer=issuer, kind="individual", name=f"Khung {key}",
                             valid_from=dt.date(YEAR, 1, 1),
                             items=[{"key": f"{key}1", "label": "Tiêu chí con", "parent": "duties"}])
    for year in range(YEAR - years + 1, YEAR + 1):
        open_year(cast.tree.c, year=year)
    client = as_user(cast.member)
    client.get(URL)
    with django_assert_num_queries(7):
        response = client.get(URL)
    assert len(response.context["others"]) == years - 1
    assert len(response.context["criteria"][2]["subs"]) == (2 if years == 3 else 0)


def test_the_member_downloads_their_own_form_and_no_one_elses(cast, as_user, review):
    import io

    from docx import Document

    from chibo.core.models import AuditEntry

    services.self_assess_member(review, actor=cast.member, text="Tôi luôn giữ vững lập trường.", scores=POINTS)
    other = MemberReview.objects.get(member=cast.other_m)
    client = as_user(cast.member)

    response = client.get(f"{URL}{review.pk}/form.docx")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="mau-2c-2026.docx"'
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "Đặng Văn An" in text and "Tôi luôn giữ vững lập trường." in text
    assert AuditEntry.objects.filter(action="reports.exported", object_id=str(review.pk)).count() == 1
    assert client.get(f"{URL}{other.pk}/form.docx").status_code == 404
