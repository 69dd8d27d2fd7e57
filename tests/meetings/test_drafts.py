"""Draft resolutions: comments on a paragraph, anchored across wordings; the adopted text kept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from chibo.core.errors import DomainError, NotFound
from chibo.meetings import drafts, services

TEXT = """Nghị quyết chi bộ tháng 12.

1. Tiếp tục nâng cao chất lượng sinh hoạt chi bộ.

2. Phấn đấu kết nạp 2 đảng viên mới trong năm 2027.

3. Hoàn thành việc thu đảng phí đúng hạn."""


@pytest.fixture
def draft_version(cast):
    meeting = services.create_meeting(actor=cast.secretary, unit=cast.tree.k, kind="regular",
                                      starts_at=timezone.make_aware(dt.datetime(2026, 12, 4, 19, 30)))
    services.set_agenda(meeting, actor=cast.secretary, topic="Tháng 12", agenda="")
    services.invite(meeting, actor=cast.secretary)
    return drafts.publish(meeting, actor=cast.secretary, title="Dự thảo nghị quyết tháng 12", text=TEXT)


def test_paragraphs_and_their_anchors():
    blocks = drafts.paragraphs(TEXT)
    assert len(blocks) == 4 and blocks[2].startswith("2. Phấn đấu")
    assert drafts.anchor("2.  Phấn đấu kết nạp") == drafts.anchor("2. phấn đấu KẾT NẠP")


def test_comments_stay_on_their_paragraph_when_the_draft_changes(cast, draft_version):
    drafts.comment(draft_version, actor=cast.member, paragraph=2, text="Nên ghi rõ đối tượng nguồn.")
    drafts.comment(draft_version, actor=cast.member, paragraph=3, text="Đề nghị thêm thời hạn.")
    reworded = TEXT.replace("3. Hoàn thành việc thu đảng phí đúng hạn.", "3. Thu đảng phí trước ngày 10 hằng tháng.")
    new = drafts.publish(draft_version.draft.meeting, actor=cast.secretary, title="", text="0. Mở đầu.\n\n" + reworded,
                         draft=draft_version.draft)
    review = drafts.review(new.draft)
    assert review.version.number == 2
    by_text = {p.text[:11]: [c.text for c in p.comments] for p in review.paragraphs}
    assert by_text["2. Phấn đấu"] == ["Nên ghi rõ đối tượng nguồn."]  # moved down a paragraph, still there
    assert [c.quote for c in review.earlier] == ["3. Hoàn thành việc thu đảng phí đúng hạn."]
    with pytest.raises(DomainError, match="replaced"):
        drafts.comment(draft_version, actor=cast.member, paragraph=1, text="muộn")


def test_who_may_comment(cast, draft_version):
    with pytest.raises(NotFound):
        drafts.comment(draft_version, actor=cast.outsider, paragraph=1, text="x")
    with pytest.raises(DomainError):
        drafts.comment(draft_version, actor=cast.member, paragraph=9, text="x")
    with pytest.raises(DomainError):
        drafts.comment(draft_version, actor=cast.member, paragraph=1, text=" ")


def test_the_adopted_text_is_kept_beside_the_draft(cast, draft_version):
    adopted = drafts.publish(draft_version.draft.meeting, actor=cast.secretary, title="", text=TEXT, adopted=True,
                             draft=draft_version.draft)
    assert adopted.adopted and adopted.number == 2
    assert draft_version.draft.versions.count() == 2
    with pytest.raises(DomainError):
        drafts.comment(adopted, actor=cast.member, paragraph=1, text="x")
