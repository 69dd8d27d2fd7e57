"""What each move of a case records and checks: one function per stage reached.

A step function gets the locked case, the step being written, the date and the facts the user
gave (a dict: the console form's or the API body's fields). It returns the findings that stop
the move, or changes the case (and the registry, for a decision) and returns nothing. It runs
inside ``services.advance``'s transaction, so a finding or an error leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from chibo.admissions import rules
from chibo.admissions.models import (
    AdmissionCase,
    CaseStep,
    Course,
    Introduction,
    Relation,
    Verification,
    VerificationResult,
)
from chibo.admissions.stages import Stage
from chibo.members.enums import Status
from chibo.members.models import Member, Placement
from chibo.members.rules import FORMER

Facts = dict[str, Any]
StepFunction = Callable[[AdmissionCase, CaseStep, dt.date, Facts, Any], list[rules.Finding]]
STEPS: dict[str, StepFunction] = {}


def step(stage: str) -> Callable[[StepFunction], StepFunction]:
    def register(function: StepFunction) -> StepFunction:
        STEPS[stage] = function
        return function
    return register


def _need(facts: Facts, *names: str) -> list[rules.Finding]:
    return [rules.Finding("required", name, _("This field is required.")) for name in names
            if facts.get(name) in (None, "", [])]


def official_members(cell_id: int, on: dt.date) -> int:
    """Official members placed in the cell on ``on``: those who vote on an admission. Probationary
    members do not count; nor do members exempted from activity (docs/decisions/0002)."""
    placed = Placement.objects.filter(unit_id=cell_id, kind="official", valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=on)).values("member_id")
    official_then = Q(official_date__lte=on) | Q(official_date__isnull=True, status=Status.OFFICIAL)
    gone = Q(status_since__lte=on) & ~Q(status__in=[Status.OFFICIAL, Status.PROBATIONARY])
    return Member.objects.filter(official_then, pk__in=placed).exclude(gone).count()


def _vote(step_row: CaseStep, facts: Facts, members: int, on: dt.date) -> list[rules.Finding]:
    if facts.get("yes") in (None, ""):
        return _need(facts, "yes")
    yes = int(facts["yes"])
    step_row.yes, step_row.voters, step_row.needed = yes, members, rules.votes_needed(members, on)
    return rules.vote_findings(yes, members, on)


def former_member(case: AdmissionCase) -> Member | None:
    """The registry's record of the applicant as a former member (the same citizen ID, removed,
    expelled or resigned): a readmission brings it back."""
    return Member.objects.filter(citizen_id=case.citizen_id, status__in=FORMER).first()


def applicant(case: AdmissionCase, former: Member | None = None) -> rules.Applicant:
    """The applicant's facts; for a former member the registry's leaving day and status win over
    what the case says (the case's day only fills in a day the registry lacks)."""
    left_on, left_as = case.left_on, ""
    if former is not None:
        left_on, left_as = former.status_since or case.left_on, former.status
    return rules.Applicant(
        birth_date=case.birth_date, education_grade=case.education_grade,
        education_exception=case.education_exception, exception_approved=case.exception_approved,
        over_60_approved=case.over_60_approved, certificate_date=case.certificate_date,
        left_on=left_on, left_as=left_as, excluded_ground=case.excluded_ground)


@step(Stage.COURSE)
def course(case: AdmissionCase, row: CaseStep, on: dt.date, facts: Facts, actor: Any) -> list[rules.Finding]:
    missing = _need(facts, "certificate_no", "certificate_issuer")
    if missing:
        return missing
    course = facts.get("course")
    if course and not Course.objects.filter(pk=int(course), unit_path__in=case.cell.ancestor_paths()).exists():
        return [rules.Finding("course.other", "course", _(
            "Choose a course run by the cell's committee or one above it."))]
    case.certificate_no, case.certificate_issuer = facts["certificate_no"], facts["certificate_issuer"]
    case.certificate_date = on
    case.course_id = int(course) if course else case.course_id
    row.number = case.certificate_no
    return []


@step(Stage.APPLICATION)
def application(case: AdmissionCase, row: CaseStep, on: dt.date, facts: Facts, actor: Any) -> list[rules.Finding]:
    if case.certificate_date and on < case.certificate_date:
        return [rules.Finding("date.before_course", "on", _("The application cannot be dated before the course."))]
    case.dossier_since = on
    return []


@step(Stage.INTRODUCED)
def introduced(case: AdmissionCase, row: CaseStep, on: dt.date, facts: Facts, actor: Any) -> list[rules.Finding]:
    given = facts.get("introducers") or []
    members = Member.objects.in_bulk([int(i["member"]) for i in given if i.get("member")])
    introducers, findings = [], []
    for item in given:
        member = members.get(int(item.get("member") or 0))
        if member is None or not item.get("together_since"):
            findings.append(rules.Finding("introducers.unknown", "introducers", _(
                "Choose each introducing member from the registry and say since when they know the applicant.")))
            continue
        introducers.append(rules.Introducer(member.pk, _status_on(member, on), _cell_on(member, on),
                                            _date(item["together_since"])))
    youth = bool(facts.get("youth_union_path"))
    findings += rules.introducer_findings(
        introducers, on=on, applicant_member_id=case.member_id, applicant_unit_id=case.cell_id,
        youth_union_path=youth, youth_union_resolution=bool(facts.get("youth_union_resolution")),
        applicant_birth=case.birth_date, applicant_in_youth_union=case.youth_union)
    if findings:
        return findings
    case.introductions.all().delete()  # renewed introductions replace the stale ones
    Introduction.objects.bulk_create(
        Introduction(case=case, member_id=i.member_id, together_since=i.together_since, on=on) for i in introducers)
    case.youth_union_path = youth
    row.number = facts.get("youth_union_resolution") or ""
    return []


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _status_on(member: Member, on: dt.date) -> str:
    if member.status in (Status.OFFICIAL, Status.EXEMPTED) and (member.official_date or on) <= on:
        return Status.OFFICIAL
    return Status.PROBATIONARY if member.status in Status.active() else member.status


def _cell_on(member: Member, on: dt.date) -> int:
    placement = (Placement.objects.filter(member=member, kind="official", valid_from__lte=on)
                 .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on)).first())
    return placement.unit_id if placement else member.unit_id


