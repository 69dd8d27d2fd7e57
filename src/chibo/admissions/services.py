"""Every write to an admission case, as a verb (ARCHITECTURE.md §2; docs/decisions/0002)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.admissions import known_ids, reminders, rules, stages, steps, tallying
from chibo.admissions.models import AdmissionCase, Awaits, CaseDocument, CaseStep, Course
from chibo.admissions.stages import ENDS, FINAL, Stage
from chibo.core import audit
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.core.rulebook import rule
from chibo.core.text import fold, normalize_name
from chibo.members import rules as member_rules
from chibo.members.enums import Status
from chibo.members.models import Member
from chibo.org.models import Unit

IDENTITY_FIELDS = (
    "full_name", "sex", "birth_date", "citizen_id", "phone", "email", "ethnicity", "religion", "home_town",
    "residence", "education_grade", "qualification", "occupation", "youth_union", "education_exception",
    "exception_approved", "over_60_approved", "left_on", "excluded_ground",
)
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
UPLOAD_TYPES = {".pdf", ".jpg", ".jpeg", ".png"}


def _require(actor: Any, perm: str, path: str) -> None:
    if not policy.can(actor, Perm.MEMBERS_VIEW, path) and not policy.can(actor, perm, path):
        raise NotFound("case")
    if not policy.can(actor, perm, path):
        raise PermissionDenied(_("You may view this case but not record this step."))


def _identity_errors(data: dict[str, Any], actor: Any, exclude_case: int | None = None) -> dict[str, list]:
    problems = member_rules.profile_problems({**data, "status": Status.PROBATIONARY}, today=timezone.localdate())
    # the party dates come with the decision; the rest must be right from the start
    errors = {k: [str(m) for m in v] for k, v in problems.items() if k in IDENTITY_FIELDS}
    left_on, birth = data.get("left_on"), data.get("birth_date")
    if left_on and (left_on > timezone.localdate() or (birth and left_on < birth)):
        errors["left_on"] = [_("The day the person left the party must be between their birth and today.")]
    citizen_id = data.get("citizen_id")
    if citizen_id and "citizen_id" not in errors:
        if Member.objects.filter(citizen_id=citizen_id, status__in=Status.active()).exists():
            errors["citizen_id"] = [_("This person is already a party member.")]
        elif AdmissionCase.objects.filter(citizen_id=citizen_id).exclude(stage__in=FINAL) \
                .exclude(pk=exclude_case or 0).exists():
            errors["citizen_id"] = [_("This person already has an open admission case.")]
        elif (former := _expelled_in_view(actor, citizen_id)):
            from chibo.members.leaving.queries import readmission_facts  # the registry's expulsion record

            if readmission_facts(former)[1]:  # expelled on a ground that bars readmission for ever
                errors["citizen_id"] = [_("A person who left the party on this ground cannot be readmitted.")]
    return errors


def _expelled_in_view(actor: Any, citizen_id: str) -> Member | None:
    """The person's expelled record, only when the actor may see it (``members.view``): an
    expulsion elsewhere is not revealed to whoever types the ID; ``members.services.readmit``
    refuses a barred ground at the committee's decision."""
    scope = policy.scope_for(actor, Perm.MEMBERS_VIEW).q("unit_path")
    return Member.objects.filter(scope, citizen_id=citizen_id, status=Status.EXPELLED).first()


def _refuse(message: str, errors: dict[str, list], data: dict[str, Any], unit_path: str) -> None:
    """Raise the refusal; one that says the citizen ID is known is counted (admissions.known_ids)."""
    known = {_("This person is already a party member."), _("This person already has an open admission case.")}
    if known & set(errors.get("citizen_id", [])):
        raise known_ids.KnownCitizenId(message, errors, citizen_id=data["citizen_id"], unit_path=unit_path)
    raise DomainError(message, errors)


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in data.items() if k in IDENTITY_FIELDS}
    if "full_name" in out:
        out["full_name"] = normalize_name(out["full_name"] or "")
    for key in ("phone", "citizen_id"):
        if out.get(key):
            out[key] = str(out[key]).replace(" ", "")
    return out


