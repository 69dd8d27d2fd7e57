"""The handbook's meeting pages: the member's meetings, answering, checking in with the code
(also through the QR link), commenting on a draft paragraph; nobody else's meetings."""

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
