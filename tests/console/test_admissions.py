"""Member development in the console: the persona matrix, one case through every stage by
form posts, refusals that change nothing, the committee's lists and the notifications pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from chibo.admissions.models import AdmissionCase, Course
from chibo.admissions.stages import Stage
from chibo.notifications.models import Kind, Notification
from tests.console.conftest import PERSONAS, statuses
from tests.factories.admissions import START, carry, case_data, open_case

OK, FORBIDDEN, MISSING = 200, 403, 404


def _matrix(*codes):
    return dict(zip(PERSONAS, codes, strict=True))


PAGES = {
    "cell board": (lambda c, case: reverse("console:unit_admissions", args=[c.tree.k.pk]),
                   _matrix(OK, OK, OK, OK, MISSING, MISSING)),
    "commune summary": (lambda c, case: reverse("console:unit_admissions", args=[c.tree.c.pk]),
                        _matrix(OK, OK, OK, MISSING, MISSING, MISSING)),
    "open a case": (lambda c, case: reverse("console:case_create", args=[c.tree.k.pk]),
                    _matrix(OK, OK, FORBIDDEN, OK, MISSING, MISSING)),
    "case page": (lambda c, case: reverse("console:case", args=[case.pk]), _matrix(OK, OK, OK, OK, MISSING, MISSING)),
    "case edit": (lambda c, case: reverse("console:case_edit", args=[case.pk]),
                  _matrix(OK, OK, FORBIDDEN, OK, MISSING, MISSING)),
    "inbox": (lambda c, case: reverse("console:admissions_inbox"), _matrix(OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN,
                                                                          FORBIDDEN)),
    "inbox of the sibling": (lambda c, case: reverse("console:admissions_inbox") + f"?unit={c.tree.q.pk}",
                             _matrix(OK, FORBIDDEN, MISSING, FORBIDDEN, FORBIDDEN, FORBIDDEN)),
    "overdue": (lambda c, case: reverse("console:admissions_overdue"), _matrix(OK, OK, OK, OK, FORBIDDEN, OK)),
    "courses": (lambda c, case: reverse("console:admissions_courses"), _matrix(OK, OK, OK, OK, FORBIDDEN, OK)),
    "notifications": (lambda c, case: reverse("console:notifications"), _matrix(OK, OK, OK, OK, OK, OK)),
    "admission decision (9-KNĐ) as PDF": (
        lambda c, case: reverse("console:case_paperwork", args=[_admitted(c).pk, "admission_decision", "pdf"]),
        _matrix(OK, OK, OK, OK, MISSING, MISSING)),
}


def _admitted(cast):
    found = AdmissionCase.objects.filter(stage=Stage.ADMITTED).first()
    return found or carry(open_case(cast.tree.k, full_name="Hồ Thị Lan"), Stage.ADMITTED)


@pytest.mark.parametrize("page", list(PAGES))
def test_persona_matrix(page, cast, client):
    case = open_case(cast.tree.k)
    url_of, expected = PAGES[page]
    assert statuses(client, cast, url_of(cast, case)) == expected


def _post_step(client, case, to, on, **facts):
    data = {"to": to, "expected": case.stage, "on": on.isoformat(), **facts}
    return client.post(reverse("console:case_step", args=[case.pk]), data)


def test_a_case_through_every_stage_by_the_console_forms(cast, login):
    client = login("secretary")
    data = case_data()
    response = client.post(reverse("console:case_create", args=[cast.tree.k.pk]), {
        **{k: v for k, v in data.items()}, "on": START.isoformat(), "resolution": "01-NQ/CB",
        "helper": cast.other_m.pk, "ethnicity": "01", "religion": "none", "qualification": "none"})
    assert response.status_code == 302, response.content.decode()[:3000]
    case = AdmissionCase.objects.get()
    day = START
    secretary_moves = [
        (Stage.COURSE, {"certificate_no": "12/GCN", "certificate_issuer": "Trung tâm Chính trị huyện"}),
        (Stage.APPLICATION, {}),
        (Stage.INTRODUCED, {"introducer_1": cast.sec_m.pk, "together_since_1": "2020-01-01",
                            "introducer_2": cast.plain_m.pk, "together_since_2": "2021-03-01"}),
        (Stage.OPINIONS, {"note": "Công đoàn trường đồng ý"}),
    ]
    for to, facts in secretary_moves:
        day += dt.timedelta(days=7)
        assert _post_step(client, case, to, day, **facts).status_code == 302
        case.refresh_from_db()
        assert case.stage == to
    # the committee verifies; the secretary's page says so
    assert "recorded by the committee" in client.get(reverse("console:case", args=[case.pk])).content.decode()
    committee = login("commune")
    day += dt.timedelta(days=7)
    assert _post_step(committee, case, Stage.VERIFIED, day, self_name=case.full_name, self_result="clear",
                      father_name="Vũ Văn Hòa", father_result="clear").status_code == 302
    case.refresh_from_db()
    client = login("secretary")
    day += dt.timedelta(days=7)
    page = client.get(reverse("console:case", args=[case.pk])).content.decode()
    assert "3 official members" in page and "2 yes votes are needed" in page
    assert _post_step(client, case, Stage.CELL_VOTED, day, number="05-NQ/CB", yes=2).status_code == 302
    case.refresh_from_db()
    committee = login("commune")
    for to, facts in [(Stage.COMMITTEE_RESOLVED, {"number": "3-NQ/ĐU", "committee_members": 5, "yes": 4}),
                      (Stage.ADMITTED, {"number": "45-QĐ/ĐU"})]:
        day += dt.timedelta(days=7)
        assert _post_step(committee, case, to, day, **facts).status_code == 302
        case.refresh_from_db()
    assert case.member.status == "probationary"
    client = login("secretary")
    day += dt.timedelta(days=7)
    assert _post_step(client, case, Stage.SWORN_IN, day, place="Hội trường trường THCS").status_code == 302
    case.refresh_from_db()
    day = case.next_due  # the end of probation
    assert _post_step(client, case, Stage.PROBATION_REVIEWED, day, course_done="on", self_review="on",
                      helper_review="on").status_code == 302
    case.refresh_from_db()
    assert _post_step(client, case, Stage.RECOGNITION_VOTED, day, yes=3).status_code == 302
    case.refresh_from_db()
    committee = login("commune")
    assert _post_step(committee, case, Stage.OFFICIAL, day, number="80-QĐ/ĐU").status_code == 302
    case.refresh_from_db()
    assert case.stage == Stage.OFFICIAL and case.member.status == "official"
    page = committee.get(reverse("console:case", args=[case.pk])).content.decode()
    assert "This case is closed." in page and "45-QĐ/ĐU" in page


def test_a_refused_step_shows_the_reason_and_changes_nothing(cast, login):
    case = carry(open_case(cast.tree.k), Stage.VERIFIED)
    client = login("secretary")
    response = _post_step(client, case, Stage.CELL_VOTED, case.stage_on, number="05", yes=1)
    assert response.status_code == 422
    assert "2 are needed" in response.content.decode()
    case.refresh_from_db()
    assert case.stage == Stage.VERIFIED and case.steps.count() == 6


def test_a_late_ceremony_records_the_superior_committees_consent_and_the_timeline_shows_it(cast, login):
    from chibo.admissions import rules

    case = carry(open_case(cast.tree.k), Stage.ADMITTED)
    due = rules.ceremony_due(case.decision_on)
    late = rules.add_working_days(due, 2)
    client = login("secretary")
    refused = _post_step(client, case, Stage.SWORN_IN, late, place="Hội trường", extension_reason="Đảng viên mới ốm")
    assert refused.status_code == 422
    assert "needs the consent of the directly superior committee" in refused.content.decode()
    case.refresh_from_db()
    assert case.stage == Stage.ADMITTED
    done = _post_step(client, case, Stage.SWORN_IN, late, place="Hội trường", extension_reason="Đảng viên mới ốm",
                      consent_number="12-CV/ĐU", consent_on=due.isoformat())
    assert done.status_code == 302
    page = client.get(reverse("console:case", args=[case.pk])).content.decode()
    assert (f"After the deadline of {due:%d/%m/%Y}: Đảng viên mới ốm · with the superior committee's consent "
            f"No. 12-CV/ĐU of {due:%d/%m/%Y}") in page


def test_a_step_for_the_committee_is_forbidden_to_the_secretary(cast, login):
    case = carry(open_case(cast.tree.k), Stage.OPINIONS)
    response = _post_step(login("secretary"), case, Stage.VERIFIED, case.stage_on, self_name="A", self_result="clear")
    assert response.status_code == 403
    response = _post_step(login("outsider"), case, Stage.VERIFIED, case.stage_on, self_name="A", self_result="clear")
    assert response.status_code == 404


def test_board_shows_cases_by_stage_and_overdue_in_red(cast, login, django_assert_max_num_queries):
    late = carry(open_case(cast.tree.k, full_name="Lê Thị Muộn"), Stage.CELL_VOTED)
    carry(open_case(cast.tree.k, full_name="Ngô Văn Mới", sex="M"), Stage.COURSE)
    client = login("secretary")
    with django_assert_max_num_queries(12):
        page = client.get(reverse("console:unit_admissions", args=[cast.tree.k.pk])).content.decode()
    assert "Lê Thị Muộn" in page and "Ngô Văn Mới" in page and "case-overdue" in page
    assert late.next_due < dt.date.today()
    listing = login("commune").get(reverse("console:admissions_overdue") + f"?unit={cast.tree.c.pk}")
    assert "Lê Thị Muộn" in listing.content.decode()


def test_documents_are_attached_and_served_only_in_scope(cast, login):
    case = open_case(cast.tree.k)
    client = login("secretary")
    scan = SimpleUploadedFile("don.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = client.post(reverse("console:case_document", args=[case.pk]),
                           {"title": "Đơn xin vào Đảng", "file": scan})
    assert response.status_code == 302
    document = case.documents.get()
    assert client.get(reverse("console:case_document_file", args=[document.pk])).status_code == 200
    assert login("outsider").get(reverse("console:case_document_file", args=[document.pk])).status_code == 404
    bad = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/octet-stream")
    login("secretary").post(reverse("console:case_document", args=[case.pk]), {"title": "x", "file": bad})
    assert case.documents.count() == 1


def test_courses_are_added_and_list_their_participants(cast, login):
    client = login("province")
    url = reverse("console:admissions_courses") + f"?unit={cast.tree.c.pk}&year=2024"
    response = client.post(url, {"name": "Lớp nhận thức về Đảng khóa 3", "starts_on": "2024-09-03",
                                 "ends_on": "2024-09-07"})
    assert response.status_code == 302
    course = Course.objects.get()
    case = open_case(cast.tree.k)
    carry(case, Stage.COURSE)
    AdmissionCase.objects.filter(pk=case.pk).update(course=course)
    assert "Lớp nhận thức về Đảng khóa 3" in client.get(url).content.decode()
    roster = client.get(reverse("console:admissions_course", args=[course.pk])).content.decode()
    assert case.full_name in roster


def test_notifications_inbox_and_settings(cast, login, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = carry(open_case(cast.tree.k), Stage.ADMITTED)
    assert Notification.objects.filter(user=cast.secretary, kind="decision").exists()
    client = login("secretary")
    page = client.get(reverse("console:notifications")).content.decode()
    assert case.full_name in page and "Admission decision" in page
    client.post(reverse("console:notifications_read"))
    assert not Notification.objects.filter(user=cast.secretary, read_at__isnull=True).exists()
    client.post(reverse("console:notification_settings"), {"email": "off", "wanted": ["overdue"]})
    assert cast.secretary.notification_preference.muted == [k for k in Kind.values if k != "overdue"]


def test_the_edit_form_hides_sensitive_fields_from_a_secretary(cast, login):
    case = open_case(cast.tree.k)
    url = reverse("console:case_edit", args=[case.pk])
    assert case.citizen_id not in login("secretary").get(url).content.decode()
    assert case.citizen_id in login("province").get(url).content.decode()
    login("secretary").post(url, {"full_name": "Vũ Thị Hạnh Mai", "sex": "F", "birth_date": "2000-05-10",
                                  "education_grade": 12, "occupation": "civil_servant", "qualification": "none"})
    case.refresh_from_db()
    assert case.full_name == "Vũ Thị Hạnh Mai" and case.citizen_id  # the hidden fields keep their values


def test_bad_parameters_do_not_break_the_lists(cast, login):
    client = login("commune")
    assert client.get(reverse("console:admissions_courses") + "?year=abc").status_code == 200
    huge = "?after=2024-01-01:99999999999999999999"
    assert client.get(reverse("console:admissions_inbox") + huge).status_code == 200
    assert client.get(reverse("console:admissions_overdue") + huge).status_code == 200