@known_ids.counted
@transaction.atomic
def open_case(*, actor: Any, cell: Unit, data: dict[str, Any], on: dt.date, resolution: str = "",
              helper: Member | None = None) -> AdmissionCase:
    """Put a person on the cell's sympathizer list (the cell's resolution) with a helper member."""
    _require(actor, Perm.ADMISSIONS_RECORD, cell.path)
    data = _clean(data)
    errors = _identity_errors(data, actor)
    if not cell.holds_members or not cell.is_open:
        errors.setdefault("cell", []).append(_("Choose an open cell."))
    if on > timezone.localdate():
        errors["on"] = [_("Enter today's date or an earlier one.")]
    if helper is not None and (helper.unit_id != cell.pk or helper.status != Status.OFFICIAL):
        errors.setdefault("helper", []).append(_("The helper must be an official member of the cell."))
    if errors:
        _refuse(_("The case was not opened: correct the fields marked below."), errors, data, cell.path)
    case = AdmissionCase.objects.create(
        **data, name_folded=fold(data["full_name"]), cell=cell, unit_path=cell.path, stage=Stage.SYMPATHIZER,
        stage_on=on, helper=helper, awaits=Awaits.CELL)
    CaseStep.objects.create(case=case, cell=cell, stage=Stage.SYMPATHIZER, on=on, number=resolution,
                            actor=_user(actor))
    audit.record("admissions.opened", actor=actor, obj=case, unit_path=case.unit_path,
                 payload={"on": on.isoformat(), "resolution": resolution})
    return case


@known_ids.counted
@transaction.atomic
def update_case(case: AdmissionCase, *, actor: Any, changes: dict[str, Any]) -> AdmissionCase:
    """Correct the applicant's details; after the admission decision the member record holds them."""
    _require(actor, Perm.ADMISSIONS_RECORD, case.unit_path)
    case = AdmissionCase.objects.select_for_update().get(pk=case.pk)
    if case.member_id is not None or case.stage in FINAL:
        raise DomainError(_("After the admission decision, correct the member's record instead."))
    changes = {k: v for k, v in _clean(changes).items() if getattr(case, k) != v}
    if not changes:
        return case
    merged = {f: getattr(case, f) for f in IDENTITY_FIELDS} | changes
    errors = _identity_errors(merged, actor, exclude_case=case.pk)
    if errors:
        _refuse(_("The case was not saved: correct the fields marked below."), errors, merged, case.unit_path)
    for key, value in changes.items():
        setattr(case, key, value)
    case.name_folded = fold(case.full_name)
    case.save()
    audit.record("admissions.updated", actor=actor, obj=case, unit_path=case.unit_path,
                 payload={k: v.isoformat() if isinstance(v, dt.date) else v for k, v in changes.items()})
    return case


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def advance(case: AdmissionCase, *, actor: Any, to: str, on: dt.date, facts: dict[str, Any] | None = None,
            expected: str | None = None) -> AdmissionCase:
    """Record the move of ``case`` to stage ``to`` on ``on``.

    ``expected`` is the stage the user saw: when another user moved the case meanwhile, the
    move is refused instead of being applied twice (the case row is locked while this runs).
    """
    facts = facts or {}
    _require(actor, stages.permission_for(to), case.unit_path)
    case = AdmissionCase.objects.select_for_update(of=("self",)).select_related("cell", "member").get(pk=case.pk)
    _check_move(case, to, on, expected)
    row = CaseStep(case=case, cell_id=case.cell_id, stage=to, on=on, note=str(facts.get("note", "")),
                   actor=_user(actor))
    function = steps.ending if to in ENDS else steps.STEPS.get(to)
    findings = function(case, row, on, facts, actor) if function else []
    if findings:
        raise DomainError(_("The step was not recorded: correct the fields marked below."), rules.as_errors(findings))
    row.save()
    before = case.stage
    _move(case, row)
    case.save()
    _tally(case, row, before)
    audit.record(f"admissions.{case.stage if row.passed else 'vote_failed'}", actor=actor, obj=case,
                 unit_path=case.unit_path, payload={"from": before, "to": to, "on": on.isoformat(),
                                                    "number": row.number, "yes": row.yes})
    transaction.on_commit(lambda: reminders.case_moved(case.pk, row.pk))
    return case


