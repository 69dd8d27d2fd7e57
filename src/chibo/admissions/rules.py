"""The admission rules of DOMAIN.md §4, as pure functions: facts in, findings out.

Every figure comes from the rulebook as of the date of the step (a rule changed in 2025 applies
to votes held after its effective date). Every deadline is counted in Vietnamese working days
(``core.calendar``). A finding says what is wrong and what to do, in Vietnamese or English.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from chibo.core.calendar import add_months, add_working_days
from chibo.core.rulebook import rule
from chibo.members import rules as member_rules
from chibo.members.rules import age_in_months, age_years


@dataclass(frozen=True)
class Finding:
    """Why a step cannot go ahead: a stable ``code`` (forms, API), the ``field`` it concerns,
    and a translated ``message`` that says what to do."""

    code: str
    field: str
    message: str


def _day(value: dt.date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


# ---- eligibility, on the date the cell votes -------------------------------------------------

EDUCATION_EXCEPTIONS = {
    # primary school completed, in a mountainous, border, island, ethnic-minority or extremely
    # disadvantaged area, or a fisherman at sea
    "primary_hardship_area": 5,
    "primary_fisherman": 5,
    # able to read and write: village elders and heads in those areas, with provincial approval
    "literate_elder": 0,
}


@dataclass(frozen=True)
class Applicant:
    """What eligibility looks at. ``left_on``: the day a former member left the party (a
    readmission); ``left_as``: how, when the registry knows them (removed, expelled, resigned);
    ``excluded_ground``: they left on a ground that bars readmission."""

    birth_date: dt.date
    education_grade: int
    education_exception: str = ""
    exception_approved: bool = False  # the provincial approval a literate elder needs
    over_60_approved: bool = False  # the written prior approval of the provincial standing committee
    certificate_date: dt.date | None = None  # awareness course certificate
    left_on: dt.date | None = None
    excluded_ground: bool = False
    left_as: str = ""


def eligibility(applicant: Applicant, on: dt.date) -> list[Finding]:
    """Findings that keep ``applicant`` from being admitted by a cell vote on ``on``."""
    return [*age_findings(applicant, on), *education_findings(applicant, on),
            *certificate_findings(applicant.certificate_date, on), *readmission_findings(applicant, on)]


def age_findings(applicant: Applicant, on: dt.date) -> list[Finding]:
    """Full 18 to full 60 years "counted by month": whole months, the day of the month ignored."""
    months = age_in_months(applicant.birth_date, on)
    youngest, oldest = rule("admission.min_age_months", on=on), rule("admission.max_age_months", on=on)
    if months < youngest:
        eligible = add_months(applicant.birth_date.replace(day=1), youngest)
        return [Finding("age.too_young", "birth_date", _(
            "The applicant is under 18 (counted by month) on %(day)s: the cell may vote from %(from)s.")
            % {"day": _day(on), "from": _day(eligible)})]
    if months > oldest and not applicant.over_60_approved:
        return [Finding("age.over_60", "over_60_approved", _(
            "The applicant is over 60 (counted by month) on %(day)s: record the written prior approval of "
            "the provincial standing committee first.") % {"day": _day(on)})]
    return []


def education_findings(applicant: Applicant, on: dt.date) -> list[Finding]:
    needed = rule("admission.min_education_grade", on=on)
    if applicant.education_grade >= needed:
        return []
    exception = applicant.education_exception
    if exception not in EDUCATION_EXCEPTIONS:
        return [Finding("education.too_low", "education_grade", _(
            "Admission needs grade %(grade)d (lower secondary) or higher, or one of the recorded exceptions "
            "(primary school in a hardship area or for fishermen; literacy for village elders).") % {"grade": needed})]
    if applicant.education_grade < EDUCATION_EXCEPTIONS[exception]:
        return [Finding("education.exception_not_met", "education_grade", _(
            "This exception needs completed primary school (grade 5)."))]
    if exception == "literate_elder" and not applicant.exception_approved:
        return [Finding("education.approval_missing", "exception_approved", _(
            "A literate village elder or head is admitted only with the provincial committee's approval: "
            "record it first."))]
    return []


def certificate_findings(issued: dt.date | None, on: dt.date) -> list[Finding]:
    """A valid awareness-course certificate on the vote date."""
    if issued is None:
        return [Finding("certificate.missing", "certificate_date", _(
            "Record the awareness-course certificate (number, issuer, date) before the cell votes."))]
    if issued > on:
        return [Finding("certificate.future", "certificate_date", _(
            "The certificate is dated after the vote: check the date."))]
    expires = add_months(issued, 12 * rule("admission.course_certificate_valid_years", on=on))
    if on >= expires:
        return [Finding("certificate.expired", "certificate_date", _(
            "The awareness-course certificate expired on %(day)s: the applicant must attend the course again.")
            % {"day": _day(expires)})]
    return []


def readmission_findings(applicant: Applicant, on: dt.date) -> list[Finding]:
    """A former member: 36 months after leaving, never after resignation or on a barred ground
    (``members.rules.readmission_refusal``, which the decision checks again)."""
    if applicant.left_on is None and not applicant.left_as:
        return []
    refusal = member_rules.readmission_refusal(left_as=applicant.left_as, left_on=applicant.left_on,
                                               barred_ground=applicant.excluded_ground, on=on)
    return [] if refusal is None else [Finding(refusal.code, "left_on", refusal.message)]


# ---- introducers -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Introducer:
    """An introducer as the registry knows them on the introduction date."""

    member_id: int
    status: str  # the member's status on the date
    unit_id: int  # the cell they belong to on the date
    together_since: dt.date  # since when they have worked, studied or lived with the applicant


def introducer_findings(introducers: list[Introducer], *, on: dt.date, applicant_member_id: int | None,
                        applicant_unit_id: int, youth_union_path: bool = False,
                        youth_union_resolution: bool = False, applicant_birth: dt.date | None = None,
                        applicant_in_youth_union: bool = False) -> list[Finding]:
    """Two official members of the applicant's unit, each together with them for 12 months; or,
    for a youth-union member of youth-union age, the youth-union executive committee's resolution
    and one official member."""
    findings: list[Finding] = []
    required = rule("admission.introducers_required", on=on)
    if youth_union_path:
        findings += _youth_union_path(on, youth_union_resolution, applicant_birth, applicant_in_youth_union)
        required = 1
    if len(introducers) != required:
        findings.append(Finding("introducers.count", "introducers", _(
            "%(n)d introducing member(s) are needed; %(given)d given.") % {"n": required, "given": len(introducers)}))
    months = rule("admission.introducer_months_together", on=on)
    seen: set[int] = set()
    for who in introducers:
        findings += _introducer(who, on, applicant_member_id, applicant_unit_id, months, seen)
        seen.add(who.member_id)
    return findings


def _youth_union_path(on: dt.date, resolution: bool, birth: dt.date | None, member: bool) -> list[Finding]:
    findings = []
    oldest = rule("admission.youth_union_max_age_years", on=on)
    if not member or birth is None or age_years(birth, on) > oldest:
        findings.append(Finding("introducers.youth_union_not_eligible", "youth_union_path", _(
            "The youth-union path is for youth-union members aged %(age)d or under: use two introducing "
            "members instead.") % {"age": oldest}))
    if not resolution:
        findings.append(Finding("introducers.youth_union_resolution", "youth_union_resolution", _(
            "Record the resolution of the grassroots youth-union executive committee (4-KNĐ).")))
    return findings


def _introducer(who: Introducer, on: dt.date, applicant_id: int | None, unit_id: int, months: int,
                seen: set[int]) -> list[Finding]:
    if applicant_id is not None and who.member_id == applicant_id:
        return [Finding("introducers.self", "introducers", _("An applicant cannot introduce themself."))]
    if who.member_id in seen:
        return [Finding("introducers.repeated", "introducers", _("The same member is listed twice."))]
    if who.status != "official":
        return [Finding("introducers.not_official", "introducers", _(
            "Only official members can introduce: probationary and other members cannot."))]
    if who.unit_id != unit_id:
        return [Finding("introducers.other_unit", "introducers", _(
            "An introducer must be a member of the applicant's unit."))]
    enough = add_months(who.together_since, months)
    if on < enough:
        return [Finding("introducers.too_short", "introducers", _(
            "An introducer must have worked, studied or lived with the applicant for %(months)d months: "
            "this one can introduce from %(day)s.") % {"months": months, "day": _day(enough)})]
    return []


# ---- votes -----------------------------------------------------------------------------------

def votes_needed(members: int, on: dt.date) -> int:
    """The yes votes a resolution needs: at least 2/3 of ``members`` (rounded up) — for a cell,
    all its official members on the vote date, present or not; probationary members do not count."""
    numerator, denominator = rule("admission.vote_ratio", on=on)
    return -(-members * numerator // denominator)


def vote_findings(yes: int, members: int, on: dt.date) -> list[Finding]:
    if members <= 0:
        return [Finding("vote.no_members", "yes", _("The cell has no official member on this date."))]
    if not 0 <= yes <= members:
        return [Finding("vote.impossible", "yes", _(
            "Yes votes must be between 0 and the %(n)d official members.") % {"n": members})]
    needed = votes_needed(members, on)
    if yes < needed:
        return [Finding("vote.not_passed", "yes", _(
            "%(yes)d of %(n)d official members voted yes; %(needed)d are needed (two thirds of all official "
            "members).") % {"yes": yes, "n": members, "needed": needed})]
    return []


def recognition_escalates(failed_votes: int, on: dt.date) -> bool:
    """After this many recognition votes without two thirds, the higher committee decides."""
    return failed_votes >= rule("admission.recognition_max_failed_votes", on=on)


# ---- dates and deadlines ---------------------------------------------------------------------

def decision_due(cell_resolution: dt.date, *, extended: bool = False) -> dt.date:
    """The admission decision: 60 working days after the cell resolution (+30 with a reason)."""
    days = rule("admission.decision_working_days", on=cell_resolution)
    if extended:
        days += rule("admission.decision_extension_working_days", on=cell_resolution)
    return add_working_days(cell_resolution, days)


def ceremony_due(decision_received: dt.date) -> dt.date:
    return add_working_days(decision_received, rule("admission.ceremony_working_days", on=decision_received))


def probation_end(ceremony: dt.date) -> dt.date:
    """Probation is 12 months from the ceremony; the official date is this day, even when the
    recognition decision comes later."""
    return add_months(ceremony, rule("admission.probation_months", on=ceremony))


official_date = probation_end


def recognition_vote_due(ceremony: dt.date) -> dt.date:
    end = probation_end(ceremony)
    return add_working_days(end, rule("admission.recognition_vote_working_days", on=end))


def recognition_decision_due(cell_vote: dt.date, *, extended: bool = False) -> dt.date:
    days = rule("admission.recognition_decision_working_days", on=cell_vote)
    if extended:
        days += rule("admission.decision_extension_working_days", on=cell_vote)
    return add_working_days(cell_vote, days)


@dataclass(frozen=True)
class Deadline:
    """A step's deadline: ``due``, the regulation's; ``cap``, the last day the deciding committee
    may extend it to on its own, with a reason (``due`` where it may not). Later than ``cap``, the
    step needs the consent of the directly superior committee as well."""

    due: dt.date
    cap: dt.date


def decision_deadline(cell_resolution: dt.date) -> Deadline:
    """60 working days after the cell's resolution; in special cases at most 30 more (QĐ 29-QĐ/TW
    §4.3.1)."""
    return Deadline(decision_due(cell_resolution), decision_due(cell_resolution, extended=True))


def ceremony_deadline(decision_received: dt.date) -> Deadline:
    """30 working days after the decision is received; later only with the directly superior
    committee's consent (QĐ 232-QĐ/TW §4.1)."""
    due = ceremony_due(decision_received)
    return Deadline(due, due)