@step(Stage.OPINIONS)
def opinions(case: AdmissionCase, row: CaseStep, on: dt.date, facts: Facts, actor: Any) -> list[rules.Finding]:
    return _need(facts, "note")


@step(Stage.VERIFIED)
def verified(case: AdmissionCase, row: CaseStep, on: dt.date, facts: Facts, actor: Any) -> list[rules.Finding]:
    given = [v for v in facts.get("verifications") or [] if v.get("relation")]
    findings = []
    if not any(v["relation"] == Relation.SELF for v in given):
        findings.append(rules.Finding("verification.applicant", "verifications", _(
            "Record the verification of the applicant themself, and of each parent, parent-in-law, "
            "spouse and adult child.")))
    for v in given:
        if v["relation"] not in Relation.values or v.get("result") not in VerificationResult.values \
                or not v.get("name"):
            findings.append(rules.Finding("verification.incomplete", "verifications", _(
                "Each verification needs a relation, a name and a result.")))
        elif v["result"] == VerificationResult.CONCERN:
            findings.append(rules.Finding("verification.concern", "verifications", _(
                "A verification found a concern: resolve it, or close the case as not admitted.")))
    if findings:
        return findings
    case.verifications.all().delete()
    Verification.objects.bulk_create(
        Verification(case=case, relation=v["relation"], name=v["name"], result=v["result"],
                     note=v.get("note", "")) for v in given)
    return []


@step(Stage.CELL_VOTED)
def cell_voted(case: AdmissionCase, row: CaseStep, on: dt.date, facts: Facts, actor: Any) -> list[rules.Finding]:
    findings = rules.eligibility(applicant(case, former_member(case)), on)
    if case.dossier_since and rules.dossier_stale(case.dossier_since, on):
        findings.append(rules.Finding("dossier.stale", "on", _(
            "The dossier is more than 12 months old without a cell vote: renew the introductions and "
            "opinions first.")))
    findings += _vote(row, facts, official_members(case.cell_id, on), on)
    if not findings:
        case.cell_vote_on = on
        row.number = facts.get("number", "")
    return findings


@step(Stage.COMMITTEE_RESOLVED)
def committee_resolved(case: AdmissionCase, row: CaseStep, on: dt.date, facts: Facts,
                       actor: Any) -> list[rules.Finding]:
    missing = _need(facts, "number", "committee_members")
    if missing:
        return missing
    row.number = facts["number"]
    return _vote(row, facts, int(facts["committee_members"]), on)


def _late(case: AdmissionCase, row: CaseStep, on: dt.date, deadline: rules.Deadline,
          facts: Facts) -> list[rules.Finding]:
    """A step after its deadline needs the reason for the extension and, past what the regulation
    lets the committee extend on its own, the superior committee's consent: kept on the step."""
    consent_on = facts.get("consent_on")
    extension = rules.Extension(reason=str(facts.get("extension_reason") or "").strip(),
                                consent_number=str(facts.get("consent_number") or "").strip(),
                                consent_on=_date(consent_on) if consent_on else None)
    findings = rules.lateness_findings(deadline, on, extension)
    if findings:
        return findings
    row.deadline, case.extended = deadline.due, on > deadline.due
    if case.extended:
        row.extension_reason = extension.reason
        if on > deadline.cap:
            row.consent_number, row.consent_on = extension.consent_number, extension.consent_on
    return []