def _check_move(case: AdmissionCase, to: str, on: dt.date, expected: str | None) -> None:
    if expected is not None and case.stage != expected:
        raise DomainError(_("This case was moved to “%(stage)s” meanwhile: reload the page.")
                          % {"stage": Stage(case.stage).label})
    if to not in stages.next_stages(case.stage, under_committee=stages.under_committee(case.cell)):
        raise DomainError(_("A case at “%(stage)s” cannot move to “%(to)s”.")
                          % {"stage": Stage(case.stage).label, "to": Stage(to).label if to in Stage.values else to})
    if on < case.stage_on:
        raise DomainError(_("The date is before the previous step (%(day)s).") % {"day": rules._day(case.stage_on)},
                          {"on": [_("Enter a date on or after the previous step.")]})
    if on > timezone.localdate():
        raise DomainError(_("The date is in the future."), {"on": [_("Enter today's date or an earlier one.")]})


def _move(case: AdmissionCase, row: CaseStep) -> None:
    """The stage after the step, and what the case now waits for and by when."""
    if row.passed:
        case.stage, case.stage_on = row.stage, row.on
    elif rules.recognition_escalates(case.failed_recognition_votes, row.on):
        case.stage, case.stage_on = Stage.ESCALATED, row.on
    nxt = stages.next_stages(case.stage, under_committee=stages.under_committee(case.cell))
    case.awaits = "" if not nxt else (
        Awaits.COMMITTEE if stages.permission_for(nxt[0]) == Perm.ADMISSIONS_DECIDE else Awaits.CELL)
    case.next_due = next_due(case)


def next_due(case: AdmissionCase) -> dt.date | None:
    """The deadline of the next move; before the vote, the day the dossier goes stale."""
    if case.stage in FINAL:
        return None
    if case.dossier_since and case.dossier_deadline:
        return rules.add_months(case.dossier_since, rule("admission.dossier_valid_months", on=case.dossier_since))
    return stages.due(case.stage, case.stage_on, cell_vote_on=case.cell_vote_on, ceremony_on=case.ceremony_on,
                      extended=case.extended)


def _tally(case: AdmissionCase, row: CaseStep, before: str) -> None:
    if row.stage == Stage.COURSE:
        tallying.apply(case.unit_path, row.on, {"course": 1})
    elif row.stage == Stage.ADMITTED:
        tallying.apply(case.unit_path, row.on, tallying.admitted_vector(case, case.cell.sector))
    elif row.stage == Stage.OFFICIAL:
        tallying.apply(case.unit_path, row.on, {"official": 1})


@transaction.atomic
def attach_document(case: AdmissionCase, *, actor: Any, title: str, upload: UploadedFile) -> CaseDocument:
    """Attach a scan (PDF or image, up to 20 MB) to the case."""
    _require(actor, Perm.ADMISSIONS_RECORD, case.unit_path)
    errors: dict[str, list] = {}
    name = (upload.name or "").lower()
    if not any(name.endswith(ext) for ext in UPLOAD_TYPES):
        errors["file"] = [_("Attach a PDF, JPEG or PNG scan.")]
    elif (upload.size or 0) > MAX_UPLOAD_BYTES:
        errors["file"] = [_("The file is larger than 20 MB: scan at a lower resolution.")]
    if not title.strip():
        errors["title"] = [_("Say what the document is, e.g. “Application (1-KNĐ)”.")]
    if errors:
        raise DomainError(_("The document was not attached."), errors)
    document = CaseDocument.objects.create(case=case, title=title.strip(), file=upload, uploaded_by=_user(actor))
    audit.record("admissions.document_attached", actor=actor, obj=case, unit_path=case.unit_path,
                 payload={"title": document.title})
    return document


@transaction.atomic
def create_course(*, actor: Any, unit: Unit, name: str, starts_on: dt.date, ends_on: dt.date) -> Course:
    """An awareness course run by the committee of ``unit``."""
    if not policy.can(actor, Perm.ADMISSIONS_DECIDE, unit.path):
        _require(actor, Perm.ADMISSIONS_RECORD, unit.path)
    if ends_on < starts_on:
        raise DomainError(_("The course was not saved."), {"ends_on": [_("The course cannot end before it starts.")]})
    course = Course.objects.create(unit=unit, unit_path=unit.path, name=name.strip(), starts_on=starts_on,
                                   ends_on=ends_on)
    audit.record("admissions.course_created", actor=actor, obj=course, unit_path=unit.path,
                 payload={"name": course.name, "starts_on": starts_on.isoformat()})
    return course
