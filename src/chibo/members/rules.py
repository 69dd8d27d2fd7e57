"""Pure rules on member data: no I/O, values in, findings out."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, NamedTuple

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from chibo.core.calendar import add_months
from chibo.core.rulebook import rule
from chibo.members.enums import ETHNICITY_CHOICES, Occupation, Religion, Sex, Status

CITIZEN_ID = re.compile(r"^\d{12}$")
PHONE = re.compile(r"^(\+84|0)\d{9,10}$")
_ETHNIC_CODES = {code for code, _name in ETHNICITY_CHOICES}
# Django's ``Choices.values`` rebuilds a list on every access: computed once here (imports check
# millions of rows with these rules).
_SEXES, _RELIGIONS = frozenset(Sex.values), frozenset(Religion.values)
_OCCUPATIONS, _STATUSES = frozenset(Occupation.values), frozenset(Status.values)
_ACTIVE = frozenset(Status.active())

Findings = dict[str, list[Any]]


def citizen_id_problem(value: str, *, sex: str | None = None, birth_date: dt.date | None = None):
    """Why ``value`` is not a valid 12-digit citizen ID, or None.

    Digits 1–3 are the province of birth registration (001–096); digit 4 encodes sex and
    century (0/1 = male/female born 1900–1999, 2/3 = 2000–2099); digits 5–6 are the birth year.
    """
    if not CITIZEN_ID.match(value or ""):
        return _("The citizen ID must be exactly 12 digits.")
    if not 1 <= int(value[:3]) <= 96:
        return _("The first three digits of the citizen ID must be a province code (001–096).")
    code = int(value[3])
    if code > 3:
        return _("The fourth digit of the citizen ID must be 0, 1, 2 or 3 (sex and century).")
    if sex in (Sex.MALE, Sex.FEMALE) and (code % 2 == 1) != (sex == Sex.FEMALE):
        return _("The citizen ID does not match the sex entered (fourth digit).")
    if birth_date is not None:
        century = 1900 if code < 2 else 2000
        if century + int(value[4:6]) != birth_date.year:
            return _("The citizen ID does not match the year of birth (digits 4–6).")
    return None


def citizen_id_for(*, province: int, sex: str, birth_date: dt.date, serial: int) -> str:
    """Build a citizen ID consistent with :func:`citizen_id_problem` (used by the generators)."""
    century_code = (0 if birth_date.year < 2000 else 2) + (1 if sex == Sex.FEMALE else 0)
    return f"{province:03d}{century_code}{birth_date.year % 100:02d}{serial % 1_000_000:06d}"


_MIN_BIRTH = dt.date(1900, 1, 1)
_NO_OFFICIAL_DATE = frozenset({Status.OFFICIAL, Status.EXEMPTED})
# the enums' members as plain values: an enum attribute costs a lookup on every row
_NO_RELIGION, _OTHER_OCCUPATION = Religion.NONE.value, Occupation.OTHER.value
_PROBATIONARY = Status.PROBATIONARY.value


def profile_ok(data: dict[str, Any], *, today: dt.date) -> bool:
    """True when :func:`profile_problems` would find nothing: a quick test for the common row.

    It checks the same rules conservatively and in the cheapest way; False only means "call
    :func:`profile_problems` for the findings" (the row may still be valid).
    """
    name = data.get("full_name")
    birth = data.get("birth_date")
    if (not name or not name.replace(" ", "").isalpha() or len(name.strip()) < 2 or birth is None
            or birth > today or birth < _MIN_BIRTH
            or (today.year - birth.year) * 12 + today.month - birth.month < 16 * 12):
        return False
    if not (_citizen_id_ok(data.get("citizen_id"), data.get("sex"), birth) and _phone_ok(data.get("phone"))
            and data.get("ethnicity", "01") in _ETHNIC_CODES and data.get("religion", _NO_RELIGION) in _RELIGIONS
            and data.get("occupation", _OTHER_OCCUPATION) in _OCCUPATIONS):
        return False
    grade = data.get("education_grade", 12)
    return isinstance(grade, int) and 0 <= grade <= 12 and _party_dates_ok(data, today, birth)


def _citizen_id_ok(cid: Any, sex: Any, birth: dt.date) -> bool:
    if cid.__class__ is not str or len(cid) != 12 or not (cid.isascii() and cid.isdigit()):
        return False
    code = ord(cid[3]) - 48
    if sex == "M":
        female = False
    elif sex == "F":
        female = True
    else:
        return False
    return (1 <= int(cid[:3]) <= 96 and code <= 3 and (code % 2 == 1) == female
            and (1900 if code < 2 else 2000) + int(cid[4:6]) == birth.year)


def _phone_ok(phone: Any) -> bool:
    if not phone:
        return True
    return phone.__class__ is str and bool(PHONE.match(phone.replace(" ", "")))


def _party_dates_ok(data: dict[str, Any], today: dt.date, birth: dt.date) -> bool:
    status = data.get("status", _PROBATIONARY)
    admission, ceremony, official = data.get("admission_date"), data.get("ceremony_date"), data.get("official_date")
    if status not in _ACTIVE or admission is None or admission > today or admission < birth:
        return False
    if ceremony is not None and (ceremony > today or ceremony < admission):
        return False
    if official is None:
        return status == _PROBATIONARY and not data.get("card_number")
    return status in _NO_OFFICIAL_DATE and admission <= official <= today


def profile_problems(data: dict[str, Any], *, today: dt.date) -> Findings:
    """Field-level problems of a member profile (the values already have their Python types)."""
    problems: Findings = {}

    def add(field: str, message: Any) -> None:
        problems.setdefault(field, []).append(message)

    name = (data.get("full_name") or "").strip()
    if len(name) < 2:
        add("full_name", _("Enter the member's full name."))
    elif any(ch.isdigit() for ch in name):
        add("full_name", _("A name cannot contain digits."))
    birth = data.get("birth_date")
    if birth is None:
        add("birth_date", _("Enter the date of birth."))
    elif birth > today or birth < dt.date(1900, 1, 1):
        add("birth_date", _("The date of birth must be between 1900 and today."))
    elif (today.year - birth.year) * 12 + today.month - birth.month < 16 * 12:
        add("birth_date", _("A party member must be at least 16 years old."))
    if data.get("sex") not in _SEXES:
        add("sex", _("Choose male or female."))
    problem = citizen_id_problem(str(data.get("citizen_id") or ""), sex=data.get("sex"),
                                 birth_date=birth if "birth_date" not in problems else None)
    if problem:
        add("citizen_id", problem)
    phone = (data.get("phone") or "").replace(" ", "")
    if phone and not PHONE.match(phone):
        add("phone", _("Enter a Vietnamese phone number, e.g. 0912345678 or +84912345678."))
    if data.get("ethnicity", "01") not in _ETHNIC_CODES:
        add("ethnicity", _("Choose one of the 54 ethnic groups or Other."))
    if data.get("religion", Religion.NONE) not in _RELIGIONS:
        add("religion", _("Choose a religion from the list."))
    if data.get("occupation", Occupation.OTHER) not in _OCCUPATIONS:
        add("occupation", _("Choose an occupation from the list."))
    grade = data.get("education_grade", 12)
    if not isinstance(grade, int) or not 0 <= grade <= 12:
        add("education_grade", _("General education is a grade from 0 to 12."))
    _party_dates(data, today, add)
    return problems


def _party_dates(data: dict[str, Any], today: dt.date, add) -> None:
    status = data.get("status", Status.PROBATIONARY)
    if status not in _STATUSES:
        add("status", _("Choose a status from the list."))
        return
    admission, ceremony, official = (data.get(k) for k in ("admission_date", "ceremony_date", "official_date"))
    birth = data.get("birth_date")
    for field, value in (("admission_date", admission), ("ceremony_date", ceremony), ("official_date", official)):
        if value is not None and value > today:
            add(field, _("This date is in the future."))
        if value is not None and birth is not None and value < birth:
            add(field, _("This date is before the date of birth."))
    if status in _ACTIVE and admission is None:
        add("admission_date", _("Enter the admission decision date."))
    if ceremony and admission and ceremony < admission:
        add("ceremony_date", _("The ceremony cannot be before the admission decision."))
    if official and admission and official < admission:
        add("official_date", _("The official date cannot be before the admission decision."))
    if status in (Status.OFFICIAL, Status.EXEMPTED) and official is None:
        add("official_date", _("An official member needs the official member date."))
    if status == Status.PROBATIONARY and official is not None:
        add("official_date", _("A probationary member has no official date yet."))
    if data.get("card_number") and status == Status.PROBATIONARY:
        add("card_number", _("Party cards are issued to official members only."))


def age_in_months(birth: dt.date, on: dt.date) -> int:
    """Age "counted by month" (DOMAIN.md §4): whole calendar months, day of month ignored."""
    return (on.year - birth.year) * 12 + (on.month - birth.month)


def age_years(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def birth_range_for_age_band(band: str, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """(born after, born on or before) limits for an age band, for an index range on birth_date."""

    def years_ago(n: int) -> dt.date:
        try:
            return today.replace(year=today.year - n)
        except ValueError:  # 29 February
            return today.replace(year=today.year - n, day=28)

    bands = {
        "lt30": (years_ago(30), None),
        "30-45": (years_ago(46), years_ago(30)),
        "46-60": (years_ago(61), years_ago(46)),
        "gt60": (None, years_ago(61)),
    }
    return bands[band]


# ---- readmission (DOMAIN.md §3–4) -------------------------------------------------------------

# the statuses of a former member: their record may come back (a readmission); resignation never does
FORMER = (Status.REMOVED, Status.EXPELLED, Status.RESIGNED)
NEVER_READMITTED = frozenset({Status.RESIGNED})


class Refusal(NamedTuple):
    code: str
    message: str


def _day(value: dt.date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def readmission_refusal(*, left_as: str, left_on: dt.date | None, barred_ground: bool,
                        on: dt.date) -> Refusal | None:
    """Why a former member cannot be readmitted by a step on ``on``, or None.

    ``left_as`` is how the registry says they left (removed, expelled, resigned), empty when it
    does not know them; ``left_on`` the day (the registry's, else the one the case gives);
    ``barred_ground``: they left on a ground that bars readmission (corruption, serious crime).
    Readmission waits the rulebook's months after leaving, and never follows a resignation."""
    if left_as in NEVER_READMITTED:
        return Refusal("readmission.resigned", str(_(
            "The member registry records that this person resigned from the party: a member who resigned "
            "cannot be readmitted.")))
    if barred_ground:
        return Refusal("readmission.excluded", str(_(
            "A person who left the party on this ground cannot be readmitted.")))
    if left_on is None:
        return Refusal("readmission.left_unknown", str(_(
            "The member registry does not say when this person left the party: enter the day they left "
            "on the case (readmission).")))
    months = rule("admission.readmission_wait_months", on=on)
    allowed = add_months(left_on, months)
    if on >= allowed:
        return None
    if left_as:
        return Refusal("readmission.too_soon", str(_(
            "The member registry records that this person left the party on %(left)s (%(status)s): they can "
            "be readmitted from %(day)s, %(months)d months after leaving.") % {
            "left": _day(left_on), "status": Status(left_as).label, "day": _day(allowed), "months": months}))
    return Refusal("readmission.too_soon", str(_(
        "A former member can be readmitted from %(day)s (%(months)d months after leaving).")
        % {"day": _day(allowed), "months": months}))
