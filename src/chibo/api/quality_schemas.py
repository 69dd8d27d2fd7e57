"""Request and response shapes of the review operations (see ``chibo.api.schemas``)."""
# mypy: disable-error-code="valid-type"

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from chibo.api.schemas import UnitRef, text


def _year():  # a fresh field each time: pydantic fields are not shared between models
    return Field(ge=2000, le=2100, description="The review's year.")


def _quarter():
    return Field(0, ge=0, le=4, description="0: the yearly review (default); 1 to 4: a quarter's.")


class ResultsQuery(Schema):
    year: int = _year()
    quarter: int = _quarter()


class ReviewsQuery(Schema):
    year: int = _year()
    quarter: int = _quarter()
    after: text(400) | None = Field(None, description="The `next` value of the previous page.")
    limit: int = Field(100, ge=1, le=500)


class MyReviewQuery(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="A year; your newest review when left out.")
    quarter: int = _quarter()


class LevelCounts(Schema):
    total: int = Field(description="Review rows (decided or not).")
    excellent: int
    good: int
    completion: int
    non_completion: int


class MemberCounts(LevelCounts):
    not_classified: int = Field(description="Reviewed but not classified (admitted late in the period, suspended).")


class ResultsOut(Schema):
    unit: UnitRef
    year: int
    quarter: int
    organizations: LevelCounts = Field(description="Every party organization of the subtree reviewed.")
    grassroots: LevelCounts = Field(description="Grassroots party organizations only.")
    members: MemberCounts


class MemberRef(Schema):
    id: int
    full_name: str


class ReviewItem(Schema):
    id: int
    member: MemberRef
    cell: UnitRef
    year: int
    quarter: int
    form: str = Field(description="The self-review form: 2A, 2B or 2C.")
    step: str
    step_label: str
    excluded: str = Field(description="Why not classified: `recent`, `suspended`, or empty.")
    self_score: float | None
    self_level: str
    cell_score: float | None
    votes_for: int | None
    votes_present: int | None
    verified_score: float | None
    final_score: float | None
    level: str
    level_label: str
    capped_by: str = Field(description="The rulebook condition that lowered the level, if any.")


class ReviewPage(Schema):
    items: list[ReviewItem]
    next: str | None = Field(description="Pass as ?after= for the next page; null on the last.")


class Criterion(Schema):
    key: str
    label: str
    max: int | None
    subs: list[str] = Field(description="The sub-criteria's labels (added by committees below).")


class Deadlines(Schema):
    ends_on: dt.date
    self_until: dt.date
    cell_until: dt.date
    verify_until: dt.date
    decide_until: dt.date


class MyReview(ReviewItem):
    form_label: str
    excluded_label: str
    deadlines: Deadlines
    criteria: list[Criterion]
    self_text: str
    self_scores: dict[str, int]
    self_at: dt.datetime | None
    cell_note: str
    cell_at: dt.datetime | None
    verify_note: str
    verified_at: dt.datetime | None
    decided_at: dt.datetime | None