@step(Stage.ADMITTED)
def admitted(case: AdmissionCase, row: CaseStep, on: dt.date, facts: Facts, actor: Any) -> list[rules.Finding]:
    from chibo.members.services import readmit, register

    findings = _need(facts, "number")
    if case.cell_vote_on and on < case.cell_vote_on:
        findings.append(rules.Finding("date.before_vote", "on",
                                      _("The decision cannot precede the cell's resolution.")))
    findings += _late(case, row, on, rules.decision_deadline(case.cell_vote_on or on), facts)
    if findings:
        return findings
    case.decision_no, case.decision_on, row.number = facts["number"], on, facts["number"]
    former = former_member(case)
    if former is not None:  # a readmission: the former member's own record comes back, checked again
        case.member = readmit(former, actor=actor, unit=case.cell, on=on, left_on=case.left_on,
                              barred_ground=case.excluded_ground)
        return []
    profile = {f: getattr(case, f) for f in (
        "full_name", "sex", "birth_date", "citizen_id", "phone", "email", "ethnicity", "religion", "home_town",
        "residence", "education_grade", "qualification", "occupation", "youth_union")}
    case.member = register(actor=actor, unit=case.cell, on=on,
                           data={**profile, "admission_date": on, "status": Status.PROBATIONARY})
    return []


@step(Stage.SWORN_IN)
def sworn_in(case: AdmissionCase, row: CaseStep, on: dt.date, facts: Facts, actor: Any) -> list[rules.Finding]:
    from chibo.members.services import change_status

    if case.decision_on and on < case.decision_on:
        return [rules.Finding("date.before_decision", "on", _("The ceremony cannot precede the decision."))]
    findings = _late(case, row, on, rules.ceremony_deadline(case.decision_on or on), facts)
    if findings:
        return findings
    case.ceremony_on = on
    assert case.member is not None
    change_status(case.member, actor=actor, status=Status.PROBATIONARY, on=on, ceremony_date=on,
                  ceremony_place=facts.get("place", ""))
    return []


@step(Stage.PROBATION_REVIEWED)
def probation_reviewed(case: AdmissionCase, row: CaseStep, on: dt.date, facts: Facts,
                       actor: Any) -> list[rules.Finding]:
    checks = {
        "course_done": _("the new-member course certificate"),
        "self_review": _("the member's self-review"),
        "helper_review": _("the helper member's review"),
    }
    return [rules.Finding("probation.missing", name, _("Record %(what)s first.") % {"what": label})
            for name, label in checks.items() if not facts.get(name)]


@step(Stage.RECOGNITION_VOTED)
def recognition_voted(case: AdmissionCase, row: CaseStep, on: dt.date, facts: Facts,
                      actor: Any) -> list[rules.Finding]:
    """A vote without two thirds is recorded too (``row.passed`` false): the case stays, and after
    the third such vote it goes to the higher committee (``services`` moves it)."""
    assert case.ceremony_on is not None
    end = rules.probation_end(case.ceremony_on)
    if on < end:
        return [rules.Finding("probation.not_ended", "on", _(
            "Probation ends on %(day)s: the cell votes on recognition after that.") % {"day": rules._day(end)})]
    findings = _vote(row, facts, official_members(case.cell_id, on), on)
    if [f for f in findings if f.code != "vote.not_passed"]:
        return findings
    row.number = facts.get("number", "")
    if findings:
        row.passed = False
        case.failed_recognition_votes += 1
    return []


@step(Stage.OFFICIAL)
def official(case: AdmissionCase, row: CaseStep, on: dt.date, facts: Facts, actor: Any) -> list[rules.Finding]:
    from chibo.members.services import change_status

    vote = case.steps.filter(stage=Stage.RECOGNITION_VOTED, passed=True).order_by("-id").first()
    findings = _need(facts, "number")
    findings += _late(case, row, on, rules.recognition_decision_deadline(vote.on if vote else on), facts)
    if findings:
        return findings
    row.number = facts["number"]
    assert case.member is not None and case.ceremony_on is not None
    official_on = rules.official_date(case.ceremony_on)
    change_status(case.member, actor=actor, status=Status.OFFICIAL, on=official_on, official_date=official_on)
    return []


def ending(case: AdmissionCase, row: CaseStep, on: dt.date, facts: Facts, actor: Any) -> list[rules.Finding]:
    """Any end: the reason is required; a member removed during probation leaves the registry."""
    from chibo.members.services import change_status

    missing = _need(facts, "note")
    if missing:
        return missing
    row.number = facts.get("number", "")
    if case.member is not None and row.stage == Stage.REMOVED:
        change_status(case.member, actor=actor, status=Status.REMOVED, on=on)
    return []
