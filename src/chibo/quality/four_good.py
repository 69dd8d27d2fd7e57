"""The "4 good" movement (Resolution 21-NQ/TW; DOMAIN.md §6), as verbs: a cell or grassroots
committee registers for a run of years with its secretary's signed commitment, fills the pass /
fail checklist of its framework after each monthly meeting, approves its results by a vote twice a
year, and is recognised by the committee above it at the year's end when the framework's rule
(data: ``Framework.rule``) holds. What a unit still lacks comes from ``four_good_queries.Standing``
(``rules.four_good_holds``), so the refusal says what the page shows.

The records of a year are kept under a lock on the unit's registration: a checklist or a vote
cannot change while the year is being recognised, and not at all afterwards.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core import audit
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.meetings.models import Meeting
from chibo.org.models import Unit
from chibo.quality import frameworks
from chibo.quality.access import acting_user as _user
from chibo.quality.access import require
from chibo.quality.enums import FrameworkKind
from chibo.quality.four_good_queries import ELIGIBLE, month_end, month_start, registrations_in, standing
from chibo.quality.models import (
    FourGoodApproval,
    FourGoodMonth,
    FourGoodRecognition,
    FourGoodRegistration,
)

FIRST_YEAR, LAST_YEAR = 2000, 2100
TRUE = frozenset({True, "1", "true", "on", "yes"})  # 1 == True
FALSE = frozenset({False, None, "", "0", "false", "off", "no"})  # 0 == False


def _year(value: Any, field: str) -> int:
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        year = 0
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DomainError(_("Nothing was saved: correct the year."),
                          {field: [_("Give a year from %(first)d to %(last)d.") % {"first": FIRST_YEAR,
                                                                                    "last": LAST_YEAR}]})
    return year


def _count(value: Any, field: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = -1
    if not 0 <= number <= 10000:
        raise DomainError(_("The vote was not saved: correct the counts."), {field: [_("Give a whole number.")]})
    return number


def _past_day(value: Any, field: str, what: str) -> dt.date:
    if not isinstance(value, dt.date):
        raise DomainError(_("Nothing was saved: give the day."), {field: [_("Give a day such as 15/01/2026.")]})
    if value > timezone.localdate():
        raise DomainError(_("Nothing was saved: %(what)s cannot be after today.") % {"what": what},
                          {field: [_("Give a day up to today.")]})
    return value


def _text(value: Any, field: str, limit: int | None = None) -> str:
    text = str(value or "").strip()
    if not text:
        raise DomainError(_("Nothing was saved: fill in the fields marked below."), {field: [_("Fill this in.")]})
    if limit is not None and len(text) > limit:
        raise DomainError(_("Nothing was saved: a text is too long."),
                          {field: [_("Use at most %(n)d characters.") % {"n": limit}]})
    return text


def _taking_part(unit: Unit) -> None:
    if unit.kind not in ELIGIBLE:
        raise DomainError(_("Only a cell or a grassroots committee takes part in the “4 good” movement."))


def _registration(unit: Unit, year: int) -> FourGoodRegistration:
    """The unit's registration covering ``year``, locked; refused when there is none."""
    found = FourGoodRegistration.objects.select_for_update().filter(registrations_in(year), unit=unit).first()
    if found is None:
        raise DomainError(_("%(unit)s is not registered for the “4 good” movement in %(year)d: register it "
                            "first, with the secretary's signed commitment.") % {"unit": unit.name, "year": year})
    return found


def _not_recognised(unit: Unit, year: int) -> None:
    found = FourGoodRecognition.objects.filter(unit=unit, year=year).first()
    if found is not None:
        raise DomainError(_("%(unit)s was recognised as “4 good” for %(year)d on %(day)s: the year's records "
                            "can no longer change.") % {"unit": unit.name, "year": year,
                                                        "day": found.decided_on.strftime("%d/%m/%Y")})


def _meeting_of(unit: Unit, meeting: Meeting | None) -> Meeting | None:
    if meeting is not None and meeting.unit_id != unit.pk:
        raise DomainError(_("Choose a meeting of this unit."))
    return meeting


