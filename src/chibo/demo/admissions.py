"""Admission cases for the demo province, made through the real services (actor: SYSTEM).

About forty people on their way to membership in a handful of cells, so that every board, inbox
and report of the admissions part has something to show: at least two cases at every stage of
the pipeline (the demo secretary's cell has a dozen, at different stages), a few overdue (a cell
resolution 70 working days old without a decision, a stale dossier, a probation ended without
its review), a few that failed (not admitted, a recognition vote without two thirds, three of
them and the case goes to the higher committee), one withdrawn, one readmission, and some
official members. Their awareness courses are :class:`~chibo.admissions.models.Course` rows of
the commune committees.

Every step goes through :func:`chibo.admissions.services.advance`, on dates in the past that
respect the deadlines of the rules (``rules.decision_due``, ``rules.ceremony_due``, …), so the
stages, ``next_due``, the new members and the admission tallies are exactly what the services
make. The introducers are official members of the case's cell on the introduction date.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q

from chibo.accounts.policy import SYSTEM
from chibo.admissions import rules, services
from chibo.admissions.models import AdmissionCase, Course
from chibo.admissions.stages import ENDS, Stage, next_stages, under_committee
from chibo.admissions.steps import official_members
from chibo.core.calendar import add_working_days, is_working_day
from chibo.demo.accounts import demo_units
from chibo.demo.names import NameSampler
from chibo.demo.places import PROVINCE_INDEX, PROVINCES
from chibo.demo.presets import DEMO_PROVINCE
from chibo.members.enums import Status
from chibo.members.models import Member, Placement
from chibo.members.rules import citizen_id_for
from chibo.org import paths
from chibo.org.enums import UnitKind
from chibo.org.models import Unit

SEED = "demo-admissions"
COURSE_EVERY_DAYS = 61  # each commune committee runs an awareness course every two months
OCCUPATIONS = ("civil_servant", "teacher", "worker", "farmer", "enterprise_employee", "health", "student",
               "freelance")


@dataclass(frozen=True)
class Scenario:
    """One case: its cell (a slot of :func:`_pick_cells`), the stage it ends at, and how long ago
    its last step was (at the latest)."""

    cell: str
    stage: str
    days_ago: int = 0
    working_days_ago: int = 0  # instead of ``days_ago``, in working days
    failed_votes: int = 0  # recognition votes without two thirds before the one that passes
    readmission: bool = False
    reason: str = ""  # of an end


NOT_ENOUGH_VOTES = "Chi bộ biểu quyết không đủ hai phần ba số đảng viên chính thức tán thành."
CONCERN = "Kết quả thẩm tra lý lịch chưa rõ ràng; đề nghị tiếp tục bồi dưỡng, xem xét sau."
WITHDRAWN = "Quần chúng xin rút vì chuyển công tác sang tỉnh khác."

SCENARIOS: tuple[Scenario, ...] = (
    # the demo secretary's cell (a grassroots cell: no committee resolution): its board
    Scenario("secretary", Stage.SYMPATHIZER, 20),
    Scenario("secretary", Stage.COURSE, 30),
    Scenario("secretary", Stage.APPLICATION, 25),
    Scenario("secretary", Stage.INTRODUCED, 15),
    Scenario("secretary", Stage.OPINIONS, 10),
    Scenario("secretary", Stage.VERIFIED, 8),
    Scenario("secretary", Stage.CELL_VOTED, working_days_ago=70),  # overdue: no decision after 60 working days
    Scenario("secretary", Stage.ADMITTED, 20),
    Scenario("secretary", Stage.SWORN_IN, 200),
    Scenario("secretary", Stage.PROBATION_REVIEWED, 10),
    Scenario("secretary", Stage.RECOGNITION_VOTED, 10),
    Scenario("secretary", Stage.OFFICIAL, 60),
    Scenario("secretary", Stage.WITHDRAWN, 100, reason=WITHDRAWN),
    # two cells under a grassroots committee (its resolution comes before the decision)
    Scenario("cell_a", Stage.SYMPATHIZER, 60),
    Scenario("cell_a", Stage.APPLICATION, 390),  # overdue: the dossier is more than 12 months old
    Scenario("cell_a", Stage.VERIFIED, 30),
    Scenario("cell_a", Stage.CELL_VOTED, 12),
    Scenario("cell_a", Stage.COMMITTEE_RESOLVED, 20),
    Scenario("cell_a", Stage.COMMITTEE_RESOLVED, working_days_ago=65),  # overdue: the decision is late
    Scenario("cell_a", Stage.ADMITTED, 35),
    Scenario("cell_a", Stage.SWORN_IN, 90),
    Scenario("cell_a", Stage.RECOGNITION_VOTED, 15, failed_votes=1),
    Scenario("cell_a", Stage.OFFICIAL, 150),
    Scenario("cell_a", Stage.NOT_ADMITTED, 50, reason=NOT_ENOUGH_VOTES),
    Scenario("cell_b", Stage.COURSE, 15),
    Scenario("cell_b", Stage.INTRODUCED, 45),
    Scenario("cell_b", Stage.OPINIONS, 30),
    Scenario("cell_b", Stage.COMMITTEE_RESOLVED, 10),
    Scenario("cell_b", Stage.SWORN_IN, 385),  # overdue: probation ended, not yet reviewed
    Scenario("cell_b", Stage.PROBATION_REVIEWED, 5),
    Scenario("cell_b", Stage.ESCALATED, 10, failed_votes=3),
    Scenario("cell_b", Stage.OFFICIAL, 40, failed_votes=1),
    # grassroots cells of two other communes
    Scenario("village_a", Stage.CELL_VOTED, 15, readmission=True),
    Scenario("village_a", Stage.SYMPATHIZER, 5),
    Scenario("village_a", Stage.VERIFIED, 50),
    Scenario("village_a", Stage.ADMITTED, 10),
    Scenario("village_a", Stage.NOT_ADMITTED, 70, reason=CONCERN),
    Scenario("village_b", Stage.APPLICATION, 12),
    Scenario("village_b", Stage.SWORN_IN, 150),
    Scenario("village_b", Stage.OFFICIAL, 300),
    Scenario("village_b", Stage.RECOGNITION_VOTED, 5),
)
# where an end is recorded from
END_AFTER: dict[str, str] = {Stage.WITHDRAWN: Stage.COURSE, Stage.NOT_ADMITTED: Stage.OPINIONS}
GAPS: dict[str, tuple[int, int]] = {  # days between the previous step and this one (low, high)
    Stage.APPLICATION: (10, 30), Stage.INTRODUCED: (5, 15), Stage.OPINIONS: (10, 25), Stage.VERIFIED: (15, 40),
    Stage.CELL_VOTED: (5, 15), Stage.COMMITTEE_RESOLVED: (7, 20),
}
NOT_ADMITTED_AFTER_VOTE = NOT_ENOUGH_VOTES  # that one ends after the committee's verification


def make_demo_cases(as_of: dt.date) -> int:
    """Create the demo admission cases (once: nothing is done when cases exist); their number."""
    if AdmissionCase.objects.exists():
        return 0
    units = demo_units()
    with transaction.atomic():
        maker = _Maker(as_of, _pick_cells(units, as_of))
        for number, scenario in enumerate(SCENARIOS):
            maker.make(number, scenario)
    return len(SCENARIOS)


# ---- the cells ---------------------------------------------------------------------------------

def _officials(cell: Unit) -> int:
    return Member.objects.filter(unit=cell, status=Status.OFFICIAL).count()


def _pick_cells(units: dict[str, Unit], as_of: dt.date) -> dict[str, Unit]:
    """The secretary's cell, two cells under a grassroots committee (in the demo commune when it
    has them) and grassroots cells of two other communes; each open for three years with at least
    five official members. A scaled-down demo without some of them reuses the secretary's cell."""
    province, commune, secretary = units["province"], units["commune"], units["cell"]
    settled = as_of - dt.timedelta(days=3 * 365)
    candidates = (Unit.objects.subtree(province)
                  .filter(kind__in=UnitKind.member_holding(), closed_on__isnull=True, opened_on__lte=settled)
                  .order_by("path"))
    taken = {secretary.pk}

    def pick(qs, avoid: set[str]) -> Unit | None:
        for cell in qs:
            if cell.pk in taken or _commune_path(cell) in avoid or _officials(cell) < 5:
                continue
            taken.add(cell.pk)
            avoid.add(_commune_path(cell))
            return cell
        return None

    committee_cells = candidates.filter(kind=UnitKind.CELL)
    here = committee_cells.filter(path__startswith=commune.path)
    cell_a = pick(here, set()) or pick(committee_cells, set())
    cell_b = pick(here, set()) or pick(committee_cells, set())
    elsewhere = {commune.path}
    villages = candidates.filter(kind=UnitKind.GRASSROOTS_CELL)
    village_a, village_b = pick(villages, elsewhere), pick(villages, elsewhere)
    return {"secretary": secretary, "cell_a": cell_a or secretary, "cell_b": cell_b or cell_a or secretary,
            "village_a": village_a or secretary, "village_b": village_b or village_a or secretary}


