"""The library's rules, as pure functions of values (no I/O)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from chibo.library.enums import DocumentKind
from chibo.members.enums import Status

MAX_TITLE = 500
MAX_NUMBER = 64
MAX_BODY = 200
MAX_NOTE = 2000
MAX_REFLECTION = 2000
# who is asked to study: the active members, the exempted ones excepted (DOMAIN.md §3, §7)
STUDYING = (Status.PROBATIONARY, Status.OFFICIAL)

Problems = dict[str, list[str]]


def _too_long(value: str, limit: int) -> str:
    return _("At most %(n)d characters (this has %(m)d).") % {"n": limit, "m": len(value)}


def document_problems(data: dict[str, Any], *, today: dt.date) -> Problems:
    """What is wrong with a document's details (kind, number, title, issued on, issued by)."""
    found: Problems = {}
    if data.get("kind") not in DocumentKind.values:
        found["kind"] = [_("Choose the kind of document.")]
    for field, limit in (("title", MAX_TITLE), ("number", MAX_NUMBER), ("issuing_body", MAX_BODY)):
        value = data.get(field) or ""
        if len(value) > limit:
            found[field] = [_too_long(value, limit)]
    if not data.get("title"):
        found["title"] = [_("Give the document's title.")]
    if not data.get("issuing_body"):
        found["issuing_body"] = [_("Say who issued the document, e.g. “Ban Chấp hành Trung ương”.")]
    issued_on = data.get("issued_on")
    if not isinstance(issued_on, dt.date):
        found["issued_on"] = [_("Give the date the document was issued.")]
    elif issued_on > today:
        found["issued_on"] = [_("A document cannot be issued in the future.")]
    return found


def assignment_problems(*, document_path: str, unit_path: str, due_on: dt.date | None, note: str,
                        today: dt.date) -> Problems:
    """What is wrong with asking the subtree at ``unit_path`` to study a document for
    ``document_path``'s subtree by ``due_on``."""
    found: Problems = {}
    if not unit_path.startswith(document_path):
        found["unit"] = [_("The document is not addressed to every member of this unit: choose a unit "
                           "within its audience.")]
    if due_on is None:
        found["due_on"] = [_("Give the date by which members study the document.")]
    elif due_on < today:
        found["due_on"] = [_("The study date cannot be in the past.")]
    if len(note) > MAX_NOTE:
        found["note"] = [_too_long(note, MAX_NOTE)]
    return found


def reflection_problems(reflection: str) -> Problems:
    if len(reflection) > MAX_REFLECTION:
        return {"reflection": [_too_long(reflection, MAX_REFLECTION)]}
    return {}


def studies(status: str) -> bool:
    """Whether a member of this status is asked to study (and counted in the completion)."""
    return status in STUDYING