@transaction.atomic
def register(unit: Unit, *, actor: Any, first_year: Any, last_year: Any, signed_on: Any, signed_by: str,
             commitment: str) -> FourGoodRegistration:
    """Register a cell or grassroots committee for the years ``first_year``–``last_year``: the
    secretary's signed commitment, its day and signer. A unit is registered once for a year."""
    require(actor, Perm.QUALITY_ASSESS, unit.path,
             _("You may view this unit but not register it for the “4 good” movement."))
    unit = Unit.objects.select_for_update().get(pk=unit.pk)  # one registration at a time per unit
    _taking_part(unit)
    if unit.closed_on is not None:
        raise DomainError(_("%(unit)s is closed.") % {"unit": unit.name})
    first, last = _year(first_year, "first_year"), _year(last_year, "last_year")
    if last < first:
        raise DomainError(_("Nothing was saved: the last year comes before the first."),
                          {"last_year": [_("Give a year from %(first)d.") % {"first": first}]})
    signed = _past_day(signed_on, "signed_on", _("the day it was signed"))
    if signed.year > last:
        raise DomainError(_("Nothing was saved: the commitment was signed after the period it is for."),
                          {"signed_on": [_("Give a day up to 31/12/%(year)d.") % {"year": last}]})
    signer, text = _text(signed_by, "signed_by", 120), _text(commitment, "commitment")
    overlapping = FourGoodRegistration.objects.filter(unit=unit, first_year__lte=last, last_year__gte=first).first()
    if overlapping is not None:
        raise DomainError(_("%(unit)s is already registered for %(first)d–%(last)d, which overlaps these years.")
                          % {"unit": unit.name, "first": overlapping.first_year, "last": overlapping.last_year})
    registration = FourGoodRegistration.objects.create(
        unit=unit, unit_path=unit.path, first_year=first, last_year=last, signed_on=signed, signed_by=signer,
        commitment=text, recorded_by=_user(actor))
    audit.record("quality.four_good_registered", actor=actor, obj=registration, unit_path=unit.path,
                 payload={"first_year": first, "last_year": last, "signed_on": signed.isoformat()})
    return registration


def _answers(framework: Any, checks: Any) -> dict[str, bool]:
    """The posted answers as booleans; a key not in the checklist or a value that is not a yes or
    a no is refused (an old form, or a mistake), never guessed."""
    if not isinstance(checks, dict):
        raise DomainError(_("The checklist was not saved: give a yes or a no for each item."))
    known = {key for keys in frameworks.checklist(frameworks.criteria(framework)).values() for key in keys}
    unknown = sorted(str(k) for k in checks if k not in known)
    if unknown:
        raise DomainError(_("The checklist was not saved: %(keys)s are not items of the checklist in force for "
                            "this month. Open the month's checklist again and fill it in.")
                          % {"keys": ", ".join(unknown)})
    answers: dict[str, bool] = {}
    for key, value in checks.items():
        plain = value.strip().lower() if isinstance(value, str) else value
        if isinstance(plain, str | bool | int | None) and plain in TRUE:
            answers[key] = True
        elif isinstance(plain, str | bool | int | None) and plain in FALSE:
            answers[key] = False
        else:
            raise DomainError(_("The checklist was not saved: give a yes or a no for each item."),
                              {key: [_("Yes or no.")]})
    return answers


@transaction.atomic
def record_month(unit: Unit, *, actor: Any, month: dt.date, checks: Any, meeting: Meeting | None = None
                 ) -> FourGoodMonth:
    """The pass / fail checklist of ``month`` (any day of it), after the month's meeting: an answer
    per item of the framework in force for the unit on the month's last day (an item not answered
    fails), and the top-level criteria passed. It may be corrected until the year is recognised.
    ``meeting`` is the meeting it follows (kept from before when not given)."""
    require(actor, Perm.QUALITY_ASSESS, unit.path, _("You may view this unit's checklists but not fill them."))
    first = month_start(month)
    if first > timezone.localdate():
        raise DomainError(_("The checklist of %(month)s is filled after the month's meeting: that month has not "
                            "started.") % {"month": first.strftime("%m/%Y")})
    _taking_part(unit)
    _registration(unit, first.year)
    _not_recognised(unit, first.year)
    meeting = _meeting_of(unit, meeting)
    if meeting is not None and month_start(timezone.localtime(meeting.starts_at).date()) != first:
        raise DomainError(_("Choose a meeting held in %(month)s.") % {"month": first.strftime("%m/%Y")})
    framework = frameworks.in_force(FrameworkKind.FOUR_GOOD, unit.path, month_end(first))
    if framework is None:
        raise DomainError(_("No “4 good” criteria are in force for this unit in %(month)s.")
                          % {"month": first.strftime("%m/%Y")})
    kept, passed = frameworks.passed(framework, _answers(framework, checks))
    row = FourGoodMonth.objects.select_for_update().filter(unit=unit, month=first).first()
    if row is None:
        row = FourGoodMonth.objects.create(unit=unit, unit_path=unit.path, month=first, meeting=meeting,
                                           framework=framework, checks=kept, passed=passed, recorded_by=_user(actor))
    else:
        row.framework, row.checks, row.passed, row.recorded_by = framework, kept, passed, _user(actor)
        row.meeting = meeting or row.meeting
        row.save(update_fields=["framework", "checks", "passed", "recorded_by", "meeting", "recorded_at"])
    audit.record("quality.four_good_checked", actor=actor, obj=row, unit_path=unit.path,
                 payload={"month": first.strftime("%Y-%m"), "passed": passed, "framework": framework.pk})
    return row