def recognition_decision_deadline(cell_vote: dt.date) -> Deadline:
    """30 working days after the cell's vote; in special cases at most 30 more (QĐ 29-QĐ/TW §4.3.1)."""
    return Deadline(recognition_decision_due(cell_vote), recognition_decision_due(cell_vote, extended=True))


@dataclass(frozen=True)
class Extension:
    """What a late step gives: why, and the superior committee's consent (number and date)."""

    reason: str = ""
    consent_number: str = ""
    consent_on: dt.date | None = None


def lateness_findings(deadline: Deadline, on: dt.date, extension: Extension) -> list[Finding]:
    """A step on ``on`` after its deadline: the reason for the extension; past the cap, the
    consent of the directly superior committee, dated on or before the step."""
    if on <= deadline.due:
        return []
    findings = []
    if not extension.reason:
        findings.append(Finding("deadline.reason", "extension_reason", _(
            "The deadline was %(day)s: record the reason for the extension.") % {"day": _day(deadline.due)}))
    if on <= deadline.cap:
        return findings
    if not extension.consent_number or extension.consent_on is None:
        findings.append(Finding("deadline.consent", "consent_number", _consent_needed(deadline)))
    elif extension.consent_on > on:
        findings.append(Finding("deadline.consent_date", "consent_on", _(
            "The superior committee's consent must be dated on or before this step.")))
    return findings


def _consent_needed(deadline: Deadline) -> str:
    if deadline.cap == deadline.due:
        return _("The deadline was %(day)s: later, this step needs the consent of the directly superior "
                 "committee. Record the number and date of its consent.") % {"day": _day(deadline.due)}
    return _("The deadline was %(day)s, and %(cap)s with the longest extension the regulation allows: later, "
             "this step needs the consent of the directly superior committee. Record the number and date of "
             "its consent.") % {"day": _day(deadline.due), "cap": _day(deadline.cap)}


def dossier_stale(dossier_since: dt.date, on: dt.date) -> bool:
    """A dossier older than 12 months without a cell vote must renew its introductions and opinions."""
    return on > add_months(dossier_since, rule("admission.dossier_valid_months", on=on))


def overdue(due: dt.date, today: dt.date) -> bool:
    return today > due


def as_errors(findings: list[Finding]) -> dict[str, list[Any]]:
    """Findings as the field → messages mapping of ``DomainError``."""
    errors: dict[str, list[Any]] = {}
    for finding in findings:
        errors.setdefault(finding.field, []).append(finding.message)
    return errors
