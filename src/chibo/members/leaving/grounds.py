"""The grounds for removal from the list that the data already shows, with their evidence.

Each ground is read from the app that owns its facts, never recounted here:

- 3 absences without reason in a year: the meetings' attendance (``meetings.queries.attendance``,
  its flag is the rulebook's ``meetings.unexcused_absences_flag``), then the meetings themselves;
- 3 unpaid months of dues in a year: ``dues.grounds.unpaid_months`` and ``removal_threshold``;
- 2 consecutive years of non-completion: ``quality.queries.removal_grounds`` (decided reviews);
- a probationary member not recognised: the member's admission case in probation with a failed
  recognition vote, or past the recognition vote's deadline without one.

The evidence is a JSON snapshot (which meetings, which months, which years, which votes) stored
with the cell's proposal, so the committee decides on what the cell saw.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from chibo.members.enums import RemovalGround, Status
from chibo.members.leaving import rules
from chibo.members.models import Member
from chibo.org.enums import UnitKind
from chibo.org.models import Unit

# the units whose candidates one page lists (a grassroots organization has few cells)
CANDIDATE_UNITS = frozenset({UnitKind.CELL, UnitKind.GRASSROOTS_CELL, UnitKind.GRASSROOTS_COMMITTEE})


@dataclass(frozen=True)
class Ground:
    ground: str  # a RemovalGround
    evidence: dict[str, Any]

    @property
    def label(self) -> str:
        return str(RemovalGround(self.ground).label)

    @property
    def summary(self) -> str:
        return summary(self.ground, self.evidence)


@dataclass
class Candidate:
    member_id: int
    name: str
    cell: str
    grounds: list[Ground] = field(default_factory=list)


def _short(day: str) -> str:
    return date_format(dt.date.fromisoformat(day), "SHORT_DATE_FORMAT")


def summary(ground: str, evidence: dict[str, Any]) -> str:
    """The evidence in one line a secretary reads (empty when the registry showed none: the
    proposal then rests on the cell's own account, its note)."""
    if not evidence or set(evidence) == {"note"}:
        return evidence.get("note", "") if evidence else ""
    if ground == RemovalGround.ABSENCES:
        return _("%(n)d absences without reason in %(year)s: %(days)s") % {
            "n": len(evidence.get("meetings", [])), "year": evidence.get("year"),
            "days": ", ".join(_short(m["date"]) for m in evidence.get("meetings", []))}
    if ground == RemovalGround.UNPAID_DUES:
        return _("%(n)d unpaid months in %(year)s: %(months)s") % {
            "n": len(evidence.get("months", [])), "year": evidence.get("year"),
            "months": ", ".join(m[5:7] + "/" + m[:4] for m in evidence.get("months", []))}
    if ground == RemovalGround.NON_COMPLETION:
        return _("Rated \"did not complete their tasks\" in %(years)s") % {
            "years": ", ".join(str(y) for y in evidence.get("years", []))}
    if ground == RemovalGround.NOT_RECOGNISED:
        votes = evidence.get("failed_votes", [])
        if votes:
            return _("Probation ended on %(end)s; recognition vote(s) without two thirds on %(days)s") % {
                "end": _short(evidence["probation_end"]), "days": ", ".join(_short(v) for v in votes)}
        return _("Probation ended on %(end)s; no recognition vote by %(due)s") % {
            "end": _short(evidence["probation_end"]), "due": _short(evidence["vote_due"])}
    return evidence.get("note", "")


# ---- each ground for a set of members ----------------------------------------------------------

def _absences(units: Iterable[Unit], ids: set[int], year: int) -> dict[int, dict[str, Any]]:
    from chibo.meetings.models import Attendance, Invitation
    from chibo.meetings.queries import attendance

    flagged = {a.member_id for unit in units for a in attendance(unit, year) if a.member_id in ids and a.flagged}
    if not flagged:
        return {}
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    end = timezone.make_aware(dt.datetime(year + 1, 1, 1))
    rows = (Invitation.objects.filter(member_id__in=flagged, attendance=Attendance.UNEXCUSED,
                                      meeting__starts_at__gte=start, meeting__starts_at__lt=end)
            .values("member_id", "meeting_id", "meeting__starts_at", "meeting__topic")
            .order_by("meeting__starts_at", "meeting_id"))
    out: dict[int, dict[str, Any]] = defaultdict(lambda: {"year": year, "meetings": []})
    for r in rows:
        out[r["member_id"]]["meetings"].append({
            "id": r["meeting_id"], "date": timezone.localdate(r["meeting__starts_at"]).isoformat(),
            "topic": r["meeting__topic"]})
    return dict(out)


def _unpaid(ids: set[int], year: int, today: dt.date) -> dict[int, dict[str, Any]]:
    """The dues app's unpaid months (``dues.grounds.unpaid_months``) at its threshold (rule
    ``dues.removal_unpaid_months``)."""
    from chibo.dues.grounds import removal_threshold, unpaid_months

    if not ids:
        return {}
    threshold = removal_threshold(year)
    return {m: {"year": year, "months": [d.isoformat()[:7] for d in sorted(days)]}
            for m, days in unpaid_months(sorted(ids), year, today=today).items() if m in ids and len(days) >= threshold}


def _non_completion(cells: Iterable[Unit], ids: set[int], year: int) -> dict[int, dict[str, Any]]:
    from chibo.quality.queries import removal_grounds

    out: dict[int, dict[str, Any]] = {}
    for cell in cells:
        for y in (year - 1, year):  # the review of ``year`` is decided at its end: the year before counts too
            found, years = removal_grounds(cell, y)
            for g in found:
                if g.member_id in ids:
                    out[g.member_id] = {"years": list(range(g.first_year, g.first_year + years))}
    return out


def _not_recognised(ids: set[int], today: dt.date) -> dict[int, dict[str, Any]]:
    from chibo.admissions import rules as admission_rules
    from chibo.admissions.models import AdmissionCase, CaseStep
    from chibo.admissions.stages import IN_PROBATION, Stage

    cases = list(AdmissionCase.objects.filter(
        member_id__in=ids, member__status=Status.PROBATIONARY, ceremony_on__isnull=False,
        stage__in=[*IN_PROBATION, Stage.ESCALATED],
    ).values("pk", "member_id", "ceremony_on", "failed_recognition_votes"))
    failed: dict[int, list[str]] = defaultdict(list)
    for s in (CaseStep.objects.filter(case_id__in=[c["pk"] for c in cases if c["failed_recognition_votes"]],
                                      stage=Stage.RECOGNITION_VOTED, passed=False)
              .values("case_id", "on").order_by("on", "pk")):
        failed[s["case_id"]].append(s["on"].isoformat())
    out: dict[int, dict[str, Any]] = {}
    for c in cases:
        ceremony = c["ceremony_on"]
        if ceremony is None:  # filtered out above; for the type checker
            continue
        end, due = admission_rules.probation_end(ceremony), admission_rules.recognition_vote_due(ceremony)
        if failed[c["pk"]] or due < today:
            out[c["member_id"]] = {"case": c["pk"], "ceremony_on": ceremony.isoformat(),
                                   "probation_end": end.isoformat(), "vote_due": due.isoformat(),
                                   "failed_votes": failed[c["pk"]]}
    return out


def grounds_of(units: list[Unit], cells: list[Unit], ids: set[int], year: int,
               today: dt.date | None = None) -> dict[int, list[Ground]]:
    """Every ground the data shows for the members ``ids`` (of ``cells``, under ``units``) in ``year``."""
    today = today or timezone.localdate()
    found: dict[int, list[Ground]] = defaultdict(list)
    for ground, by_member in (
            (RemovalGround.ABSENCES, _absences(units, ids, year)),
            (RemovalGround.UNPAID_DUES, _unpaid(ids, year, today)),
            (RemovalGround.NON_COMPLETION, _non_completion(cells, ids, year)),
            (RemovalGround.NOT_RECOGNISED, _not_recognised(ids, today))):
        for member_id, evidence in by_member.items():
            found[member_id].append(Ground(ground, evidence))
    return dict(found)


def member_grounds(member: Member, year: int, today: dt.date | None = None) -> list[Ground]:
    """The grounds the data shows for one member (their cell's meetings and reviews)."""
    if member.status not in rules.ACTIVE:
        return []
    return grounds_of([member.unit], [member.unit], {member.pk}, year, today).get(member.pk, [])


def candidates(unit: Unit, year: int, today: dt.date | None = None) -> list[Candidate]:
    """The members of a cell or grassroots organization for whom the data shows a ground."""
    if unit.kind not in CANDIDATE_UNITS:
        return []
    cells = [unit] if unit.holds_members else list(
        Unit.objects.filter(path__startswith=unit.path, kind__in=UnitKind.member_holding()).order_by("path"))
    members = {m["pk"]: m for m in Member.objects.filter(unit__in=cells, status__in=rules.ACTIVE)
               .values("pk", "full_name", "unit__name")}
    found = grounds_of([unit], cells, set(members), year, today)
    rows = [Candidate(pk, members[pk]["full_name"], members[pk]["unit__name"], found[pk]) for pk in found]
    return sorted(rows, key=lambda c: (c.cell, c.name, c.member_id))
