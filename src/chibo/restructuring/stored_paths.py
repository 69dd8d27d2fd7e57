"""Every stored copy of a unit's path, and what moving the unit does to it (docs/decisions/0005).

Several tables keep a copy of their unit's path so that their scoped reads are an index range on
their own rows (decision 0001). When a subtree moves, the copies that say where something *is*
follow it; those that say where something *was* when it was written stay.

Follow (``FOLLOWING``): the old prefix is replaced by the new one, so each copy still names the
same unit, and whoever sees that unit now sees the row.

- ``members.Member.unit_path``: the member's cell.
- ``admissions.AdmissionCase.unit_path``: the case's cell; ``admissions.Course.unit_path``: the
  committee running the course.
- ``meetings.Meeting.unit_path``: the meeting's unit, past meetings too (a cell's minutes and
  attendance are its records and go with it, as its members' records do).
- ``library.Document.unit_path``: the audience; ``library.StudyAssignment.unit_path``: the
  subtree asked to study; ``library.StudyConfirmation.unit_path``: the cell the member confirmed
  in (it stays that cell; a member transferred later leaves their confirmation there).
- ``targets.Target.unit_path``: the unit the target is set for.
- ``quality.Period.unit_path``: the committee that opened the review; ``quality.UnitReview`` and
  ``quality.MemberReview.unit_path``: the reviewed organization, the member's cell when the period
  opened (the review is that cell's record, as its meetings are); ``quality.ResidenceComment.
  residence_path``: the residence cell asked to comment; the "4 good" records' ``unit_path``: the
  cell or committee in the movement.
- ``members.Transfer.from_path`` and ``to_path``: the sending cell and the receiving unit of a
  transfer of party activity (the two sides' scopes: whoever sees those units now sees it).
- ``members.Removal.unit_path``: the proposing cell; ``members.PartyCard``, ``CardCampaign`` and
  ``BadgeAward.unit_path``: the holder's cell at issue, the committee running the exchange, the
  member's cell at the award; ``dues.MonthClose`` and ``dues.Arrear.unit_path``: the closing cell,
  the cell where the member's arrears of the year are kept (their tallies move in ``_relocate``).

Stay (``KEPT``): historical records, written once.

- ``core.AuditEntry.unit_path``: the log is append-only; an entry stays in the scope it was
  done in, so the committee responsible then still sees it. Paths are never given to a second
  unit (``org.services.last_child_number``), so an old entry never falls into a new unit's scope.
- ``reports.ExportJob.unit_path`` and ``imports.ImportJob.scope_path``: what a file covered when
  it was made; they are read by the user who asked, never as a scope.
- ``org.UnitPathPeriod.path``: the tree's history itself ("units as of D").

``targets.ProgressReport.data`` keeps its rows' paths inside its figures as of the cut-off day;
it is read through its unit, whose path is current.
"""

from __future__ import annotations

from django.db.models import Model, Value
from django.db.models.functions import Concat, Substr

from chibo.admissions.models import AdmissionCase, Course
from chibo.dues.models import Arrear, MonthClose
from chibo.library.models import Document, StudyAssignment, StudyConfirmation
from chibo.meetings.models import Meeting
from chibo.members.models import BadgeAward, CardCampaign, Member, PartyCard, Removal, Transfer
from chibo.org import paths
from chibo.quality.models import (
    FourGoodApproval,
    FourGoodMonth,
    FourGoodRecognition,
    FourGoodRegistration,
    MemberReview,
    Period,
    ResidenceComment,
    UnitReview,
)
from chibo.targets.models import Target

FOLLOWING: tuple[tuple[type[Model], str], ...] = (
    (Member, "unit_path"),
    (AdmissionCase, "unit_path"),
    (Course, "unit_path"),
    (Meeting, "unit_path"),
    (Document, "unit_path"),
    (StudyAssignment, "unit_path"),
    (StudyConfirmation, "unit_path"),
    (Target, "unit_path"),
    (Period, "unit_path"),
    (UnitReview, "unit_path"),
    (MemberReview, "unit_path"),
    (ResidenceComment, "residence_path"),
    (FourGoodRegistration, "unit_path"),
    (FourGoodMonth, "unit_path"),
    (FourGoodApproval, "unit_path"),
    (FourGoodRecognition, "unit_path"),
    (Transfer, "from_path"),
    (Transfer, "to_path"),
    (Removal, "unit_path"),
    (PartyCard, "unit_path"),
    (CardCampaign, "unit_path"),
    (BadgeAward, "unit_path"),
    (MonthClose, "unit_path"),
    (Arrear, "unit_path"),
)

KEPT: dict[str, str] = {
    "core.AuditEntry.unit_path": "append-only log: the scope the action was done in",
    "reports.ExportJob.unit_path": "what the file covered when it was made",
    "imports.ImportJob.scope_path": "what the file covered when it was imported",
    "org.UnitPathPeriod.path": "the tree's history",
}


def rewrite(old_path: str, new_path: str) -> None:
    """Give every following copy within ``old_path``'s subtree the prefix ``new_path``: one
    UPDATE per table, an index range on the copy, whatever the number of rows."""
    upper, keep_from = paths.upper_bound(old_path), len(old_path) + 1
    for model, field in FOLLOWING:
        model._default_manager.filter(**{f"{field}__gte": old_path, f"{field}__lt": upper}).update(
            **{field: Concat(Value(new_path), Substr(field, keep_from))})
