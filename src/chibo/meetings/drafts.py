"""Draft resolutions: publish a draft and its new wordings, comment on a paragraph, see the
comments by paragraph (anchored across wordings), adopt the final text."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.core import audit
from chibo.core.errors import DomainError, NotFound
from chibo.core.text import fold
from chibo.meetings.models import Comment, Draft, DraftVersion, Invitation, Meeting
from chibo.meetings.services import _require

MAX_COMMENT = 2000


def paragraphs(text: str) -> list[str]:
    """The text's paragraphs: blocks separated by blank lines, inner whitespace made single."""
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]


def anchor(paragraph: str) -> str:
    """A paragraph's fingerprint: the same words (case, accents-insensitive to typing fixes
    of spacing and case) give the same anchor."""
    return hashlib.sha1(fold(" ".join(paragraph.split())).encode()).hexdigest()[:16]


@transaction.atomic
def publish(meeting: Meeting, *, actor: Any, title: str, text: str, adopted: bool = False,
            draft: Draft | None = None) -> DraftVersion:
    """A new draft (or a new wording of ``draft``; with ``adopted``, the text the meeting adopted)."""
    _require(actor, meeting.unit_path)
    if not paragraphs(text):
        raise DomainError(_("The draft was not published."), {"text": [_("Paste the draft's text.")]})
    if draft is None:
        if not title.strip():
            raise DomainError(_("The draft was not published."), {"title": [_("Give the draft a title.")]})
        draft = Draft.objects.create(meeting=meeting, title=title.strip())
    number = (draft.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = DraftVersion.objects.create(draft=draft, number=number, text=text.strip(), adopted=adopted)
    audit.record("meetings.draft_published", actor=actor, obj=meeting, unit_path=meeting.unit_path,
                 payload={"draft": draft.title, "version": number, "adopted": adopted})
    return version


def _may_comment(actor: Any, meeting: Meeting) -> bool:
    member_id = getattr(actor, "member_id", None) or 0
    return bool(member_id) and Invitation.objects.filter(meeting=meeting, member_id=member_id).exists()


@transaction.atomic
def comment(version: DraftVersion, *, actor: Any, paragraph: int, text: str, client_key: str = "") -> Comment:
    """An invited member comments on paragraph ``paragraph`` (0-based) of the latest wording.
    A comment sent again with the same ``client_key`` (the phone's outbox) is not stored twice."""
    if client_key:
        sent = Comment.objects.filter(author=actor, client_key=client_key[:40]).first()
        if sent is not None:
            return sent
    draft = version.draft
    if not _may_comment(actor, draft.meeting):
        raise NotFound("draft")
    latest = draft.versions.order_by("-number").first()
    if latest is None or latest.pk != version.pk or version.adopted:
        raise DomainError(_("This wording has been replaced: reload the page to comment on the new one."))
    if draft.comments_until and timezone.now() > draft.comments_until:
        raise DomainError(_("Comments on this draft are closed."))
    blocks = paragraphs(version.text)
    if not 0 <= paragraph < len(blocks):
        raise DomainError(_("Choose a paragraph of the draft."), {"paragraph": [_("No such paragraph.")]})
    if not text.strip() or len(text) > MAX_COMMENT:
        raise DomainError(_("The comment was not sent."), {"text": [
            _("Write a comment of at most %(n)d characters.") % {"n": MAX_COMMENT}]})
    return Comment.objects.create(version=version, paragraph=paragraph, anchor=anchor(blocks[paragraph]),
                                  quote=blocks[paragraph], author=actor, text=text.strip(), client_key=client_key[:40])


@dataclass
class Paragraph:
    number: int
    text: str
    comments: list[Comment] = field(default_factory=list)


@dataclass
class Review:
    version: DraftVersion
    paragraphs: list[Paragraph]
    earlier: list[Comment]  # comments on wordings no longer in the text


def review(draft: Draft) -> Review:
    """The latest wording with every comment of every wording at its paragraph (by anchor), and
    the comments whose paragraph was reworded apart (two queries)."""
    version = draft.versions.order_by("-number").first()
    if version is None:
        raise NotFound("draft")
    blocks = [Paragraph(i, text) for i, text in enumerate(paragraphs(version.text))]
    where = {anchor(p.text): p for p in blocks}
    earlier: list[Comment] = []
    for c in Comment.objects.filter(version__draft=draft).select_related("author", "version"):
        target = where.get(c.anchor)
        (target.comments if target else earlier).append(c)
    return Review(version, blocks, earlier)
