"""Request and response shapes of the admission-case operations (see ``chibo.api.schemas``).

Input types carry the database's limits (lengths, integer ranges, closed vocabularies) so that a
value the database would refuse is a 422 with a field message; whether a step may be recorded is
for ``admissions.services`` to say.
"""
# mypy: disable-error-code="valid-type"

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict, StrictBool

from chibo.admissions.models import EducationException, Relation, VerificationResult
from chibo.admissions.stages import Stage
from chibo.api.schemas import (
    EthnicityCode,
    Id,
    IsoDate,
    OccupationCode,
    ReligionCode,
    SexCode,
    UnitRef,
    _email,
    _optional,
    choice,
    name_text,
    text,
)
from chibo.members.enums import Qualification

StageCode = choice(Stage.values)
AwaitsCode = Literal["cell", "committee"]
MAX_VOTES = 10_000  # far above any cell or committee; the step rules compare with the real count

# ---------------------------------------------------------------- input


class CaseChanges(Schema):
    """The applicant's details (``admissions.services.IDENTITY_FIELDS``); every one may be left out."""

    model_config = ConfigDict(extra="forbid")

    full_name: name_text(120) = _optional()
    sex: SexCode = _optional()
    birth_date: IsoDate = _optional()
    citizen_id: text(20) = _optional(description="12 digits; spaces are ignored.")
    phone: text(20) = _optional()
    email: Annotated[text(254), AfterValidator(_email)] = _optional()
    ethnicity: EthnicityCode = _optional()
    religion: ReligionCode = _optional()
    home_town: name_text(255) = _optional()
    residence: name_text(255) = _optional()
    education_grade: int = _optional(ge=0, le=12)
    qualification: choice(Qualification.values) = _optional()
    occupation: OccupationCode = _optional()
    youth_union: StrictBool = _optional()
    education_exception: choice(EducationException.values) = _optional()
    exception_approved: StrictBool = _optional(description="A literate elder's exception, approved by the province.")
    over_60_approved: StrictBool = _optional(description="The provincial standing committee's prior approval.")
    left_on: IsoDate | None = _optional(description="A former member: the day they left the party.")
    excluded_ground: StrictBool = _optional(description="They left on a ground that bars readmission.")

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class CaseIn(CaseChanges):
    """A new case: the cell's sympathizer-list resolution, and at least name, sex, date of birth
    and citizen ID."""

    cell: Id = Field(description="The cell (or grassroots cell) whose sympathizer list the person joins.")
    on: IsoDate = Field(description="The date of the cell's resolution.")
    resolution: text(40) = Field("", description="The resolution's number.")
    helper: Id | None = Field(None, description="The helper: an official member of the cell (a member id).")
    full_name: name_text(120)
    sex: SexCode
    birth_date: IsoDate
    citizen_id: text(20) = Field(description="12 digits; spaces are ignored.")

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True, exclude={"cell", "on", "resolution", "helper"})


class IntroducerIn(Schema):
    model_config = ConfigDict(extra="forbid")

    member: Id = Field(description="The introducing member's id.")
    together_since: IsoDate = Field(description="Since when they worked, studied or lived with the applicant.")


class VerificationIn(Schema):
    model_config = ConfigDict(extra="forbid")

    relation: choice(Relation.values)
    name: name_text(120)
    result: choice(VerificationResult.values)
    note: text(255, multiline=True) = ""


