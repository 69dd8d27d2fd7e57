"""The residence cell's comment (Regulation 213-QĐ/TW): asked by the member's cell, answered by the
cell where they live, in any province; the residence cell sees no more than name, year of birth and
the asking cell."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.core.models import AuditEntry
from chibo.notifications.models import Kind, Notification
from chibo.quality import residence
from chibo.quality.enums import Step
from chibo.quality.models import MemberReview, ResidenceComment
from chibo.restructuring import services as unit_services
from tests.factories.registry import make_unit, make_user
from tests.quality.conftest import YEAR, open_year


@pytest.fixture
def review(cast, period):
    return MemberReview.objects.get(member=cast.plain_m, year=YEAR)


def _field_errors(excinfo) -> dict[str, list[str]]:
    return {k: [str(m) for m in v] for k, v in excinfo.value.field_errors.items()}


def test_a_cell_asks_a_residence_cell_in_another_province_and_its_officer_answers(
        cast, review, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        comment = residence.ask(review, actor=cast.secretary, residence_code="QK")

    assert (comment.residence_unit, comment.residence_path, comment.asked_by) == (cast.tree.qk, cast.tree.qk.path,
                                                                                  cast.secretary)
    asked = Notification.objects.get(kind=Kind.RESIDENCE_COMMENT)
    assert asked.user == cast.outsider  # the nearest holder above the residence cell: Nam Lâm's board
    assert asked.title == "Chi bộ Giáo viên 1 asks for your comment on a member who lives here"
    assert asked.body.startswith("Đặng Văn An (born 1990)")
    assert asked.link == f"/units/{cast.tree.qk.pk}/residence-comments/"

    with django_capture_on_commit_callbacks(execute=True):
        answered = residence.answer(comment, actor=cast.outsider, text="  Gương mẫu, tham gia tốt khu dân cư. ")

    assert (answered.text, answered.answered_by) == ("Gương mẫu, tham gia tốt khu dân cư.", cast.outsider)
    told = Notification.objects.get(kind=Kind.RESIDENCE_COMMENT, user=cast.secretary)
    assert told.title == "Chi bộ thôn Bắc commented on Đặng Văn An"
    assert told.link == f"/units/{cast.tree.k.pk}/residence-comments/"
    actions = list(AuditEntry.objects.filter(action__startswith="quality.residence").order_by("pk")
                   .values_list("action", "unit_path", "payload"))
    assert actions == [
        ("quality.residence_asked", cast.tree.k.path, {"year": YEAR, "review": review.pk, "residence": "QK"}),
        ("quality.residence_answered", cast.tree.qk.path, {"year": YEAR, "review": review.pk, "first": True}),
    ]


def test_the_residence_cell_sees_the_name_the_year_of_birth_and_the_asking_cell_only(cast, review):
    residence.ask(review, actor=cast.secretary, residence_code="QK")

    [row] = residence.incoming(cast.tree.qk, YEAR)

    assert (row.full_name, row.birth_year, row.asking_cell, row.residence_cell, row.text, row.answered_at) == (
        "Đặng Văn An", 1990, "Chi bộ Giáo viên 1", "Chi bộ thôn Bắc", "", None)
    assert set(vars(row)) == {"pk", "full_name", "birth_year", "asking_cell", "residence_cell", "year", "asked_at",
                              "text", "answered_at", "decided"}
    assert residence.incoming(cast.tree.q, YEAR) == [row]  # the province above sees it too
    assert residence.incoming(cast.tree.k, YEAR) == []
    assert residence.incoming(cast.tree.qk, YEAR + 1) == []


def test_the_asking_cell_sees_its_requests_and_the_answers(cast, review):
    comment = residence.ask(review, actor=cast.secretary, residence_code="QK")
    residence.answer(comment, actor=cast.outsider, text="Tốt")

    for unit in (cast.tree.k, cast.tree.g, cast.tree.p):
        [sent] = residence.sent(unit, YEAR)
        assert (sent.review.member.full_name, sent.residence_unit.name, sent.text) == ("Đặng Văn An",
                                                                                       "Chi bộ thôn Bắc", "Tốt")
    assert residence.sent(cast.tree.k2, YEAR) == []
    assert residence.sent(cast.tree.q, YEAR) == []
    assert residence.latest_year(cast.tree.k) == residence.latest_year(cast.tree.qk) == YEAR
    assert residence.latest_year(cast.tree.k2) is None


def test_a_residential_cells_member_has_no_residence_comment(cast, period):
    open_year(cast.tree.qc)
    far = MemberReview.objects.get(member=cast.far_m)

    with pytest.raises(DomainError) as excinfo:
        residence.ask(far, actor=cast.outsider, residence_code="K")

    assert str(excinfo.value.message) == (
        "Only members whose cell is in an agency, a public-service unit, an enterprise, a school or the armed "
        "forces are commented on by their residence cell (Regulation 213-QĐ/TW); Chi bộ thôn Bắc is not.")
    assert not ResidenceComment.objects.exists()
    assert residence.askable(cast.tree.qk, YEAR) == []
    assert [r.member.full_name for r in residence.askable(cast.tree.k, YEAR)] == [
        "Đặng Văn An", "Lê Hoàng Cường", "Trần Thị Bình"]


@pytest.mark.parametrize(("code", "message"), [
    ("", "Give the residence cell's code."),
    ("qk", "No open cell has the code qk. Ask the member for the code of the cell where they live (its secretary "
           "knows it), and type it exactly."),
    ("QC", "No open cell has the code QC. Ask the member for the code of the cell where they live (its secretary "
           "knows it), and type it exactly."),
    ("K", "This is the member's own cell: give the code of the cell where they live."),
])
def test_the_residence_cell_is_named_by_its_exact_code(cast, review, code, message):
    with pytest.raises(DomainError) as excinfo:
        residence.ask(review, actor=cast.secretary, residence_code=code)

    assert _field_errors(excinfo) == {"residence_code": [message]}
    assert not ResidenceComment.objects.exists()
    assert not AuditEntry.objects.filter(action="quality.residence_asked").exists()


def test_a_closed_cell_is_not_asked(cast, review):
    unit_services.close_unit(cast.tree.k2, actor=SYSTEM, on=dt.date(2026, 6, 1))

    with pytest.raises(DomainError) as excinfo:
        residence.ask(review, actor=cast.secretary, residence_code="K2")

    assert list(_field_errors(excinfo)) == ["residence_code"]


def test_only_those_who_assess_the_members_cell_ask_and_the_residence_cell_answers(cast, review):
    auditor = make_user("auditor", role="auditor", unit=cast.tree.k)
    with pytest.raises(NotFound):
        residence.ask(review, actor=cast.outsider, residence_code="QK")
    with pytest.raises(NotFound):
        residence.ask(review, actor=cast.member, residence_code="QK")
    with pytest.raises(PermissionDenied):
        residence.ask(review, actor=auditor, residence_code="QK")
    comment = residence.ask(review, actor=cast.commune, residence_code="QK")

    for user in (cast.secretary, cast.province, cast.commune, cast.member):
        with pytest.raises(NotFound):
            residence.answer(comment, actor=user, text="x")
    q_auditor = make_user("q_auditor", role="auditor", unit=cast.tree.qk)
    with pytest.raises(PermissionDenied):
        residence.answer(comment, actor=q_auditor, text="x")
    assert ResidenceComment.objects.get().text == ""


def test_asking_again_before_the_answer_redirects_the_request_and_not_after(cast, review):
    other = make_unit(cast.tree.qc, "QK2", "Chi bộ thôn Nam", "grassroots_cell", "residential")
    first = residence.ask(review, actor=cast.secretary, residence_code="QK")

    again = residence.ask(review, actor=cast.secretary, residence_code="QK2")

    assert (again.pk, again.residence_unit, again.residence_path) == (first.pk, other, other.path)
    assert residence.incoming(cast.tree.qk, YEAR) == []
    assert [r.full_name for r in residence.incoming(other, YEAR)] == ["Đặng Văn An"]
    residence.answer(again, actor=cast.outsider, text="Tốt")
    with pytest.raises(DomainError) as excinfo:
        residence.ask(review, actor=cast.secretary, residence_code="QK")
    assert str(excinfo.value.message) == "Chi bộ thôn Nam has already answered: its comment is kept."
    assert ResidenceComment.objects.get().residence_unit == other


def test_an_answer_may_be_corrected_until_the_review_is_decided(cast, review, django_capture_on_commit_callbacks):
    comment = residence.ask(review, actor=cast.secretary, residence_code="QK")
    with django_capture_on_commit_callbacks(execute=True):
        residence.answer(comment, actor=cast.outsider, text="Khá")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        residence.answer(comment, actor=cast.outsider, text="Tốt")
    assert callbacks == []
    assert Notification.objects.filter(user=cast.secretary).count() == 1  # told once, at the first answer

    MemberReview.objects.filter(pk=review.pk).update(step=Step.DECIDED)

    with pytest.raises(DomainError) as excinfo:
        residence.answer(comment, actor=cast.outsider, text="Xuất sắc")
    assert str(excinfo.value.message) == "The member's review is already decided: the comment can no longer change."
    with pytest.raises(DomainError):
        residence.ask(MemberReview.objects.get(pk=review.pk), actor=cast.secretary, residence_code="QK")
    assert ResidenceComment.objects.get().text == "Tốt"
    assert residence.incoming(cast.tree.qk, YEAR)[0].decided is True
    assert review.pk not in [r.pk for r in residence.askable(cast.tree.k, YEAR)]


@pytest.mark.parametrize(("text", "message"), [
    ("   ", "Write the cell's comment."),
    ("x" * 4001, "Write at most 4000 characters."),
])
def test_an_empty_or_too_long_answer_is_refused(cast, review, text, message):
    comment = residence.ask(review, actor=cast.secretary, residence_code="QK")

    with pytest.raises(DomainError) as excinfo:
        residence.answer(comment, actor=cast.outsider, text=text)

    assert _field_errors(excinfo) == {"text": [message]}
    assert ResidenceComment.objects.get().answered_at is None
