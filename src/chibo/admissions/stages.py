"""The stages of an admission case and the moves between them (DOMAIN.md §4), as data.

A case moves forward one stage at a time, or ends (withdrawn, not admitted, removed during
probation, escalated to the higher committee). Who records a move is a permission: the cell
(``admissions.record``) or the committee (``admissions.decide``). ``due`` says by when the next
move is expected, from the date of the last one, where the regulations set a deadline.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from chibo.accounts.roles import Perm
from chibo.admissions import rules
from chibo.org.enums import UnitKind


class Stage(models.TextChoices):
    SYMPATHIZER = "sympathizer", _("Sympathizer")
    COURSE = "course", _("Awareness course attended")
    APPLICATION = "application", _("Application received")
    INTRODUCED = "introduced", _("Introduced")
    OPINIONS = "opinions", _("Opinions gathered")
    VERIFIED = "verified", _("Background verified")
    CELL_VOTED = "cell_voted", _("Cell resolution")
    COMMITTEE_RESOLVED = "committee_resolved", _("Grassroots committee resolution")
    ADMITTED = "admitted", _("Admission decision")
    SWORN_IN = "sworn_in", _("Admission ceremony held")
    PROBATION_REVIEWED = "probation_reviewed", _("Probation reviewed")
    RECOGNITION_VOTED = "recognition_voted", _("Recognition vote")
    OFFICIAL = "official", _("Official member")
    # ends
    WITHDRAWN = "withdrawn", _("Withdrawn")
    NOT_ADMITTED = "not_admitted", _("Not admitted")
    REMOVED = "removed", _("Removed during probation")
    ESCALATED = "escalated", _("Sent to the higher committee")


PIPELINE = (
    Stage.SYMPATHIZER, Stage.COURSE, Stage.APPLICATION, Stage.INTRODUCED, Stage.OPINIONS, Stage.VERIFIED,
    Stage.CELL_VOTED, Stage.COMMITTEE_RESOLVED, Stage.ADMITTED, Stage.SWORN_IN, Stage.PROBATION_REVIEWED,
    Stage.RECOGNITION_VOTED, Stage.OFFICIAL,
)
ENDS = frozenset({Stage.WITHDRAWN, Stage.NOT_ADMITTED, Stage.REMOVED, Stage.ESCALATED})
FINAL = ENDS | {Stage.OFFICIAL}
BEFORE_ADMISSION = frozenset(PIPELINE[:PIPELINE.index(Stage.ADMITTED)])
IN_PROBATION = frozenset({Stage.ADMITTED, Stage.SWORN_IN, Stage.PROBATION_REVIEWED, Stage.RECOGNITION_VOTED})
# the committee's moves; the cell records the others
COMMITTEE_MOVES = frozenset({Stage.VERIFIED, Stage.COMMITTEE_RESOLVED, Stage.ADMITTED, Stage.OFFICIAL,
                             Stage.NOT_ADMITTED, Stage.REMOVED, Stage.ESCALATED})


def next_stages(stage: str, *, under_committee: bool) -> list[Stage]:
    """Where a case at ``stage`` may go: the next stage of the pipeline (the grassroots committee's
    resolution only where the cell is under one), or an end that fits the stage."""
    if stage in FINAL:
        return []
    pipeline = [s for s in PIPELINE if under_committee or s != Stage.COMMITTEE_RESOLVED]
    moves = [pipeline[pipeline.index(Stage(stage)) + 1]]
    if stage in BEFORE_ADMISSION:
        moves += [Stage.WITHDRAWN, Stage.NOT_ADMITTED]
    else:
        moves += [Stage.REMOVED]
        if stage == Stage.PROBATION_REVIEWED or stage == Stage.RECOGNITION_VOTED:
            moves += [Stage.ESCALATED]
    return moves


def under_committee(cell) -> bool:
    """A cell (chi bộ trực thuộc) is under a grassroots committee, whose resolution comes before
    the decision; a grassroots cell (chi bộ cơ sở) proposes to the higher committee directly."""
    return cell.kind == UnitKind.CELL


def permission_for(to: str) -> str:
    """The permission that records a move to ``to``."""
    return Perm.ADMISSIONS_DECIDE if to in COMMITTEE_MOVES else Perm.ADMISSIONS_RECORD


def due(stage: str, reached_on: dt.date, *, cell_vote_on: dt.date | None = None,
        ceremony_on: dt.date | None = None, extended: bool = False) -> dt.date | None:
    """By when the move after ``stage`` is due, or None where the regulations set no deadline.

    The decision counts from the cell's resolution, also after the committee's resolution;
    the recognition vote from the end of probation; the recognition decision from the vote.
    """
    if stage in (Stage.CELL_VOTED, Stage.COMMITTEE_RESOLVED):
        return rules.decision_due(cell_vote_on or reached_on, extended=extended)
    if stage == Stage.ADMITTED:
        return rules.ceremony_due(reached_on)
    if stage == Stage.SWORN_IN:
        return rules.probation_end(reached_on)
    if stage == Stage.PROBATION_REVIEWED:
        return rules.recognition_vote_due(ceremony_on or reached_on)
    if stage == Stage.RECOGNITION_VOTED:  # an extension is known only when the decision comes late
        return rules.recognition_decision_due(reached_on)
    return None
