"""The handbook's library: search, read, bookmark, confirm a study, download; nothing beyond what
the member's units receive."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.library import services
from chibo.library.models import Bookmark, StudyConfirmation
from tests.library.conftest import pdf_bytes, publish, upload  # noqa: F401 - fixtures


@pytest.fixture
def resolution(cast, publish):  # noqa: F811
    return publish(cast.tree.root, "21-NQ/TW", "Về tăng cường củng cố, xây dựng tổ chức cơ sở đảng",
                   issued_on=dt.date(2022, 6, 16))


def test_search_read_bookmark_and_download(cast, as_user, resolution):
    client = as_user(cast.member)
    found = client.get("/handbook/library/?q=21-nq").content.decode()
    assert "Về tăng cường củng cố" in found
    page = client.get(f"/handbook/library/{resolution.pk}/").content.decode()
    assert "Nghị quyết về xây dựng Đảng" in page  # the PDF's text, readable on the page
    client.post(f"/handbook/library/{resolution.pk}/", {"action": "bookmark"})
    assert Bookmark.objects.filter(user=cast.member, document=resolution).exists()
    assert f'href="/handbook/library/{resolution.pk}/" data-keep' in client.get("/handbook/library/").content.decode()
    pdf = client.get(f"/handbook/library/{resolution.pk}/file/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_confirm_a_study(cast, as_user, resolution):
    assignment = services.assign(resolution, actor=cast.province, unit=cast.tree.p,
                                 due_on=dt.date.today() + dt.timedelta(days=10), note="Học tập chuyên đề")
    client = as_user(cast.member)
    assert "Về tăng cường củng cố" in client.get("/handbook/library/").content.decode()
    client.post(f"/handbook/library/{resolution.pk}/", {"action": "confirm", "assignment": assignment.pk,
                                                         "reflection": "Đã quán triệt"})
    assert StudyConfirmation.objects.get(assignment=assignment).reflection == "Đã quán triệt"


def test_documents_of_another_province_are_not_found(cast, as_user, publish):  # noqa: F811
    far = publish(cast.tree.q, "07-CT/TU", "Chỉ thị của Tỉnh Nam Lâm", kind="directive")
    client = as_user(cast.member)
    assert client.get(f"/handbook/library/{far.pk}/").status_code == 404
    assert client.get(f"/handbook/library/{far.pk}/file/").status_code == 404


def test_to_study_lists_the_next_meetings_documents_beside_the_assignments(cast, as_user, resolution):
    """The member's next meeting has two documents to read: both are on the library's "to study"
    list with the assignment, until the member confirms studying them."""
    from django.utils import timezone

    from chibo.library.models import StudyAssignment
    from chibo.meetings import services as meetings
    from tests.factories.library import make_document

    meeting = meetings.create_meeting(actor=cast.secretary, unit=cast.tree.k, kind="regular",
                                      starts_at=timezone.now() + dt.timedelta(days=3))
    meetings.set_agenda(meeting, actor=cast.secretary, topic="Học tập Nghị quyết 21", agenda="1. Quán triệt")
    meetings.invite(meeting, actor=cast.secretary)
    plan = make_document(cast.tree.k, "", "Kế hoạch sinh hoạt chi bộ")
    meetings.attach(meeting, actor=cast.secretary, document=plan)
    meetings.attach(meeting, actor=cast.secretary, document=resolution)
    guide = make_document(cast.tree.p, "05-HD/TU", "Hướng dẫn đánh giá chi bộ")
    services.assign(guide, actor=cast.province, unit=cast.tree.p, due_on=dt.date.today() + dt.timedelta(days=10))
    client = as_user(cast.member)
    meeting_day = timezone.localdate(meeting.starts_at).strftime("%d/%m/%Y")
    studies = [(i.document.title, i.meeting is not None) for i in client.get("/handbook/library/").context["studies"]]
    assert studies == [("Kế hoạch sinh hoạt chi bộ", True), (resolution.title, True),
                       ("Hướng dẫn đánh giá chi bộ", False)]
    page = client.get("/handbook/library/").content.decode()
    assert f'<a href="/handbook/library/{plan.pk}/" data-keep>Kế hoạch sinh hoạt chi bộ</a>' in page
    assert f'<a href="/handbook/meetings/{meeting.pk}/">to read before the meeting of {meeting_day}</a>' in page
    # the resolution, studied through an assignment since past due, leaves the list
    assignment = services.assign(resolution, actor=cast.province, unit=cast.tree.p,
                                 due_on=dt.date.today() + dt.timedelta(days=1))
    client.post(f"/handbook/library/{resolution.pk}/", {"action": "confirm", "assignment": assignment.pk})
    StudyAssignment.objects.filter(pk=assignment.pk).update(due_on=dt.date.today() - dt.timedelta(days=1))
    studies = [i.document.title for i in client.get("/handbook/library/").context["studies"]]
    assert studies == ["Kế hoạch sinh hoạt chi bộ", "Hướng dẫn đánh giá chi bộ"]


@pytest.mark.parametrize("size", [1, 3])
def test_the_library_page_does_not_grow_with_meetings_and_studies(cast, as_user, size, django_assert_num_queries):
    from django.utils import timezone

    from chibo.meetings import services as meetings
    from tests.factories.library import make_document

    for i in range(size):
        meeting = meetings.create_meeting(actor=cast.secretary, unit=cast.tree.k, kind="thematic",
                                          starts_at=timezone.now() + dt.timedelta(days=3 + i))
        meetings.set_agenda(meeting, actor=cast.secretary, topic=f"Chuyên đề {i}", agenda="1. Thảo luận")
        meetings.invite(meeting, actor=cast.secretary)
        for j in range(2):
            meetings.attach(meeting, actor=cast.secretary, document=make_document(cast.tree.k, "", f"Tài liệu {i}.{j}"))
        guide = make_document(cast.tree.p, f"0{i}-HD/TU", f"Hướng dẫn {i}")
        services.assign(guide, actor=cast.province, unit=cast.tree.p, due_on=dt.date.today() + dt.timedelta(days=9))
    client = as_user(cast.member)
    client.get("/handbook/library/")  # the hour's use mark is written once
    with django_assert_num_queries(11):
        response = client.get("/handbook/library/")
    assert len(response.context["studies"]) == 3 * size