def _last_true(ok: Callable[[int], bool], high: int) -> int:
    """The largest n in 0…high with ``ok(n)``, for ``ok`` true at 0 and then false from some n on."""
    low = 0
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if ok(mid) else (low, mid - 1)
    return low


def _commune_path(unit: Unit) -> str:
    """The path of the unit's commune (or provincial committee): the third level of the tree."""
    return unit.path[:3 * paths.STEP]


# ---- one case ----------------------------------------------------------------------------------

@dataclass
class _Plan:
    """The steps of a case: (stage reached, date, passed) in order."""

    steps: list[tuple[str, dt.date, bool]] = field(default_factory=list)
    course: Course | None = None


class _Maker:
    def __init__(self, as_of: dt.date, cells: dict[str, Unit]):
        self.as_of = as_of
        self.cells = cells
        self.rng = random.Random(SEED)
        self.names = NameSampler(PROVINCES[PROVINCE_INDEX[DEMO_PROVINCE]].region)
        self.id_code = PROVINCES[PROVINCE_INDEX[DEMO_PROVINCE]].id_codes[0]
        self.taken_ids = set(Member.objects.values_list("citizen_id", flat=True))
        self.serial = 900_000
        self.courses: dict[tuple[str, dt.date], Course] = {}
        self.certificates = 0
        self.decisions = 0

    # the schedule -------------------------------------------------------------------------------

    def _course_end(self, committee: Unit, after: dt.date) -> dt.date | None:
        """The end of the committee's first course ending on or after ``after`` (courses end every
        two months, the last one 12 days before ``as_of``)."""
        last = self._working(self.as_of - dt.timedelta(days=12), back=True)
        if after > last:
            return None
        steps_back = (last - after).days // COURSE_EVERY_DAYS
        return self._working(last - dt.timedelta(days=steps_back * COURSE_EVERY_DAYS), back=True)

    @staticmethod
    def _working(day: dt.date, back: bool = False) -> dt.date:
        while not is_working_day(day):
            day += dt.timedelta(days=-1 if back else 1)
        return day

    def _route(self, cell: Unit, scenario: Scenario) -> list[tuple[str, bool]]:
        """The moves from the sympathizer list to the scenario's stage, failed votes included."""
        target: str = END_AFTER.get(scenario.stage, scenario.stage)
        if scenario.stage == Stage.NOT_ADMITTED and scenario.reason == NOT_ADMITTED_AFTER_VOTE:
            target = Stage.VERIFIED
        if scenario.stage == Stage.ESCALATED:
            target = Stage.PROBATION_REVIEWED
        if target == Stage.COMMITTEE_RESOLVED and not under_committee(cell):  # a scaled-down demo
            target = Stage.CELL_VOTED
        route: list[tuple[str, bool]] = [(Stage.SYMPATHIZER, True)]
        stage: str = Stage.SYMPATHIZER
        while stage != target:
            stage = next_stages(stage, under_committee=under_committee(cell))[0]
            if stage == Stage.RECOGNITION_VOTED:
                route += [(stage, False)] * scenario.failed_votes
            route.append((stage, True))
        if scenario.stage == Stage.ESCALATED:
            route += [(Stage.RECOGNITION_VOTED, False)] * scenario.failed_votes
        elif scenario.stage in ENDS:
            route.append((scenario.stage, True))
        return route

    def _schedule(self, route: list[tuple[str, bool]], start: dt.date, committee: Unit, rng: random.Random,
                  wait: int = 0) -> list[dt.date] | None:
        """Dates for the route from ``start``: typical gaps, every deadline met; ``wait`` days more
        between the course and the application."""
        days: list[dt.date] = []
        seen: dict[str, dt.date] = {}
        day: dt.date | None = start
        for stage, passed in route:
            if days:
                day = self._next(stage, passed, days[-1], seen, committee, rng)
                if day is not None and stage == Stage.APPLICATION:
                    day += dt.timedelta(days=wait)
            if day is None:
                return None
            day = self._working(day)
            days.append(day)
            if passed:
                seen[stage] = day
        return days

    def _next(self, stage: str, passed: bool, prev: dt.date, seen: dict[str, dt.date], committee: Unit,
              rng: random.Random) -> dt.date | None:
        gap = dt.timedelta
        if stage == Stage.COURSE:
            return self._course_end(committee, prev + gap(days=21))
        if stage == Stage.ADMITTED:
            return min(prev + gap(days=rng.randint(10, 35)), rules.decision_due(seen[Stage.CELL_VOTED]))
        if stage == Stage.SWORN_IN:
            return min(prev + gap(days=rng.randint(7, 25)), rules.ceremony_due(prev))
        if stage == Stage.PROBATION_REVIEWED:
            end = rules.probation_end(seen[Stage.SWORN_IN])
            return max(prev + gap(days=30), end - gap(days=rng.randint(5, 20)))
        if stage == Stage.RECOGNITION_VOTED:
            end = rules.probation_end(seen[Stage.SWORN_IN])
            if prev < end:  # the first vote, once probation has ended
                return min(end + gap(days=rng.randint(0, 10)), rules.recognition_vote_due(seen[Stage.SWORN_IN]))
            return prev + gap(days=rng.randint(15, 30))
        if stage == Stage.OFFICIAL:
            return min(prev + gap(days=rng.randint(7, 20)), rules.recognition_decision_due(prev))
        low, high = GAPS.get(stage, (10, 40))
        return prev + gap(days=rng.randint(low, high))

    def _plan(self, number: int, cell: Unit, committee: Unit, scenario: Scenario) -> list[tuple[str, dt.date, bool]]:
        """The route's dates, its last step as close as can be to the scenario's day, not after it.

        Every gap and deadline moves later with a later start (or a longer wait before the
        application), so the latest start that fits, then the longest wait, are found by bisection.
        """
        target = (add_working_days(self.as_of, -scenario.working_days_ago) if scenario.working_days_ago
                  else self.as_of - dt.timedelta(days=scenario.days_ago))
        route = self._route(cell, scenario)

        def fits(start: dt.date, wait: int = 0) -> list[dt.date] | None:
            days = self._schedule(route, start, committee, random.Random(f"{SEED}:{number}"), wait)
            return days if days is not None and days[-1] <= target else None

        start = target
        while fits(start) is None:
            start -= dt.timedelta(days=30)
        first = start
        start += dt.timedelta(days=_last_true(lambda n: fits(first + dt.timedelta(days=n)) is not None, 90))
        wait = _last_true(lambda n: fits(start, n) is not None, 120)
        days = fits(start, wait)
        assert days is not None
        return [(stage, day, passed) for (stage, passed), day in zip(route, days, strict=True)]

    # the person ---------------------------------------------------------------------------------

    def _person(self, rng: random.Random, first_day: dt.date, readmission: bool, committee: Unit) -> dict[str, Any]:
        sex = "F" if rng.random() < 0.45 else "M"
        age_days = rng.randint(int(19.5 * 365), 34 * 365) if not readmission else rng.randint(40 * 365, 50 * 365)
        birth = first_day - dt.timedelta(days=age_days)
        name = self.names.draw(rng, sex, birth.year)
        while True:
            self.serial += 7
            citizen_id = citizen_id_for(province=self.id_code, sex=sex, birth_date=birth, serial=self.serial)
            if citizen_id not in self.taken_ids:
                self.taken_ids.add(citizen_id)
                break
        occupation = "student" if age_days < 22 * 365 else rng.choice(OCCUPATIONS[:-2])
        data: dict[str, Any] = {
            "full_name": name.full, "sex": sex, "birth_date": birth, "citizen_id": citizen_id,
            "phone": f"09{rng.randint(0, 99_999_999):08d}", "education_grade": 12,
            "qualification": "university" if occupation in ("teacher", "health", "civil_servant") else "none",
            "occupation": occupation, "youth_union": age_days < 30 * 365,
            "home_town": f"Tỉnh {DEMO_PROVINCE}", "residence": f"{committee.name}, Tỉnh {DEMO_PROVINCE}",
        }
        if readmission:
            data["left_on"] = rules.add_months(self.as_of, -48)
            data["excluded_ground"] = False
        return data

    def _introducers(self, cell: Unit, on: dt.date, rng: random.Random) -> list[dict[str, Any]]:
        """Two official members of the cell on ``on`` who have known the applicant for over a year."""
        year_before = rules.add_months(on, -12)
        placed = (Placement.objects.filter(unit=cell, kind="official", valid_from__lte=on)
                  .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
                  .filter(member__status=Status.OFFICIAL, member__official_date__lte=on)
                  .order_by("valid_from", "member_id").values_list("member_id", "valid_from"))
        rows = list(placed)
        if len(rows) < 2:
            raise RuntimeError(f"{cell.name} has fewer than two official members on {on}")
        settled = [r for r in rows if r[1] <= year_before]
        settled = settled if len(settled) >= 2 else rows
        chosen = rng.sample(settled, 2)
        return [{"member": member_id,
                 "together_since": min(year_before, max(since, year_before - dt.timedelta(days=rng.randint(30, 900))))}
                for member_id, since in chosen]

    def _helper(self, cell: Unit, rng: random.Random) -> Member:
        officials = list(Member.objects.filter(unit=cell, status=Status.OFFICIAL).order_by("pk"))
        return rng.choice(officials)

    # the facts of each step ---------------------------------------------------------------------

    def _facts(self, case: AdmissionCase, stage: str, passed: bool, on: dt.date, scenario: Scenario,
               plan: _Plan, rng: random.Random) -> dict[str, Any]:
        if stage == Stage.COURSE:
            assert plan.course is not None
            self.certificates += 1
            return {"certificate_no": f"{self.certificates:03d}/GCN", "course": plan.course.pk,
                    "certificate_issuer": f"Trung tâm Chính trị — {plan.course.unit.name}"}
        if stage == Stage.INTRODUCED:
            return {"introducers": self._introducers(case.cell, on, rng)}
        if stage == Stage.OPINIONS:
            return {"note": "Ban chấp hành Công đoàn và chi ủy chi bộ nơi cư trú nhất trí giới thiệu."}
        if stage == Stage.VERIFIED:
            surname = case.full_name.split()[0]
            return {"verifications": [
                {"relation": "self", "name": case.full_name, "result": "clear"},
                {"relation": "father", "name": f"{surname} Văn {rng.choice(('Hùng', 'Thắng', 'Bình', 'Sơn'))}",
                 "result": "clear"},
                {"relation": "mother", "name": f"Nguyễn Thị {rng.choice(('Lan', 'Hoa', 'Mai', 'Hương'))}",
                 "result": "clear"},
            ]}
        if stage in (Stage.CELL_VOTED, Stage.RECOGNITION_VOTED):
            members = official_members(case.cell_id, on)
            needed = rules.votes_needed(members, on)
            yes = (members if rng.random() < 0.6 else max(needed, members - 1)) if passed else max(needed - 1, 0)
            return {"yes": yes, "number": f"{rng.randint(1, 40):02d}-NQ/CB"}
        if stage == Stage.COMMITTEE_RESOLVED:
            return {"yes": 7, "committee_members": 7, "number": f"{rng.randint(10, 200)}-NQ/ĐU"}
        if stage in (Stage.ADMITTED, Stage.OFFICIAL):
            self.decisions += 1
            return {"number": f"{100 + self.decisions}-QĐ/ĐU"}
        if stage == Stage.SWORN_IN:
            return {"place": f"Hội trường {case.cell.name}"}
        if stage == Stage.PROBATION_REVIEWED:
            return {"course_done": True, "self_review": True, "helper_review": True}
        return {"note": scenario.reason or "Chuyển cấp trên xem xét."}

    # making it ----------------------------------------------------------------------------------

    def make(self, number: int, scenario: Scenario) -> AdmissionCase:
        cell = self.cells[scenario.cell]
        committee = Unit.objects.get(path=cell.path[:3 * paths.STEP])  # the commune's committee
        steps = self._plan(number, cell, committee, scenario)
        rng = random.Random(f"{SEED}:{number}:facts")
        plan = _Plan(steps)
        course_day = next((day for stage, day, _p in steps if stage == Stage.COURSE), None)
        if course_day is not None:
            plan.course = self._course(committee, course_day)
        data = self._person(rng, steps[0][1], scenario.readmission, committee)
        case = services.open_case(actor=SYSTEM, cell=cell, data=data, on=steps[0][1],
                                  resolution=f"{rng.randint(1, 40):02d}-NQ/CB", helper=self._helper(cell, rng))
        for stage, day, passed in steps[1:]:
            case = services.advance(case, actor=SYSTEM, to=stage, on=day,
                                    facts=self._facts(case, stage, passed, day, scenario, plan, rng))
        return case

    def _course(self, committee: Unit, ends_on: dt.date) -> Course:
        key = (committee.path, ends_on)
        found = self.courses.get(key)
        if found is None:
            found = self.courses[key] = Course.objects.create(
                unit=committee, unit_path=committee.path, starts_on=ends_on - dt.timedelta(days=4), ends_on=ends_on,
                name=f"Lớp bồi dưỡng nhận thức về Đảng tháng {ends_on.month}/{ends_on.year} — {committee.name}")
        return found