@transaction.atomic
def approve_half(unit: Unit, *, actor: Any, year: Any, half: Any, voted_on: Any, votes_for: Any,
                 votes_present: Any, meeting: Meeting | None = None) -> FourGoodApproval:
    """The cell's vote on its results of the first (``half`` 1) or second half of ``year``, with its
    counts. A vote recorded again for the same half replaces the first record."""
    require(actor, Perm.QUALITY_ASSESS, unit.path, _("You may view this unit's votes but not record them."))
    year = _year(year, "year")
    if str(half) not in ("1", "2"):
        raise DomainError(_("The vote was not saved: choose the first or the second half of the year."),
                          {"half": [_("Choose a half of the year.")]})
    half = int(half)
    day = _past_day(voted_on, "voted_on", _("the day of the vote"))
    starts = dt.date(year, 1 if half == 1 else 7, 1)
    if day < starts:
        raise DomainError(_("The vote was not saved: the results of a half-year are voted on from its first day."),
                          {"voted_on": [_("Give a day from %(day)s.") % {"day": starts.strftime("%d/%m/%Y")}]})
    votes, present = _count(votes_for, "votes_for"), _count(votes_present, "votes_present")
    if present < 1 or votes > present:
        raise DomainError(_("The vote was not saved: correct the counts."),
                          {"votes_for": [_("From 0 to the number of members present, who are at least 1.")]})
    _taking_part(unit)
    _registration(unit, year)
    _not_recognised(unit, year)
    meeting = _meeting_of(unit, meeting)
    values = {"unit_path": unit.path, "voted_on": day, "votes_for": votes, "votes_present": present,
              "meeting": meeting, "recorded_by": _user(actor)}
    vote, _created = FourGoodApproval.objects.select_for_update().update_or_create(
        unit=unit, year=year, half=half, defaults=values)
    audit.record("quality.four_good_approved", actor=actor, obj=vote, unit_path=unit.path,
                 payload={"year": year, "half": half, "votes_for": votes, "votes_present": present})
    return vote


@transaction.atomic
def recognise(unit: Unit, *, actor: Any, year: Any, decided_on: Any, decision: str = "") -> FourGoodRecognition:
    """The committee above ``unit`` recognises it as "4 good" for ``year``, when the rule of the
    framework in force at the year's end holds (refused with everything that is missing); the
    evidence is stored with the recognition."""
    parent = Unit.objects.filter(pk=unit.parent_id).first() if unit.parent_id else None
    if not policy.can(actor, Perm.UNITS_VIEW, unit.path):
        raise NotFound("unit")
    if parent is None or not policy.can(actor, Perm.QUALITY_DECIDE, parent.path):
        raise PermissionDenied(_("Only the committee above this unit recognises it as “4 good”."))
    year = _year(year, "year")
    day = _past_day(decided_on, "decided_on", _("the day of the decision"))
    if day < dt.date(year, 12, 1):
        raise DomainError(_("A unit is recognised at the year's end: give a day from 01/12/%(year)d.")
                          % {"year": year}, {"decided_on": [_("Give a day from 01/12/%(year)d.") % {"year": year}]})
    number = str(decision or "").strip()
    if len(number) > 128:
        raise DomainError(_("Nothing was saved: a text is too long."),
                          {"decision": [_("Use at most %(n)d characters.") % {"n": 128}]})
    _taking_part(unit)
    _registration(unit, year)
    _not_recognised(unit, year)
    found = standing(unit, year)
    if found.missing or found.framework is None:
        raise DomainError(_("%(unit)s cannot be recognised as “4 good” for %(year)d: %(missing)s")
                          % {"unit": unit.name, "year": year, "missing": " ".join(found.reasons())})
    recognition = FourGoodRecognition.objects.create(
        unit=unit, unit_path=unit.path, year=year, framework=found.framework, decided_on=day, decision=number,
        evidence=found.evidence(), decided_by=_user(actor))
    audit.record("quality.four_good_recognised", actor=actor, obj=recognition, unit_path=unit.path,
                 payload={"year": year, "decided_on": day.isoformat(), "decision": number})
    return recognition
