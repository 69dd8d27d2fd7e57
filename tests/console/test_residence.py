"""The console page of the residence cells' comments: both sides of Regulation 213-QĐ/TW's request,
for every persona, bad input, and a query count that does not grow with the rows."""

from __future__ import annotations

import pytest

from chibo.quality import residence
from chibo.quality.models import MemberReview, ResidenceComment
from tests.console.conftest import PERSONAS
from tests.factories.registry import make_member, make_unit, make_user
from tests.quality.conftest import YEAR, open_year


def _url(unit) -> str:
    return f"/units/{unit.pk}/residence-comments/"


@pytest.fixture
def reviews(cast):
    open_year(cast.tree.c)
    return {r.member_id: r for r in MemberReview.objects.filter(year=YEAR)}


@pytest.fixture
def asked(cast, reviews):
    return residence.ask(reviews[cast.plain_m.pk], actor=cast.secretary, residence_code="QK")


EXPECTED_K = {"admin": 200, "province": 200, "commune": 200, "secretary": 200, "member": 404, "outsider": 404}
EXPECTED_QK = {"admin": 200, "province": 404, "commune": 404, "secretary": 404, "member": 404, "outsider": 200}


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_opens_the_page_of_the_units_they_see(login, cast, asked, persona):
    client = login(persona)

    asking, answering = client.get(_url(cast.tree.k)), client.get(_url(cast.tree.qk))

    assert (asking.status_code, answering.status_code) == (EXPECTED_K[persona], EXPECTED_QK[persona])


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_may_ask_only_where_they_assess(login, cast, reviews, persona):
    review = reviews[cast.plain_m.pk]

    response = login(persona).post(_url(cast.tree.k), {"action": "ask", "review": review.pk, "residence_code": "QK"})

    expected = {"admin": 302, "province": 302, "commune": 302, "secretary": 302, "member": 404, "outsider": 404}
    assert response.status_code == expected[persona]
    assert ResidenceComment.objects.filter(review=review).exists() == (expected[persona] == 302)


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_may_answer_only_for_the_residence_cell_they_see(login, cast, asked, persona):
    response = login(persona).post(_url(cast.tree.qk), {"action": "answer", "comment": asked.pk,
                                                        "text": "Gương mẫu ở khu dân cư"})

    assert response.status_code == EXPECTED_QK[persona] + (102 if EXPECTED_QK[persona] == 200 else 0)
    assert bool(ResidenceComment.objects.get().text) == (EXPECTED_QK[persona] == 200)


def test_a_read_only_role_gets_403_on_both_sides(client, cast, asked, reviews):
    client.force_login(make_user("auditor", role="auditor", unit=cast.tree.root))

    ask = client.post(_url(cast.tree.k), {"action": "ask", "review": reviews[cast.other_m.pk].pk,
                                          "residence_code": "QK"})
    answer = client.post(_url(cast.tree.qk), {"action": "answer", "comment": asked.pk, "text": "x"})

    assert (client.get(_url(cast.tree.k)).status_code, ask.status_code, answer.status_code) == (200, 403, 403)
    assert ResidenceComment.objects.get().text == ""


def test_the_cross_province_journey_on_the_page(login, cast, reviews):
    asking = login("secretary")
    form = asking.get(_url(cast.tree.k) + f"?review={reviews[cast.plain_m.pk].pk}")
    assert form.context["ask_form"]["review"].value() == str(reviews[cast.plain_m.pk].pk)
    sent = asking.post(_url(cast.tree.k), {"action": "ask", "review": reviews[cast.plain_m.pk].pk,
                                           "residence_code": "QK"}, follow=True)
    assert "The request was sent to Chi bộ thôn Bắc" in sent.content.decode()
    assert "Waiting for the answer" in sent.content.decode()

    answering = login("outsider")
    page = answering.get(_url(cast.tree.qk)).content.decode()
    assert "Đặng Văn An" in page and "1990" in page and "Chi bộ Giáo viên 1" in page
    for private in (cast.plain_m.phone, cast.plain_m.citizen_id, "09/07/1990", f"/members/{cast.plain_m.pk}/"):
        assert private not in page
    comment = ResidenceComment.objects.get()
    answering.post(_url(cast.tree.qk), {"action": "answer", "comment": comment.pk,
                                        "text": "Gương mẫu, tham gia tốt\r\nsinh hoạt khu dân cư"})

    page = login("secretary").get(_url(cast.tree.k)).content.decode()
    assert "Gương mẫu, tham gia tốt<br>sinh hoạt khu dân cư" in page


@pytest.mark.parametrize(("data", "message"), [
    ({"residence_code": "NOPE"}, "No open cell has the code NOPE."),
    ({"residence_code": ""}, "This field is required."),
    ({"residence_code": "Q\u202eK"}, "The text contains"),
    ({"review": "abc", "residence_code": "QK"}, "Select a valid choice."),
])
def test_a_bad_request_is_shown_and_nothing_is_sent(login, cast, reviews, data, message):
    body = {"action": "ask", "review": reviews[cast.plain_m.pk].pk} | data

    response = login("secretary").post(_url(cast.tree.k), body)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ResidenceComment.objects.exists()


def test_a_review_of_another_cell_is_not_asked_from_this_page(login, cast, reviews):
    response = login("commune").post(_url(cast.tree.k2), {"action": "ask", "review": reviews[cast.plain_m.pk].pk,
                                                           "residence_code": "QK"})

    assert response.status_code == 400  # not one of K2's members: not a choice
    assert not ResidenceComment.objects.exists()


@pytest.mark.parametrize(("data", "status"), [
    ({"comment": "abc", "text": "Tốt"}, 400),
    ({"text": "   "}, 400),
    ({"text": "Tốt\x1b"}, 400),
    ({"comment": 999999, "text": "Tốt"}, 404),
])
def test_a_bad_answer_is_refused_and_nothing_is_saved(login, cast, asked, data, status):
    body = {"action": "answer", "comment": asked.pk} | data

    response = login("outsider").post(_url(cast.tree.qk), body)

    assert response.status_code == status
    assert ResidenceComment.objects.get().answered_at is None


def test_a_request_is_answered_only_from_a_page_that_holds_it(login, cast, asked):
    other = make_unit(cast.tree.qc, "QK2", "Chi bộ thôn Nam", "grassroots_cell", "residential")

    response = login("outsider").post(_url(other), {"action": "answer", "comment": asked.pk, "text": "Tốt"})

    assert response.status_code == 404
    assert ResidenceComment.objects.get().answered_at is None


@pytest.mark.parametrize("more", [0, 2])
def test_the_page_costs_the_same_whatever_the_number_of_requests(client, cast, more, django_assert_num_queries):
    """Both sides on one page: the province Bắc Hà is asked about its residents and asks about its
    workers (the admin sees both)."""
    home = make_unit(cast.tree.c, "KR", "Chi bộ khu phố 1", "cell", "residential")
    for i in range(more):
        make_member(cast.tree.k, ("Nguyễn Văn Hải", "Phan Thị Lan")[i])
    open_year(cast.tree.c)
    for review in MemberReview.objects.filter(year=YEAR):
        residence.ask(review, actor=cast.secretary, residence_code=home.code)
    client.force_login(cast.admin)
    client.get(_url(cast.tree.c))
    with django_assert_num_queries(10):
        response = client.get(_url(cast.tree.c))
    assert len(response.context["incoming"]) == len(response.context["sent"]) == 3 + more
    assert response.context["year"] == YEAR
