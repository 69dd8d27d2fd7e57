"""Text a member types in the handbook's pages that read posted values without a form (a draft
comment, the reason for an absence, a study's reflection): a control or invisible character is
refused with its position and nothing is stored (a NUL too, which PostgreSQL cannot store)."""

from __future__ import annotations

import datetime as dt

from chibo.library import services as library_services
from chibo.library.models import StudyConfirmation
from chibo.meetings import drafts
from chibo.meetings.models import Comment, Invitation
from tests.handbook.test_meetings import meeting  # noqa: F401 - a fixture
from tests.library.conftest import pdf_bytes, publish, upload  # noqa: F401 - fixtures


def test_a_comment_with_a_nul_or_an_override_is_refused(cast, as_user, meeting):  # noqa: F811
    draft = drafts.publish(meeting, actor=cast.secretary, title="Dự thảo", text="Đoạn một.").draft
    client = as_user(cast.member)
    url = f"/handbook/meetings/{meeting.pk}/"

    nul = client.post(url, {"action": "comment", "draft": draft.pk, "paragraph": 0, "text": "Đồng ý\x00"})
    override = client.post(url, {"action": "comment", "draft": draft.pk, "paragraph": 0, "text": "\u202eĐồng ý"})
    kept = client.post(url, {"action": "comment", "draft": draft.pk, "paragraph": 0, "text": "Đồng ý.\r\n- thêm"})

    assert (nul.status_code, nul.context["errors"]) == (400, [
        "The text contains a control character (U+0000) at position 7: delete it and type the text again."])
    assert (override.status_code, override.context["errors"]) == (400, [
        "The text contains an invisible formatting character (U+202E) at position 1: delete it and type the text "
        "again."])
    assert kept.status_code == 302
    assert list(Comment.objects.values_list("text", flat=True)) == ["Đồng ý.\r\n- thêm"]


def test_an_absence_reason_with_an_escape_is_refused(cast, as_user, meeting):  # noqa: F811
    response = as_user(cast.member).post(f"/handbook/meetings/{meeting.pk}/",
                                         {"action": "answer", "attending": "0", "reason": "Ốm\x1b"})

    assert response.status_code == 400
    assert Invitation.objects.get(meeting=meeting, member=cast.plain_m).answer == ""


def test_a_study_reflection_with_a_nul_is_refused(cast, as_user, publish):  # noqa: F811
    document = publish(cast.tree.root, "21-NQ/TW", "Về xây dựng tổ chức cơ sở đảng", issued_on=dt.date(2022, 6, 16))
    assignment = library_services.assign(document, actor=cast.province, unit=cast.tree.p,
                                         due_on=dt.date.today() + dt.timedelta(days=10))

    response = as_user(cast.member).post(f"/handbook/library/{document.pk}/", {
        "action": "confirm", "assignment": assignment.pk, "reflection": "Đã\x00 quán triệt"})

    assert (response.status_code, response.context["errors"]) == (400, [
        "The text contains a control character (U+0000) at position 3: delete it and type the text again."])
    assert not StudyConfirmation.objects.exists()
