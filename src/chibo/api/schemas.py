"""Request and response shapes of the API (they are the OpenAPI schema the fuzzer reads).

Input types carry the database's limits (lengths, integer ranges, closed vocabularies), so that
every value the database would refuse is a 422 with a field message instead of an error deep
down; the domain rules themselves stay in the services.
"""
# The closed vocabularies are built from the model enums at import time (``choice``, ``text``):
# pydantic reads them fine, mypy cannot see through them.
# mypy: disable-error-code="valid-type"

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, Literal

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, StrictBool, StringConstraints
from pydantic_core import PydanticCustomError

from chibo.core.text import name_problem, text_problem
from chibo.members.enums import (
    ETHNICITY_CHOICES,
    AgeBand,
    Occupation,
    PoliticalTheory,
    Qualification,
    Religion,
    Sex,
    Status,
)
from chibo.members.queries import CURRENT
from chibo.org import paths

MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date_text(value: Any) -> Any:
    """Only ``YYYY-MM-DD`` reaches pydantic's date parsing, which alone also reads ``0`` or a Unix
    timestamp as a day in 1970 and a date-time as its day."""
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise PydanticCustomError("date_parsing", "Input should be a date as YYYY-MM-DD")


# Every date an API caller sends, in a body or a query string: the text YYYY-MM-DD. (A yes/no in a
# JSON body is ``StrictBool``: true or false, not 0, 1 or "yes"; a query string's ``true``/``false``
# is text, so query parameters keep plain ``bool``.)
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_text)]


def _refusing(check: Callable[[str], str | None]) -> Callable[[str], str]:
    def validate(value: str) -> str:
        problem = check(value)
        if problem:
            raise ValueError(problem)
        return value
    return validate


_one_line = _refusing(text_problem)
_lines = _refusing(partial(text_problem, multiline=True))
_a_name = _refusing(name_problem)


def _email(value: str) -> str:
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise ValueError(_("Enter a valid e-mail address.")) from None
    return value


def text(max_length: int, *, multiline: bool = False) -> Any:
    """A string of at most ``max_length`` characters that follows the rules for text a person typed
    (``core.text``: no control, invisible or unused characters; line breaks only if ``multiline``)."""
    return Annotated[str, StringConstraints(max_length=max_length), AfterValidator(_lines if multiline else _one_line)]


def name_text(max_length: int) -> Any:
    """:func:`text` for a name or a place, which also cannot start with = + - @."""
    return Annotated[str, StringConstraints(max_length=max_length), AfterValidator(_a_name)]


def choice(values: list[str] | tuple[str, ...]) -> Any:
    return Literal[tuple(values)]


PathCursor = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,255}$")]
EthnicityCode = choice([code for code, _label in ETHNICITY_CHOICES])
SexCode = choice(Sex.values)
StatusCode = choice(Status.values)
ReligionCode = choice(Religion.values)
OccupationCode = choice(Occupation.values)


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}

# ---------------------------------------------------------------- units


class UnitRef(Schema):
    id: int
    code: str
    name: str


class UnitFields(Schema):
    id: int
    code: str
    name: str
    kind: str
    sector: str
    parent_id: int | None
    path: str
    depth: int
    opened_on: dt.date
    closed_on: dt.date | None
    successor_id: int | None
    member_count: int = Field(description="Active members of the whole subtree (from the tally).")


class UnitOut(UnitFields):
    @staticmethod
    def resolve_member_count(obj) -> int:
        try:
            return obj.tally.total
        except ObjectDoesNotExist:
            return 0


class UnitDetailOut(UnitFields):
    ancestors: list[UnitRef] = Field(description="From the top of your scope down to the parent.")
    counts: dict[str, int] = Field(description="Active members of the subtree by status and category.")
    warnings: list[str] = Field(description="Charter thresholds not met (warnings, not errors).")


class UnitPage(Schema):
    items: list[UnitOut]
    next: str | None = Field(description="Pass as ?after= for the next page; null on the last.")


class UnitAsOf(Schema):
    unit_id: int
    code: str
    kind: str
    name: str = Field(description="The name the unit had on that day.")
    path: str = Field(description="The position the unit had on that day.")
    depth: int
    parent_id: int | None
    valid_from: dt.date
    valid_to: dt.date | None

    @staticmethod
    def resolve_code(obj) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_kind(obj) -> str:
        return obj.unit.kind

    @staticmethod
    def resolve_depth(obj) -> int:
        return paths.depth(obj.path)


class UnitAsOfPage(Schema):
    date: dt.date
    items: list[UnitAsOf]
    next: str | None


