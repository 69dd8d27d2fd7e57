"""Admission cases in bulk for the admissions bench, on a data set loaded by ``bench foundation``.

About 200,000 cases for the national data set (scaled by the active members: 200,000 per 5.6
million, i.e. each cell gets cases in proportion to its members), written like the demo loader
writes members: explicit ids, ``COPY`` on PostgreSQL and ``executemany`` on SQLite
(:func:`chibo.imports.bulk.insert_rows`), secondary indexes rebuilt once after the load, in one
transaction. Then the admission tallies are rebuilt (``tallying.rebuild``) and ANALYZE runs.

The stages follow a pipeline observed over about two years: most open cases are sympathizers,
course graduates and members in probation (12 months long), a fifth are official members
recognised in the last year, a few percent ended (withdrawn, not admitted, escalated). Cases from
the admission decision on are linked to the real probationary (or recently recognised) members
of their cell, with the decision, ceremony and official dates of the member record, so the
registry and the cases agree. ``awaits`` and ``next_due`` come from the functions the services
use (``stages.next_stages``/``permission_for`` and ``services.next_due``), so the committee
inbox and the overdue report see what the running system would. Each case gets one step (the
stage it is at); the official step is what the tallies count.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CASES_PER_MEMBER = 200_000 / 5_600_000
CHUNK = 5_000  # cases built, completed with their members' identities, and written at a time
# the deletion order: the rows that point at a case first
TABLES = ("admissions_casestep", "admissions_introduction", "admissions_verification", "admissions_casedocument",
          "admissions_admissioncase", "admissions_course", "admissions_admissiontally")
SHARES = (  # (stage, share of the cases)
    ("sympathizer", 0.10), ("course", 0.08), ("application", 0.05), ("introduced", 0.04), ("opinions", 0.04),
    ("verified", 0.04), ("cell_voted", 0.04), ("committee_resolved", 0.02), ("admitted", 0.02),
    ("sworn_in", 0.22), ("probation_reviewed", 0.02), ("recognition_voted", 0.02), ("official", 0.22),
    ("withdrawn", 0.04), ("not_admitted", 0.04), ("escalated", 0.01),
)
BEFORE_DECISION = ("sympathizer", "course", "application", "introduced", "opinions", "verified", "cell_voted",
                   "committee_resolved", "withdrawn", "not_admitted")
IN_PROBATION = ("admitted", "sworn_in", "probation_reviewed", "recognition_voted", "escalated")
OCCUPATIONS = ("civil_servant", "teacher", "worker", "farmer", "enterprise_employee", "health", "student",
               "freelance", "armed_forces", "entrepreneur")


@dataclass
class Generated:
    cases: int = 0
    steps: int = 0
    tallies: int = 0
    linked_members: int = 0
    seconds: float = 0.0
    reused: bool = False
    phases: dict[str, float] = field(default_factory=dict)
    by_stage: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    awaiting_committee: int = 0
    busiest_cell_cases: int = 0


def default_total() -> int:
    """200,000 cases per 5.6 million active members (the root's tally)."""
    from chibo.members.models import UnitMemberTally
    from chibo.org.models import Unit

    root = Unit.objects.filter(parent__isnull=True).order_by("path").first()
    active = UnitMemberTally.objects.filter(unit=root).values_list("total", flat=True).first() or 0
    return max(1, round(active * CASES_PER_MEMBER))


def summary(as_of: dt.date) -> Generated:
    """What is in the database now."""
    from django.db.models import Count

    from chibo.admissions.models import AdmissionCase, AdmissionTally, CaseStep

    out = Generated(reused=True)
    out.by_stage = dict(AdmissionCase.objects.values_list("stage").annotate(n=Count("id")).order_by("stage"))
    out.cases = sum(out.by_stage.values())
    out.steps = CaseStep.objects.count()
    out.tallies = AdmissionTally.objects.count()
    out.linked_members = AdmissionCase.objects.filter(member__isnull=False).count()
    out.overdue = AdmissionCase.objects.filter(next_due__lt=as_of).count()
    out.awaiting_committee = AdmissionCase.objects.filter(awaits="committee").count()
    busiest = (AdmissionCase.objects.values("cell_id").annotate(n=Count("id")).order_by("-n").first())
    out.busiest_cell_cases = busiest["n"] if busiest else 0
    return out


def ensure(total: int | None, *, reload: bool, as_of: dt.date, seed: int = 1,
           say: Callable[[str], None] = print) -> Generated:
    """The bench's cases: reused when present (unless ``reload``), else generated."""
    from chibo.admissions.models import AdmissionCase

    if AdmissionCase.objects.exists() and not reload:
        found = summary(as_of)
        say(f"  reusing the {found.cases:,} admission cases present (--reload-cases regenerates them)")
        return found
    total = default_total() if total is None else total
    say(f"  generating {total:,} admission cases…")
    made = generate(total, as_of=as_of, seed=seed)
    found = summary(as_of)
    found.reused, found.seconds, found.phases, found.linked_members = False, made.seconds, made.phases, \
        made.linked_members
    return found


# ---- generation ------------------------------------------------------------------------------

def _memo(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The rules' date functions read the rulebook (a query) on every call: remember them."""
    cache: dict[tuple, Any] = {}

    def call(*args: Any) -> Any:
        found = cache.get(args, cache)
        if found is cache:
            found = cache[args] = fn(*args)
        return found

    return call


class _Dates:
    """The deadlines and ``awaits`` of a case, from the services' own functions (memoised)."""

    def __init__(self) -> None:
        from chibo.accounts.roles import Perm
        from chibo.admissions import rules, services, stages
        from chibo.admissions.models import AdmissionCase, Awaits

        self.probation_end = _memo(rules.probation_end)
        self.decision_due = _memo(rules.decision_due)

        def next_due(stage: str, stage_on: dt.date, dossier_since: dt.date | None, cell_vote_on: dt.date | None,
                     ceremony_on: dt.date | None) -> dt.date | None:
            case = AdmissionCase(stage=stage, stage_on=stage_on, dossier_since=dossier_since,
                                 cell_vote_on=cell_vote_on, ceremony_on=ceremony_on, extended=False)
            return services.next_due(case)

        def awaits(stage: str, under: bool) -> str:
            nxt = stages.next_stages(stage, under_committee=under)
            if not nxt:
                return Awaits.NOBODY.value
            decide = stages.permission_for(nxt[0]) == Perm.ADMISSIONS_DECIDE
            return (Awaits.COMMITTEE if decide else Awaits.CELL).value

        self.next_due = _memo(next_due)
        self.awaits = _memo(awaits)


class _Pools:
    """The members a case after the admission decision is linked to, per cell: probationary
    members (by ceremony date) and members recognised official in the last year."""

    def __init__(self, as_of: dt.date):
        from django.db.models import Min

        from chibo.members.models import Member

        self.probationary: dict[int, list[tuple]] = defaultdict(list)
        self.official: dict[int, list[tuple]] = defaultdict(list)
        rows = (Member.objects.filter(status="probationary", ceremony_date__isnull=False)
                .values_list("unit_id", "id", "admission_date", "ceremony_date").order_by())
        for unit_id, *rest in rows.iterator(chunk_size=20_000):
            self.probationary[unit_id].append(tuple(rest))
        rows = (Member.objects.filter(status="official", official_date__gt=as_of - dt.timedelta(days=365),
                                      official_date__lte=as_of, ceremony_date__isnull=False)
                .values_list("unit_id", "id", "admission_date", "ceremony_date", "official_date").order_by())
        for unit_id, *rest in rows.iterator(chunk_size=20_000):
            self.official[unit_id].append(tuple(rest))
        self.helpers = dict(Member.objects.filter(status="official").values("unit_id").annotate(m=Min("id"))
                            .values_list("unit_id", "m").order_by())

    def take(self, kind: str, cell_id: int, rng: random.Random, *, latest: bool = False) -> tuple | None:
        """A member of the cell's pool, at random or the last admitted."""
        pool = (self.probationary if kind == "probationary" else self.official).get(cell_id)
        if not pool:
            return None
        index = max(range(len(pool)), key=lambda i: pool[i][1]) if latest else rng.randrange(len(pool))
        return pool.pop(index)


def _regions() -> dict[str, tuple[str, int]]:
    """Province path → (name region, citizen-ID code), from the generator's province codes (T01…)."""
    from chibo.demo.places import PROVINCES
    from chibo.org.enums import UnitKind
    from chibo.org.models import Unit

    out = {}
    for path, code in Unit.objects.filter(kind=UnitKind.PROVINCE).values_list("path", "code"):
        index = int(code[1:]) - 1 if code[:1] == "T" and code[1:].isdigit() else 0
        province = PROVINCES[index % len(PROVINCES)]
        out[path] = (province.region, province.id_codes[0])
    return out


def generate(total: int, *, as_of: dt.date, seed: int = 1) -> Generated:
    from django.db import transaction

    from chibo.admissions import tallying
    from chibo.admissions.models import AdmissionCase, CaseStep
    from chibo.demo import dbtools
    from chibo.demo.streams import apportion
    from chibo.imports import bulk
    from chibo.org.enums import UnitKind
    from chibo.org.models import Unit

    out = Generated()
    started = time.perf_counter()

    def phase(name: str, since: float) -> float:
        now = time.perf_counter()
        out.phases[name] = round(now - since, 2)
        return now

    with transaction.atomic():
        mark = time.perf_counter()
        _wipe()
        mark = phase("wipe", mark)
        cells = list(Unit.objects.filter(kind__in=UnitKind.member_holding(), closed_on__isnull=True,
                                         tally__total__gt=0)
                     .values_list("id", "path", "kind", "tally__total").order_by("path"))
        counts = apportion([c[3] for c in cells], total)
        pools = _Pools(as_of)
        mark = phase("read registry", mark)
        maker = _Maker(as_of, seed, pools, _regions())
        case_columns, case_defaults = _columns(AdmissionCase)
        step_columns, step_defaults = _columns(CaseStep)
        first_case, first_step = bulk.next_id("admissions_admissioncase"), bulk.next_id("admissions_casestep")
        steps: list[tuple] = []

        def case_rows():
            ids = itertools.count(first_case)
            chunk: list[dict[str, Any]] = []
            for (cell_id, path, kind, _members), n in zip(cells, counts, strict=True):
                for _ in range(n):
                    chunk.append(maker.case(next(ids), cell_id, path, kind == UnitKind.CELL))
                if len(chunk) >= CHUNK:
                    yield from _finished(chunk)
                    chunk = []
            yield from _finished(chunk)

        def _finished(chunk: list[dict[str, Any]]):
            _fill_identities(chunk)
            for row in chunk:
                step = maker.step(first_step + len(steps), row)
                steps.append(tuple(step.get(c, step_defaults[c]) for c in step_columns))
                yield tuple(row.get(c, case_defaults[c]) for c in case_columns)

        tables = ["admissions_admissioncase", "admissions_casestep"]
        with dbtools.deferred_indexes(tables) as timing:
            out.cases = bulk.insert_rows("admissions_admissioncase", case_columns, case_rows())
            out.steps = bulk.insert_rows("admissions_casestep", step_columns, steps)
            mark = phase("write", mark)
        out.phases["indexes"] = timing.get("indexes", 0.0)
        mark = time.perf_counter()
        for table in tables:
            bulk.reset_sequence(table)
        out.linked_members = maker.linked
        out.tallies = tallying.rebuild()
        mark = phase("tallies", mark)
    dbtools.analyze(TABLES)
    phase("analyze", mark)
    out.seconds = round(time.perf_counter() - started, 1)
    return out


def _columns(model) -> tuple[list[str], dict[str, Any]]:
    """The model's columns, and the value of each when a row does not give it (NULL, or the
    field's default for a NOT NULL column)."""
    fields = model._meta.concrete_fields
    return [f.column for f in fields], {f.column: None if f.null else f.get_default() for f in fields}


def _fill_identities(rows: list[dict[str, Any]]) -> None:
    """Copy the identity of the linked members onto their cases (one query per chunk)."""
    from chibo.admissions.services import IDENTITY_FIELDS
    from chibo.members.models import Member

    linked = {r["member_id"]: r for r in rows if r.get("member_id")}
    if not linked:
        return
    names = {f.name for f in Member._meta.concrete_fields}
    fields = [f for f in IDENTITY_FIELDS if f in names]
    for values in Member.objects.filter(pk__in=list(linked)).values("id", "name_folded", *fields):
        linked[values.pop("id")].update(values)


def _wipe() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        for table in TABLES:
            cur.execute(f'DELETE FROM "{table}"')


class _Maker:
    """One case row (a dict by column) at a time."""

    def __init__(self, as_of: dt.date, seed: int, pools: _Pools, regions: dict[str, tuple[str, int]]):
        from chibo.demo import dbtools
        from chibo.demo.names import NameSampler

        self.as_of = as_of
        self.rng = random.Random(f"{seed}:admission-cases")
        self.pools = pools
        self.dates = _Dates()
        self.regions = regions
        self.names = {r: NameSampler(r) for r in ("north", "central", "south")}
        stages, weights = zip(*SHARES, strict=True)
        self.stages = stages
        self.cumulative = list(itertools.accumulate(weights))
        before = [(s, w) for s, w in SHARES if s in BEFORE_DECISION]
        self.before = [s for s, _w in before]
        self.before_cumulative = list(itertools.accumulate(w for _s, w in before))
        self.serial = itertools.count(700_000)
        self.stamp = dbtools.timestamp(as_of)
        self.linked = 0

    def _draw(self, stages, cumulative) -> str:
        return stages[bisect.bisect(cumulative, self.rng.random() * cumulative[-1])]

    def _ago(self, low: int, high: int) -> dt.date:
        return self.as_of - dt.timedelta(days=self.rng.randint(low, high))

    def case(self, pk: int, cell_id: int, path: str, under: bool) -> dict[str, Any]:
        stage = self._draw(self.stages, self.cumulative)
        row: dict[str, Any] | None = None
        if stage in IN_PROBATION or stage == "official":
            row = self._after_decision(stage, cell_id)
        if row is None:  # no member left to link in the cell: a case before the decision instead
            stage = self._draw(self.before, self.before_cumulative)
            row = self._before_decision(stage, under, path)
        if row["stage"] == "committee_resolved" and not under:
            row["stage"] = "cell_voted"  # a grassroots cell proposes to the higher committee directly
            row["stage_on"] = row["cell_vote_on"]
        stage = row["stage"]
        row.update(id=pk, cell_id=cell_id, unit_path=path, helper_id=self.pools.helpers.get(cell_id),
                   awaits=self.dates.awaits(stage, under), created_at=self.stamp, updated_at=self.stamp)
        row["next_due"] = self.dates.next_due(stage, row["stage_on"], row.get("dossier_since"),
                                              row.get("cell_vote_on"), row.get("ceremony_on"))
        for key in ("education_exception", "certificate_no", "certificate_issuer", "decision_no", "phone", "email",
                    "home_town", "residence"):
            row.setdefault(key, "")
        for key in ("exception_approved", "over_60_approved", "excluded_ground", "youth_union_path", "extended"):
            row.setdefault(key, False)
        row.setdefault("failed_recognition_votes", 0)
        return row

    def step(self, pk: int, case: dict[str, Any]) -> dict[str, Any]:
        stage = case["stage"]
        number = case["decision_no"] if stage in ("admitted", "official") else ""
        note = "Tự nguyện rút." if stage == "withdrawn" else "Không đủ điều kiện." if stage == "not_admitted" else ""
        return {"id": pk, "case_id": case["id"], "stage": stage, "passed": True, "on": case["stage_on"],
                "number": number, "note": note, "recorded_at": self.stamp}

    # before the admission decision: a new person ------------------------------------------------

    def _person(self, path: str) -> dict[str, Any]:
        from chibo.core.text import fold
        from chibo.members.rules import citizen_id_for

        rng = self.rng
        region, code = self.regions.get(path[:10], ("north", 1))
        sex = "F" if rng.random() < 0.45 else "M"
        birth = self.as_of - dt.timedelta(days=rng.randint(19 * 365, 42 * 365))
        pool = self.names[region].pool(sex, "old" if birth.year < 1990 else "young")
        full, folded = pool[rng.randrange(len(pool))]
        occupation = "student" if self.as_of.year - birth.year < 22 else rng.choice(OCCUPATIONS)
        return {
            "full_name": full, "name_folded": folded or fold(full), "sex": sex, "birth_date": birth,
            "citizen_id": citizen_id_for(province=code, sex=sex, birth_date=birth, serial=next(self.serial)),
            "phone": f"09{rng.randint(0, 99_999_999):08d}", "ethnicity": "01", "religion": "none",
            "education_grade": 12, "qualification": "university" if rng.random() < 0.4 else "none",
            "occupation": occupation, "youth_union": self.as_of.year - birth.year <= 30,
        }

    def _before_decision(self, stage: str, under: bool, path: str) -> dict[str, Any]:
        rng, day = self.rng, dt.timedelta
        row = self._person(path)
        row["stage"] = stage
        if stage == "sympathizer":
            row["stage_on"] = self._ago(0, 300)
        elif stage == "course":
            row["stage_on"] = row["certificate_date"] = self._ago(0, 300)
        elif stage == "application":  # a dossier older than 12 months without a vote is overdue
            row["stage_on"] = row["dossier_since"] = self._ago(0, 420)
            row["certificate_date"] = row["dossier_since"] - day(days=rng.randint(10, 90))
        elif stage in ("introduced", "opinions", "verified"):
            row["stage_on"] = self._ago(0, 150)
            row["dossier_since"] = row["stage_on"] - day(days=rng.randint(15, 120))
            row["certificate_date"] = row["dossier_since"] - day(days=rng.randint(10, 90))
        elif stage in ("cell_voted", "committee_resolved"):  # past 60 working days the decision is overdue
            row["cell_vote_on"] = self._ago(0, 110) if stage == "cell_voted" else self._ago(7, 120)
            row["stage_on"] = row["cell_vote_on"] if stage == "cell_voted" else \
                min(self.as_of, row["cell_vote_on"] + day(days=rng.randint(5, 20)))
            row["dossier_since"] = row["cell_vote_on"] - day(days=rng.randint(40, 150))
            row["certificate_date"] = row["dossier_since"] - day(days=rng.randint(10, 90))
        else:  # withdrawn, not admitted: ended some time in the last two years
            row["stage_on"] = self._ago(0, 700)
            if rng.random() < 0.6:
                row["certificate_date"] = row["stage_on"] - day(days=rng.randint(10, 200))
        if row.get("certificate_date"):
            row["certificate_no"] = f"{rng.randint(1, 999):03d}/GCN"
            row["certificate_issuer"] = "Trung tâm Chính trị"
        return row

    # after it: the member of the registry ------------------------------------------------------

    def _after_decision(self, stage: str, cell_id: int) -> dict[str, Any] | None:
        rng, day = self.rng, dt.timedelta
        found = self.pools.take("official" if stage == "official" else "probationary", cell_id, rng,
                                latest=stage == "admitted")
        if found is None:
            return None
        member_id, admission, ceremony, *official = found
        end = self.dates.probation_end(ceremony)
        row: dict[str, Any] = {"member_id": member_id, "decision_on": admission, "ceremony_on": ceremony,
                               "decision_no": f"{rng.randint(1, 999)}-QĐ/ĐU"}
        if stage == "official":
            row.update(stage="official", stage_on=min(self.as_of, official[0] + day(days=rng.randint(5, 40))))
        elif stage == "admitted":  # the ceremony is in the registry but not yet recorded on the case
            row.update(stage="admitted", stage_on=admission, ceremony_on=None)
        elif stage in ("recognition_voted", "escalated") and end <= self.as_of:
            row.update(stage=stage, stage_on=min(self.as_of, end + day(days=rng.randint(0, 40 if stage == "escalated"
                                                                                          else 10))))
            if stage == "escalated":
                row["failed_recognition_votes"] = 3
        elif stage in ("probation_reviewed", "recognition_voted", "escalated") and end - day(days=20) <= self.as_of:
            row.update(stage="probation_reviewed", stage_on=min(self.as_of, end - day(days=rng.randint(0, 20))))
        else:
            row.update(stage="sworn_in", stage_on=ceremony)
        row["cell_vote_on"] = admission - day(days=rng.randint(20, 70))
        row["certificate_date"] = row["cell_vote_on"] - day(days=rng.randint(60, 200))
        row["certificate_no"], row["certificate_issuer"] = f"{rng.randint(1, 999):03d}/GCN", "Trung tâm Chính trị"
        self.linked += 1
        return row