class StepFacts(Schema):
    """What the step records; each move reads its own keys (``admissions/steps.py``) and says
    which are missing. Null is the same as leaving a key out."""

    model_config = ConfigDict(extra="forbid")

    certificate_no: text(40) | None = Field(None, description="course: the awareness-course certificate number.")
    certificate_issuer: name_text(200) | None = Field(None, description="course: who issued the certificate.")
    course: Id | None = Field(None, description="course: the awareness course (id), run by a committee above "
                                                "the cell.")
    introducers: list[IntroducerIn] | None = Field(None, max_length=10, description="introduced: two official "
                                                   "members of the cell (one on the youth-union path).")
    youth_union_path: StrictBool | None = Field(None, description="introduced: by the youth union.")
    youth_union_resolution: text(40) | None = Field(None, description="introduced: the youth union's resolution.")
    note: text(2000, multiline=True) | None = Field(None, description="opinions: the opinions gathered; an "
                                                                      "end: the reason; any step: a note.")
    verifications: list[VerificationIn] | None = Field(None, max_length=20, description="verified: the "
                                                       "applicant and each relative checked.")
    yes: int | None = Field(None, ge=0, le=MAX_VOTES, description="cell_voted, committee_resolved, "
                                                                  "recognition_voted: the yes votes.")
    number: text(40) | None = Field(None, description="The resolution or decision number.")
    committee_members: int | None = Field(None, ge=1, le=MAX_VOTES, description="committee_resolved: the "
                                                                                "committee's members.")
    extension_reason: text(255) | None = Field(None, description="admitted, sworn_in, official: why it is past "
                                                                 "the deadline.")
    consent_number: text(40) | None = Field(None, description="admitted, sworn_in, official: the directly superior "
                                            "committee's consent (number), for a step later than the committee "
                                            "may extend on its own (a late ceremony, a decision past the longest "
                                            "extension).")
    consent_on: dt.date | None = Field(None, description="The date of that consent (on or before the step).")
    place: name_text(255) | None = Field(None, description="sworn_in: where the ceremony was held.")
    course_done: StrictBool | None = Field(None, description="probation_reviewed: the new-member course completed.")
    self_review: StrictBool | None = Field(None, description="probation_reviewed: the member's self-review written.")
    helper_review: StrictBool | None = Field(None, description="probation_reviewed: the helper's review written.")

    def facts(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class StepIn(Schema):
    model_config = ConfigDict(extra="forbid")

    to: StageCode = Field(description="The stage the case moves to (one of the case's `next_moves`).")
    on: IsoDate = Field(description="The date of the step (not in the future, not before the last step).")
    expected: StageCode | None = Field(None, description="The stage you saw: the step is refused if the case "
                                                         "has moved since.")
    facts: StepFacts = Field(default_factory=StepFacts.model_construct, description="What the step records.")


class CaseFilters(Schema):
    unit: Id | None = Field(None, description="Only this unit's subtree (a unit id).")
    stage: StageCode | None = None
    awaits: AwaitsCode | None = Field(None, description="Who records the next step.")
    overdue: bool | None = Field(None, description="true: past the deadline of the next step; false: not.")
    after: text(400) | None = Field(None, description="The `next` value of the previous page.")
    limit: int = Field(50, ge=1, le=200)


class QueueQuery(Schema):
    unit: Id | None = Field(None, description="A unit id: its subtree. Default: the top unit of your scope.")
    after: text(400) | None = Field(None, description="The `next` value of the previous page.")
    limit: int = Field(50, ge=1, le=200)


# ---------------------------------------------------------------- output


class MemberRef(Schema):
    id: int
    full_name: str


class CaseItem(Schema):
    id: int
    full_name: str
    cell: UnitRef
    stage: str
    stage_label: str
    stage_on: dt.date
    awaits: str = Field(description="`cell`, `committee`, or empty when the case is closed.")
    next_due: dt.date | None = Field(description="The deadline of the next step, where the rules set one.")
    overdue: bool
    member_id: int | None = Field(description="The member record, from the admission decision on.")


class CasePage(Schema):
    items: list[CaseItem]
    next: str | None = Field(description="Pass as ?after= for the next page; null on the last.")


class CaseQueue(CasePage):
    unit: UnitRef = Field(description="The unit whose subtree is listed.")


class ChildCount(Schema):
    unit: UnitRef
    count: int


class OverdueQueue(CaseQueue):
    by_child: list[ChildCount] = Field(description="Overdue cases under each subunit that has any.")


class CourseRef(Schema):
    id: int
    name: str


class StepOut(Schema):
    id: int
    stage: str
    stage_label: str
    passed: bool = Field(description="False: a recognition vote without two thirds.")
    on: dt.date
    number: str
    yes: int | None
    voters: int | None
    needed: int | None
    note: str


class IntroductionOut(Schema):
    member: MemberRef
    together_since: dt.date
    on: dt.date


class VerificationOut(Schema):
    relation: str
    name: str
    result: str
    note: str


class MoveOut(Schema):
    stage: str
    label: str
    permission: str = Field(description="`admissions.record` (the cell) or `admissions.decide` (the committee).")
    allowed: bool = Field(description="Whether you hold that permission on this case.")


class DocumentOut(Schema):
    id: int
    title: str
    url: str = Field(description="The scan, in the console (a console session is needed).")
    uploaded_at: dt.datetime


class CaseDetail(CaseItem):
    sex: str
    birth_date: dt.date
    citizen_id: str = Field(description="Masked (••••••••1234) without the right to see it.")
    phone: str
    email: str
    ethnicity: str = Field(description="A code of the 54 groups (01 = Kinh, 99 = other), or masked.")
    religion: str
    home_town: str
    residence: str
    education_grade: int
    qualification: str
    occupation: str
    youth_union: bool
    education_exception: str
    exception_approved: bool
    over_60_approved: bool
    left_on: dt.date | None
    excluded_ground: bool
    masked: bool = Field(description="Whether the sensitive fields above are masked for you.")
    helper: MemberRef | None
    course: CourseRef | None
    certificate_no: str
    certificate_issuer: str
    certificate_date: dt.date | None
    dossier_since: dt.date | None
    youth_union_path: bool
    cell_vote_on: dt.date | None
    decision_no: str
    decision_on: dt.date | None
    ceremony_on: dt.date | None
    failed_recognition_votes: int
    extended: bool
    steps: list[StepOut] = Field(description="The timeline, oldest first.")
    introductions: list[IntroductionOut]
    verifications: list[VerificationOut]
    next_moves: list[MoveOut] = Field(description="The stages the case may move to now.")
    documents: list[DocumentOut]
