"""The rules of leaving (DOMAIN.md §3), as pure functions: dates and statuses in, messages out.

Who decides (Điều lệ Đảng Art. 8, 36; QĐ 24-QĐ/TW; HD 06-HD/TW):

- the **cell** decides an exemption and its return, reprimands and warns its members, and
  reports a death (``members.propose`` on the cell);
- the **competent committee** decides a removal from the list, a resignation, a dismissal from
  post and an expulsion, and settles complaints (``members.decide`` on the member's grassroots
  organization or above): the grassroots committee above a cell, or for a grassroots cell the
  cell itself as an organization, whose committee above it decides. The regulations give the
  removal to "the competent committee" (the grassroots committee when the committee above
  delegates it, else the committee above the grassroots organization); the registry accepts
  either, so the permission on the grassroots organization's path is the check.
"""

from __future__ import annotations

import datetime as dt

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from chibo.core.calendar import add_months
from chibo.core.rulebook import rule
from chibo.members.enums import DisciplineKind, Status
from chibo.org import paths
from chibo.org.enums import UnitKind

# who may be exempted, removed, sanctioned, or leave: the members a cell counts
ACTIVE = (Status.OFFICIAL, Status.PROBATIONARY, Status.EXEMPTED)
EXEMPTIBLE = (Status.OFFICIAL, Status.PROBATIONARY)
# the statuses a removal, expulsion, resignation or death ends in
GONE = (Status.REMOVED, Status.EXPELLED, Status.RESIGNED, Status.DECEASED)
# sanctions the cell itself decides; the others belong to the committee
CELL_SANCTIONS = frozenset({DisciplineKind.REPRIMAND, DisciplineKind.WARNING})


def _day(value: dt.date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def grassroots_path(cell_path: str, cell_kind: str) -> str:
    """The path of a cell's grassroots organization: a grassroots cell is its own; a cell under a
    grassroots committee belongs to that committee (its parent)."""
    if cell_kind == UnitKind.CELL:
        return cell_path[:-paths.STEP]
    return cell_path


def day_problem(day: dt.date | None, *, today: dt.date, not_before: dt.date | None = None,
                before_what: str = "") -> str | None:
    """Why ``day`` cannot be an event's date: missing, in the future, or before ``not_before``."""
    if day is None:
        return _("Enter the date.")
    if day > today:
        return _("Enter today's date or an earlier one.")
    if not_before is not None and day < not_before:
        return _("The date cannot be before %(day)s (%(what)s).") % {"day": _day(not_before), "what": before_what}
    return None


def working_away_end_problem(start: dt.date, end: dt.date | None) -> str | None:
    """A temporary exemption needs its planned end: after its start, within the rulebook's months."""
    if end is None:
        return _("A temporary exemption needs the day it ends.")
    if end <= start:
        return _("The end must come after the start of the exemption.")
    months = int(rule("leaving.working_away_exemption_max_months", on=start))
    latest = add_months(start, months)
    if end > latest:
        return _("A temporary exemption lasts at most %(months)d months: end it by %(day)s (the cell may "
                 "renew it by a new resolution).") % {"months": months, "day": _day(latest)}
    return None


def complaint_deadline(decided_on: dt.date) -> dt.date:
    """The last day a complaint against a decision of ``decided_on`` may be lodged."""
    return add_months(decided_on, int(rule("leaving.complaint_months", on=decided_on)))


def complaint_problem(decided_on: dt.date, lodged_on: dt.date) -> str | None:
    if lodged_on < decided_on:
        return _("A complaint cannot be dated before the decision it contests (%(day)s).") % {
            "day": _day(decided_on)}
    last = complaint_deadline(decided_on)
    if lodged_on > last:
        return _("A complaint must be lodged within %(months)d month(s) of the decision, by %(day)s: this one "
                 "is too late to be considered.") % {
            "months": int(rule("leaving.complaint_months", on=decided_on)), "day": _day(last)}
    return None


def absences_ground(unexcused: int, on: dt.date) -> bool:
    """Three (the rulebook's number) absences without reason in a year are a ground for removal."""
    return unexcused >= int(rule("meetings.unexcused_absences_flag", on=on))
