"""Every write to the library, as a verb (ARCHITECTURE.md §2): publish and correct documents,
bookmark them, assign them for study, confirm study."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core import audit
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.core.text import fold, normalize_name
from chibo.library import pdf, queries, rules
from chibo.library.models import Bookmark, Document, StudyAssignment, StudyConfirmation
from chibo.members.models import Member
from chibo.org.models import Unit

DOCUMENT_FIELDS = ("kind", "number", "title", "issued_on", "issuing_body")


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _require_publish(actor: Any, unit: Unit, *, seen: bool = False) -> None:
    """404 when the actor cannot see the unit (or its document, ``seen``), 403 when they may read
    but not publish."""
    if policy.can(actor, Perm.LIBRARY_PUBLISH, unit.path):
        return
    if not seen and not policy.can(actor, Perm.UNITS_VIEW, unit.path):
        raise NotFound("unit")
    raise PermissionDenied(_("You may read the documents of this unit but not publish to it."))


def _require_visible(actor: Any, document: Document) -> None:
    if not queries.visible_documents(actor).filter(pk=document.pk).exists():
        raise NotFound("document")


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in data.items() if k in DOCUMENT_FIELDS}
    for key in ("number", "title", "issuing_body"):
        if key in out:
            out[key] = normalize_name(out[key] or "")
    return out


def _unit_errors(unit: Unit) -> dict[str, list]:
    return {} if unit.is_open else {"unit": [_("This unit is closed; choose its successor.")]}


def publish(*, actor: Any, unit: Unit, upload: UploadedFile, data: dict[str, Any]) -> Document:
    """Put a PDF document in the library for ``unit``'s subtree; its text is extracted for search.

    A refusal (bad details, not a PDF, over 50 MB, unreadable) saves nothing, not even the file.
    The PDF is read and stored before the transaction opens, so a slow file holds no lock.
    """
    _require_publish(actor, unit)
    data = _clean(data)
    errors = rules.document_problems(data, today=timezone.localdate()) | _unit_errors(unit)
    try:
        extracted = pdf.read(upload)
    except pdf.Refused as refused:
        errors["file"] = [refused.message]
    if errors:
        raise DomainError(_("The document was not published: correct the fields marked below."), errors)
    document = Document(**data, unit=unit, unit_path=unit.path, text=extracted.text, text_folded=fold(extracted.text),
                        pages=extracted.pages, uploaded_by=_user(actor))
    _fold(document)
    document.file.save(upload.name or "document.pdf", upload, save=False)
    try:
        with transaction.atomic():
            document.save()
            audit.record("library.published", actor=actor, obj=document, unit_path=unit.path,
                         payload={"number": document.number, "title": document.title, "pages": document.pages})
    except BaseException:
        document.file.delete(save=False)
        raise
    return document


def _fold(document: Document) -> None:
    document.number_folded = fold(document.number)
    document.title_folded = fold(document.title)


@transaction.atomic
def update(document: Document, *, actor: Any, changes: dict[str, Any], unit: Unit | None = None) -> Document:
    """Correct a document's details, or send it to another audience ``unit`` (the file stays)."""
    _require_visible(actor, document)
    document = Document.objects.select_for_update().select_related("unit").get(pk=document.pk)
    _require_publish(actor, document.unit, seen=True)
    target = unit if unit is not None and unit.pk != document.unit_id else None
    if target is not None:
        _require_publish(actor, target)
    changed = {k: v for k, v in _clean(changes).items() if getattr(document, k) != v}
    merged = {f: getattr(document, f) for f in DOCUMENT_FIELDS} | changed
    errors = rules.document_problems(merged, today=timezone.localdate()) | (_unit_errors(target) if target else {})
    if errors:
        raise DomainError(_("The document was not saved: correct the fields marked below."), errors)
    if not changed and target is None:
        return document
    for key, value in changed.items():
        setattr(document, key, value)
    _fold(document)
    fields = [*changed, "number_folded", "title_folded", "updated_at"]
    payload = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in changed.items()}
    if target is not None:
        document.unit, document.unit_path = target, target.path
        fields += ["unit", "unit_path"]
        payload["unit"] = target.code
    document.save(update_fields=fields)
    audit.record("library.updated", actor=actor, obj=document, unit_path=document.unit_path, payload=payload)
    return document


