"""The handbook's meeting pages: the member's meetings, answering, checking in with the code
(also through the QR link), commenting on a draft paragraph, the documents to read (kept on the
phone); nobody else's meetings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from chibo.meetings import drafts, services
from chibo.meetings.models import Comment, Invitation


@pytest.fixture
def meeting(cast):
    meeting = services.create_meeting(actor=cast.secretary, unit=cast.tree.k, kind="regular",
                                      starts_at=timezone.now() + dt.timedelta(days=3))
    services.set_agenda(meeting, actor=cast.secretary, topic="Học tập Nghị quyết 21", agenda="1. Quán triệt")
    services.invite(meeting, actor=cast.secretary)
    return meeting


def test_the_member_sees_answers_and_checks_in(cast, as_user, meeting):
    client = as_user(cast.member)
    assert "Học tập Nghị quyết 21" in client.get("/handbook/meetings/").content.decode()
    page = client.get(f"/handbook/meetings/{meeting.pk}/")
    assert page.status_code == 200 and "1. Quán triệt" in page.content.decode()
    refused = client.post(f"/handbook/meetings/{meeting.pk}/", {"action": "answer", "attending": "0"})
    assert refused.status_code == 400 and "Say why you cannot attend." in refused.content.decode()
    client.post(f"/handbook/meetings/{meeting.pk}/", {"action": "answer", "attending": "0", "reason": "Đi công tác"})
    mine = Invitation.objects.get(meeting=meeting, member=cast.plain_m)
    assert (mine.answer, mine.reason) == ("absent", "Đi công tác")
    meeting = services.open_check_in(meeting, actor=cast.secretary)
    link = client.get(f"/handbook/check-in/{meeting.pk}/?code={meeting.code}")
    assert link["Location"] == f"/handbook/meetings/{meeting.pk}/?code={meeting.code}#check-in"
    wrong = client.post(f"/handbook/meetings/{meeting.pk}/", {"action": "check_in", "code": "000000x"})
    assert wrong.status_code == 400
    client.post(f"/handbook/meetings/{meeting.pk}/", {"action": "check_in", "code": meeting.code})
    mine.refresh_from_db()
    assert mine.attendance == "present"


def test_the_member_comments_on_a_paragraph(cast, as_user, meeting):
    drafts.publish(meeting, actor=cast.secretary, title="Dự thảo nghị quyết", text="Đoạn một.\n\nĐoạn hai.")
    client = as_user(cast.member)
    page = client.get(f"/handbook/meetings/{meeting.pk}/").content.decode()
    assert "Đoạn hai." in page
    draft = meeting.drafts.get()
    client.post(f"/handbook/meetings/{meeting.pk}/", {"action": "comment", "draft": draft.pk, "paragraph": 1,
                                                       "text": "Đề nghị bổ sung chỉ tiêu"})
    assert Comment.objects.get().paragraph == 1


def test_other_cells_meetings_are_not_found(cast, as_user, meeting):
    from tests.factories.registry import make_user

    client = as_user(make_user("far", member=cast.far_m))  # a member of the other province's cell
    assert client.get(f"/handbook/meetings/{meeting.pk}/").status_code == 404
    assert client.post(f"/handbook/meetings/{meeting.pk}/", {"action": "check_in", "code": "1"}).status_code == 404


def test_the_documents_to_read_are_listed_and_kept_on_the_phone(cast, as_user, meeting):
    from tests.factories.library import make_document

    resolution = make_document(cast.tree.root, "21-NQ/TW", "Về tăng cường củng cố, xây dựng tổ chức cơ sở đảng")
    plan = make_document(cast.tree.k, "", "Kế hoạch sinh hoạt chi bộ")
    services.attach(meeting, actor=cast.secretary, document=plan)
    services.attach(meeting, actor=cast.secretary, document=resolution)
    client = as_user(cast.member)
    page = client.get(f"/handbook/meetings/{meeting.pk}/").content.decode()
    assert f'<a href="/handbook/library/{plan.pk}/" data-keep>Kế hoạch sinh hoạt chi bộ</a>' in page
    assert f'<a href="/handbook/library/{resolution.pk}/" data-keep><strong>21-NQ/TW</strong> Về tăng' in page
    assert page.index(f"/handbook/library/{plan.pk}/") < page.index(f"/handbook/library/{resolution.pk}/")
    listing = client.get("/handbook/meetings/").content.decode()
    assert f'<a href="/handbook/library/{resolution.pk}/" data-keep>21-NQ/TW</a>' in listing
    document = client.get(f"/handbook/library/{resolution.pk}/")
    assert document.status_code == 200 and "tăng cường xây dựng tổ chức cơ sở đảng" in document.content.decode()


def test_a_meeting_without_documents_shows_no_such_section(cast, as_user, meeting):
    page = as_user(cast.member).get(f"/handbook/meetings/{meeting.pk}/").content.decode()
    assert "Documents to read" not in page and "/handbook/library/" not in page.split("<main>")[1]
