"""Who hears of an admission case, and when (the notifications of issue 3).

- A decision recorded (committee resolution, admission, recognition, not admitted, removal):
  the cell's secretaries, right after the commit.
- A deadline 7 and 1 working days ahead, the first day overdue, the end of probation: whoever
  acts next (the cell, or the nearest committee above it), by the daily job ``run``.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chibo.accounts.roles import Perm
from chibo.admissions import stages
from chibo.admissions.models import AdmissionCase, Awaits, CaseStep
from chibo.admissions.stages import Stage
from chibo.core.calendar import add_working_days, is_working_day
from chibo.notifications.models import Kind
from chibo.notifications.services import Message, holders, notify

DECISIONS = frozenset({Stage.COMMITTEE_RESOLVED, Stage.ADMITTED, Stage.OFFICIAL, Stage.NOT_ADMITTED, Stage.REMOVED,
                       Stage.ESCALATED})
AHEAD = (7, 1)  # working days before a deadline


def _link(case: AdmissionCase) -> str:
    return reverse("console:case", args=[case.pk])


def _cell_users(case: AdmissionCase) -> list[int]:
    return holders(case.unit_path, Perm.ADMISSIONS_RECORD).get(case.unit_path, [])


def _next_actors(case: AdmissionCase) -> list[int]:
    if case.awaits == Awaits.COMMITTEE:
        found = holders(case.unit_path, Perm.ADMISSIONS_DECIDE)
    else:
        found = {case.unit_path: _cell_users(case)}
    return [u for ids in found.values() for u in ids]


def case_moved(case_id: int, step_id: int) -> int:
    """After a step: a decision is told to the cell."""
    step = CaseStep.objects.select_related("case").get(pk=step_id)
    case = step.case
    escalated = not step.passed and case.stage == Stage.ESCALATED  # the third failed recognition vote
    if step.stage not in DECISIONS and not escalated:
        return 0
    stage = Stage.ESCALATED if escalated else Stage(step.stage)
    title = _("%(name)s: %(stage)s") % {"name": case.full_name, "stage": stage.label}
    body = _("Recorded on %(day)s%(number)s.") % {
        "day": date_format(step.on, "SHORT_DATE_FORMAT"), "number": f" ({step.number})" if step.number else ""}
    return notify(_cell_users(case), [Message(Kind.DECISION, title, body, _link(case), f"step:{step.pk}")])


def _previous_working_day(day: dt.date) -> dt.date:
    return add_working_days(day, -1)


def run(today: dt.date) -> int:
    """The reminders of ``today`` (a working day; other days send nothing). Each window starts
    where the previous working day's ended, so weekends and holidays miss nothing."""
    if not is_working_day(today):
        return 0
    previous = _previous_working_day(today)
    sent = 0
    for days in AHEAD:
        window = (add_working_days(previous, days), add_working_days(today, days))
        for case in _due_between(*window):
            sent += _remind(case, days)
    for case in _due_between(add_working_days(previous, -1), add_working_days(today, -1)):
        sent += _remind(case, 0)
    return sent


def _due_between(after: dt.date, until: dt.date):
    """Open cases whose next step is due in (after, until]: an index range on next_due."""
    return (AdmissionCase.objects.filter(next_due__gt=after, next_due__lte=until)
            .exclude(stage__in=stages.FINAL).select_related("cell"))


def _remind(case: AdmissionCase, days: int) -> int:
    assert case.next_due is not None
    due = date_format(case.next_due, "SHORT_DATE_FORMAT")
    action = stages.next_stages(case.stage, under_committee=stages.under_committee(case.cell))[0].label
    if case.dossier_deadline:  # before the vote, the date is the dossier's, not a deadline's
        kind = Kind.OVERDUE if days == 0 else Kind.DEADLINE_SOON
        title = _("%(name)s: the dossier expires on %(day)s") % {"name": case.full_name, "day": due}
        body = _("Hold the cell's vote by then, or renew the introductions and opinions.")
    elif days == 0:
        kind, title = Kind.OVERDUE, _("Overdue: %(name)s") % {"name": case.full_name}
        body = _("“%(action)s” was due on %(day)s.") % {"action": action, "day": due}
    else:
        kind = Kind.PROBATION_ENDING if case.stage == Stage.SWORN_IN else Kind.DEADLINE_SOON
        title = ngettext("%(name)s: due in %(n)d working day", "%(name)s: due in %(n)d working days", days) % {
            "name": case.full_name, "n": days}
        body = _("“%(action)s” is due on %(day)s.") % {"action": action, "day": due}
    key = f"case:{case.pk}:{case.next_due.isoformat()}:{days}"
    return notify(_next_actors(case), [Message(kind, title, body, _link(case), key)])