def bookmark(document: Document, *, actor: Any) -> Bookmark:
    """Keep ``document`` in the actor's bookmarks (again: nothing changes)."""
    _require_visible(actor, document)
    found, _created = Bookmark.objects.get_or_create(user_id=actor.pk, document_id=document.pk)
    return found


def unbookmark(document: Document, *, actor: Any) -> bool:
    """Drop ``document`` from the actor's bookmarks; whether it was there."""
    deleted, _by_model = Bookmark.objects.filter(user_id=actor.pk, document_id=document.pk).delete()
    return deleted > 0


@transaction.atomic
def assign(document: Document, *, actor: Any, unit: Unit, due_on: dt.date | None, note: str = "") -> StudyAssignment:
    """Ask every member of ``unit``'s subtree to study ``document`` by ``due_on``; they are told
    after the commit (one bulk notification)."""
    _require_visible(actor, document)
    _require_publish(actor, unit)
    note = (note or "").strip()
    errors = rules.assignment_problems(document_path=document.unit_path, unit_path=unit.path, due_on=due_on,
                                       note=note, today=timezone.localdate()) | _unit_errors(unit)
    if not errors and StudyAssignment.objects.filter(document=document, unit=unit,
                                                           due_on__gte=timezone.localdate()).exists():
        errors["unit"] = [_("This unit is already studying this document.")]
    if errors:
        raise DomainError(_("The study was not assigned: correct the fields marked below."), errors)
    assert due_on is not None
    assignment = StudyAssignment.objects.create(document=document, unit=unit, unit_path=unit.path, due_on=due_on,
                                                note=note, assigned_by=_user(actor))
    audit.record("library.study_assigned", actor=actor, obj=assignment, unit_path=unit.path,
                 payload={"document": document.pk, "due_on": due_on.isoformat()})
    _tell_members(assignment.pk)  # the ledger's row now; sent to a worker after the commit
    return assignment


def _tell_members(assignment_id: int) -> None:
    from chibo.library.tasks import notify_assigned

    notify_assigned(assignment_id)


def _studying_member(actor: Any, assignment: StudyAssignment) -> Member:
    """The actor's member record, when the assignment reaches it (else not found)."""
    member_id = getattr(actor, "member_id", None)
    member = Member.objects.filter(pk=member_id).first() if member_id else None
    if member is None or not member.unit_path.startswith(assignment.unit_path) or not member.is_active:
        raise NotFound("assignment")
    if not rules.studies(member.status):
        raise DomainError(_("Members exempted from work and meetings are not asked to study."))
    return member


@transaction.atomic
def confirm(assignment: StudyAssignment, *, actor: Any, reflection: str = "") -> StudyConfirmation:
    """The actor (a member the assignment reaches) confirms they studied the document, with an
    optional reflection; confirming again replaces the reflection."""
    member = _studying_member(actor, assignment)
    reflection = (reflection or "").strip()
    errors = rules.reflection_problems(reflection)
    if errors:
        raise DomainError(_("The study was not confirmed."), errors)
    found = StudyConfirmation.objects.select_for_update().filter(assignment=assignment, member=member).first()
    if found is not None:
        if reflection and reflection != found.reflection:
            found.reflection = reflection
            found.save(update_fields=["reflection"])
        return found
    try:
        with transaction.atomic():
            return StudyConfirmation.objects.create(assignment=assignment, member=member, unit_path=member.unit_path,
                                                    reflection=reflection)
    except IntegrityError:  # the same member confirmed at the same moment from another device
        return StudyConfirmation.objects.get(assignment=assignment, member=member)