class SubtreeQuery(Schema):
    depth: int | None = Field(None, ge=0, le=64, description="Levels below the unit (0: the unit only).")
    include_closed: bool = False
    after: PathCursor | None = Field(None, description="The `next` value of the previous page.")
    limit: int = Field(100, ge=1, le=500)


class AsOfQuery(Schema):
    date: IsoDate = Field(description="YYYY-MM-DD")
    after: PathCursor | None = None
    limit: int = Field(100, ge=1, le=500)


# ---------------------------------------------------------------- members


class MemberItem(Schema):
    id: int
    full_name: str
    sex: str
    birth_date: dt.date
    status: str
    unit: UnitRef


class MemberPage(Schema):
    items: list[MemberItem]
    next: str | None = Field(description="Pass as ?after= for the next page; null on the last.")


class MemberFilters(Schema):
    unit: Id | None = Field(None, description="Only this unit's subtree (a unit id).")
    status: choice((CURRENT, *Status.values)) | None = Field(
        None, description="A status, or `current` for the members units count (official, probationary, "
                          "exempted); every status when left out.")
    sex: SexCode | None = None
    ethnicity: EthnicityCode | None = None
    religion: ReligionCode | None = None
    education: Literal["lt9", "9-11", "12"] | None = None
    age_band: choice(AgeBand.values) | None = None
    q: text(120) = Field("", description="Name (accents optional) or a 12-digit citizen ID (found only "
                                         "where you may see citizen IDs unmasked).")
    after: text(400) | None = Field(None, description="The `next` value of the previous page.")
    limit: int = Field(50, ge=1, le=200)


class MemberDetail(Schema):
    id: int
    full_name: str
    birth_name: str
    sex: str
    birth_date: dt.date
    email: str
    home_town: str
    birth_place: str
    residence: str
    education_grade: int
    qualification: str
    political_theory: str
    foreign_language: str
    occupation_before: str
    occupation: str
    youth_union: bool
    is_army: bool
    is_police: bool
    is_retired: bool
    admission_date: dt.date | None
    ceremony_date: dt.date | None
    ceremony_place: str
    official_date: dt.date | None
    card_number: str | None
    background_sheet_no: str
    status: str
    status_since: dt.date | None
    unit: UnitRef
    temp_unit: UnitRef | None
    citizen_id: str = Field(description="Masked (••••••••1234) without the right to see it.")
    phone: str
    ethnicity: str = Field(description="A code of the 54 groups (01 = Kinh, 99 = other), or masked.")
    religion: str
    masked: bool = Field(description="Whether the sensitive fields above are masked for you.")


def _drop_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def _optional(default: Any = None, **kwargs: Any) -> Any:
    """A PATCH field: may be left out, but not sent as null unless its type allows it."""
    return Field(default, json_schema_extra=_drop_default, **kwargs)


class MemberChanges(Schema):
    """Fields of a member profile; every one may be left out."""

    model_config = ConfigDict(extra="forbid")

    full_name: name_text(120) = _optional()
    birth_name: name_text(120) = _optional()
    sex: SexCode = _optional()
    birth_date: IsoDate = _optional()
    citizen_id: text(20) = _optional(description="12 digits; spaces are ignored.")
    phone: text(20) = _optional()
    email: Annotated[text(254), AfterValidator(_email)] = _optional()
    ethnicity: EthnicityCode = _optional()
    religion: ReligionCode = _optional()
    home_town: name_text(255) = _optional()
    birth_place: name_text(255) = _optional()
    residence: name_text(255) = _optional()
    education_grade: int = _optional(ge=0, le=12)
    qualification: choice(Qualification.values) = _optional()
    political_theory: choice(PoliticalTheory.values) = _optional()
    foreign_language: text(64) = _optional()
    occupation_before: choice(["", *Occupation.values]) = _optional()
    occupation: OccupationCode = _optional()
    youth_union: StrictBool = _optional()
    is_army: StrictBool = _optional()
    is_police: StrictBool = _optional()
    is_retired: StrictBool = _optional()
    admission_date: IsoDate | None = _optional()
    ceremony_date: IsoDate | None = _optional()
    ceremony_place: name_text(255) = _optional()
    official_date: IsoDate | None = _optional()
    card_number: text(16) | None = _optional()
    background_sheet_no: text(32) = _optional()
    status: StatusCode = _optional()

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class MemberIn(MemberChanges):
    """A new member: the cell, and at least name, sex, date of birth and citizen ID."""

    unit: Id = Field(description="The cell (or grassroots cell) the member is placed in.")
    full_name: name_text(120)
    sex: SexCode
    birth_date: IsoDate
    citizen_id: text(20) = Field(description="12 digits; spaces are ignored.")

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True, exclude={"unit"})
