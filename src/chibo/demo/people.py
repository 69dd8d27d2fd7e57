"""The member generator: rows for ``members_member`` and ``members_placement``, cell by cell.

Rows are plain lists in :data:`MEMBER_COLUMNS` and :data:`PLACEMENT_COLUMNS` order with dates
as ISO strings, ready for :func:`chibo.imports.bulk.insert_rows`. They are generated a partition
of cells at a time (see :mod:`chibo.demo.streams`, which also completes the citizen IDs and the
placement ids), so 5.6 million members stream in constant memory. Every profile passes
:func:`chibo.members.rules.profile_problems`; the citizen IDs start as
:func:`chibo.members.rules.citizen_id_for` builds them and never repeat.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from chibo.demo import places
from chibo.demo.names import NameSampler
from chibo.demo.places import PROVINCES
from chibo.demo.profiles import (
    CAREERS,
    DECEASED_AGE_SLOTS,
    EXEMPTED_AGE_SLOTS,
    INACTIVE,
    LANGUAGES,
    NEW_MEMBER_THEORY,
    OLD_RURAL_GRADES,
    PHONE_PREFIXES,
    PROBATIONARY_AGE_SLOTS,
    RURAL_GRADES,
    YEAR,
    Flavor,
    flavors,
)
from chibo.demo.sampling import BITS, Table
from chibo.demo.tree import Cell
from chibo.members.rules import citizen_id_for

MEMBER_COLUMNS = (
    "id", "full_name", "name_folded", "birth_name", "sex", "birth_date", "citizen_id", "phone",
    "email", "ethnicity", "religion", "home_town", "birth_place", "residence", "education_grade",
    "qualification", "political_theory", "foreign_language", "occupation_before", "occupation",
    "youth_union", "is_army", "is_police", "is_retired", "admission_date", "ceremony_date",
    "ceremony_place", "official_date", "card_number", "background_sheet_no", "status",
    "status_since", "unit_id", "unit_path", "temp_unit_id", "created_at", "updated_at",
)
PLACEMENT_COLUMNS = ("id", "member_id", "unit_id", "kind", "valid_from", "valid_to", "decision")
ALL_ID_CODES = tuple(sorted({code for p in PROVINCES for code in p.id_codes}))


class Dates:
    """Ordinal arithmetic with memoised ISO strings (a few tens of thousands of distinct days)."""

    def __init__(self) -> None:
        self.cache: dict[int, str] = {}
        self._next_year: dict[int, int] = {}

    def iso(self, ordinal: int) -> str:
        text = self.cache.get(ordinal)
        if text is None:
            text = self.cache[ordinal] = dt.date.fromordinal(ordinal).isoformat()
        return text

    def plus_year(self, ordinal: int) -> int:
        """The same calendar day one year later (29 February → 1 March)."""
        out = self._next_year.get(ordinal)
        if out is None:
            day = dt.date.fromordinal(ordinal)
            try:
                out = day.replace(year=day.year + 1).toordinal()
            except ValueError:
                out = dt.date(day.year + 1, 3, 1).toordinal()
            self._next_year[ordinal] = out
        return out


def _pick(rnd, slots):
    return slots[int(rnd() * len(slots))]


class People:
    """Generates the members of partitions of cells; one instance per data set.

    The inner loop is written for speed (bound ``random()``, draw slots indexed inline): it runs
    5.7 million times for the national preset.
    """

    def __init__(self, *, seed: int, as_of: dt.date, villages: Sequence[tuple[str, list[str]]],
                 province_places: dict[int, list[str]], card_base: int = 0, timestamp: str = ""):
        self.seed = seed
        self.rng = random.Random(f"{seed}:members")
        self.rnd = self.rng.random
        self.bits = self.rng.getrandbits
        self.today = as_of.toordinal()
        self.dates = Dates()
        self.flavors = flavors()
        self.names = {region: NameSampler(region) for region in ("north", "central", "south")}
        self.ethnicities = [places.ethnicity_table(p).slots for p in PROVINCES]
        self.religions = [places.religion_table(p).slots for p in PROVINCES]
        self.villages = villages
        self.homes = province_places
        self.previous: Cell | None = None
        self.prefixes: dict[tuple[int, str, int], str] = {}  # (code, sex, year) → first six digits
        self.pools: dict[str, dict] = {}  # region → (sex, born before 1990) → pool of Kinh names
        self.card_base = card_base
        self.timestamp = timestamp
        self.province_weights = Table([(i, p.weight) for i, p in enumerate(PROVINCES)]).slots

    # ---- public ------------------------------------------------------------------------------

    def partition(self, cells: Sequence[Cell], counts: Sequence[int], firsts: Sequence[int],
                  inactive: Sequence[int], start: int, end: int) -> tuple[list[list], list[list]]:
        """Rows of the cells ``start``…``end - 1``, drawn from a generator seeded for them alone.

        The result depends only on the seed and the partition, not on what was generated before,
        so partitions can be generated in any process. Member rows carry the first six digits of
        the citizen ID and placements a zero id: :class:`chibo.demo.streams.Finisher` completes
        both in order. Rows are lists (completed in place), in :data:`MEMBER_COLUMNS` and
        :data:`PLACEMENT_COLUMNS` order.
        """
        self.rng.seed(f"{self.seed}:members:{cells[start].id}")
        self.previous = None
        members: list[list] = []
        placements: list[list] = []
        for i in range(start, end):
            self._cell(cells[i], counts[i], inactive[i], firsts[i], members, placements)
        return members, placements

    def _cell(self, cell: Cell, active: int, former: int, first_id: int, members: list,
              placements: list) -> None:
        """``active`` active members of ``cell`` then ``former`` former ones, ids from ``first_id``."""
        flavor = self.flavors[cell.flavor]
        pi = cell.province if cell.province >= 0 else 0
        prev = self.previous
        neighbour = 0
        if prev is not None and (prev.commune, prev.province) == (cell.commune, cell.province):
            neighbour = prev.id
        self.previous = cell
        region = PROVINCES[pi].region
        ctx = _CellContext(cell, flavor, pi, self.names[region], self.ethnicities[pi],
                           self.religions[pi], neighbour)
        ctx.pools = self.pools.setdefault(region, {})
        if cell.commune >= 0:
            commune, villages = self.villages[cell.commune]
            ctx.villages, ctx.suffix = villages, f", {commune}, {PROVINCES[pi].name}"
            if cell.flavor in ("village", "urban"):  # members live in the cell's own village
                village = cell.name[len("Chi bộ "):]
                ctx.street = village[:1].upper() + village[1:] + ctx.suffix
        rnd, g = self.rnd, self.bits
        probationary, exempted = flavor.probationary, flavor.probationary + flavor.exempted
        for mid in range(first_id, first_id + active):
            x = rnd()
            status = "probationary" if x < probationary else "exempted" if x < exempted else "official"
            self._member(ctx, status, mid, members, placements)
        statuses = INACTIVE.slots
        for mid in range(first_id + active, first_id + active + former):
            self._member(ctx, statuses[g(BITS)], mid, members, placements)

    # ---- one member --------------------------------------------------------------------------

    def _member(self, ctx: _CellContext, status: str, mid: int, members: list, placements: list) -> None:
        rnd, g, today, iso = self.rnd, self.bits, self.today, self.dates.iso
        cell, flavor, pi = ctx.cell, ctx.flavor, ctx.pi
        sex = "F" if rnd() < (flavor.women if status != "deceased" else 0.2) else "M"
        birth, admission, ceremony, official, since = self._party_dates(flavor, status)
        birth_date = dt.date.fromordinal(birth)
        age = (today - birth) / YEAR
        ethnicity = ctx.ethnicities[g(BITS)]
        if ethnicity == "01":  # most members: one draw from a pool of names
            pool = ctx.pools.get((sex, birth_date.year < 1990))
            if pool is None:
                generation = "old" if birth_date.year < 1990 else "young"
                pool = ctx.pools[(sex, birth_date.year < 1990)] = ctx.names.pool(sex, generation)
            full, folded = pool[g(BITS)]
        else:
            full, folded = ctx.names.draw_pair(g, rnd, sex, birth_date.year, ethnicity)
        religion = ctx.religions[g(BITS)] if ethnicity != "05" or rnd() < 0.5 else "buddhism"
        card = f"{pi + 1:02d}{self.card_base + mid:08d}" if official is not None else None
        temp_unit = None
        if ctx.neighbour and rnd() < 0.003 and status in ("official", "probationary"):
            temp_unit = ctx.neighbour
            placements.append([0, mid, temp_unit, "temporary", iso(today - 20 - int(rnd() * 280)), None, ""])
        stamp = self.timestamp
        members.append([
            mid, full, folded, "", sex, iso(birth), self._citizen_prefix(pi, sex, birth_date),
            self._phone(age), self._email(folded, flavor, age, birth_date.year), ethnicity, religion,
            *self._places(ctx, pi), *self._work(flavor, age, status, admission - birth),
            iso(admission), iso(ceremony), cell.name if rnd() < 0.3 else "",
            iso(official) if official is not None else None, card, "", status,
            iso(since), cell.id, cell.path, temp_unit, stamp, stamp,
        ])
        self._placements(cell, mid, status, admission, since, placements, ctx.neighbour)

    def _party_dates(self, flavor: Flavor, status: str) -> tuple[int, int, int, int | None, int]:
        """(birth, admission, ceremony, official or None, status since) as ordinals."""
        rnd, g, today = self.rnd, self.bits, self.today
        if status == "probationary":
            admission = today - 45 - int(rnd() * 345)
            lo, span = PROBATIONARY_AGE_SLOTS[g(BITS)]
            birth = admission - lo - int(rnd() * span)
            ceremony = min(admission + 7 + int(rnd() * 33), today - 1)
            return birth, admission, ceremony, None, ceremony
        end = today
        if status == "deceased":
            end = today - 1 - int(rnd() * 1800)
            lo, span = DECEASED_AGE_SLOTS[g(BITS)]
        elif status == "exempted":
            lo, span = EXEMPTED_AGE_SLOTS[g(BITS)]
        else:
            lo, span = flavor.ages[g(BITS)]
        birth = end - lo - int(rnd() * span)
        lo, span = flavor.admission_ages[g(BITS)]
        admission = min(birth + lo + int(rnd() * span), end - 450)  # probation long over
        if admission < birth + 6593:  # under 18.05 years: the member is older than drawn
            birth = admission - 6612 - int(rnd() * 1460)
        ceremony = admission + 7 + int(rnd() * 33)
        official = self.dates.plus_year(ceremony)
        if status == "official":
            return birth, admission, ceremony, official, official
        if status == "removed" and rnd() < 0.3:  # a probationary member who did not qualify
            return birth, admission, ceremony, None, min(official, end)
        if status == "exempted":
            since = max(official, end - 30 - int(rnd() * 2500))
        elif status == "deceased":
            since = end
        else:  # removed, resigned, expelled
            since = official + int(rnd() * (end - official))
        return birth, admission, ceremony, official, since

    def _work(self, flavor: Flavor, age: float, status: str, admitted_after_days: int) -> tuple:
        """(education grade, qualification, theory, language, occupation before, occupation,
        youth union, army, police, retired)."""
        rnd, g = self.rnd, self.bits
        retired = (flavor.residential and age >= 60) or status == "exempted" or status == "deceased"
        occupation = flavor.occupations[g(BITS)]
        before = occupation if rnd() < 0.7 else CAREERS.slots[g(BITS)]
        if retired:
            before, occupation = CAREERS.slots[g(BITS)], "retired"
        if admitted_after_days < 8400 and rnd() < 0.3:  # admitted before 23: often a student
            before = "student"
        grade = 12
        if flavor.rural:
            grade = (OLD_RURAL_GRADES if age >= 60 else RURAL_GRADES).slots[g(BITS)]
        theory = (NEW_MEMBER_THEORY.slots if status == "probationary" else flavor.theory)[g(BITS)]
        language = ""
        if rnd() < (0.45 if flavor.educated else 0.08):
            language = LANGUAGES.slots[g(BITS)]
        army = flavor.name == "military" or (before == "armed_forces" and rnd() < 0.5)
        return (grade, flavor.qualifications[g(BITS)], theory, language, before, occupation,
                age <= 30 and rnd() < 0.8, army, flavor.name == "police", retired)

    def _places(self, ctx: _CellContext, pi: int) -> tuple[str, str, str]:
        """(home town, place of birth, residence)."""
        rnd, g = self.rnd, self.bits
        home_pi = pi if rnd() < 0.85 else self.province_weights[g(BITS)]
        home = self._place_in(home_pi)
        birth = home if rnd() < 0.7 else self._place_in(home_pi)
        return home, birth, ctx.residence(rnd) if ctx.villages else self._place_in(pi)

    def _place_in(self, pi: int) -> str:
        pool = self.homes.get(pi)
        if not pool:
            return PROVINCES[pi].name
        return pool[int(self.rnd() * len(pool))]

    def _citizen_prefix(self, pi: int, sex: str, birth_date: dt.date) -> str:
        """The first six digits of a citizen ID (province of registration, sex and century, year).

        Mostly registered in the member's province, sometimes elsewhere; the six-digit serial is
        added by :class:`chibo.demo.streams.Finisher`, which keeps the IDs unique.
        """
        rnd = self.rnd
        code = _pick(rnd, PROVINCES[pi].id_codes if rnd() < 0.85 else ALL_ID_CODES)
        key = (code, sex, birth_date.year)
        prefix = self.prefixes.get(key)
        if prefix is None:  # as the rules build it
            prefix = self.prefixes[key] = citizen_id_for(province=code, sex=sex, birth_date=birth_date,
                                                         serial=0)[:6]
        return prefix

    def _phone(self, age: float) -> str:
        rnd, g = self.rnd, self.bits
        if rnd() > (0.75 if age > 70 else 0.95):
            return ""
        return f"{PHONE_PREFIXES.slots[g(BITS)]}{int(rnd() * 10_000_000):07d}"

    def _email(self, folded: str, flavor: Flavor, age: float, year: int) -> str:
        if age > 55 or self.rnd() > (0.5 if flavor.educated else 0.05):
            return ""
        return f"{folded.replace(' ', '').replace(chr(39), '')}{year % 100:02d}@gmail.com"

    def _placements(self, cell: Cell, member_id: int, status: str, admission: int, since: int,
                    out: list, neighbour: int) -> None:
        """The member's placement in the cell, and sometimes the one before (transfer, merger)."""
        rnd, iso = self.rnd, self.dates.iso
        active = status in ("probationary", "official", "exempted")
        start, end = max(admission, cell.opened), None if active else since
        if end is not None and end < start:
            start = end
        moved_on = prior_unit = prior_from = 0
        decision = ""
        source = cell.merged_from
        if source is not None and admission < source[1] and rnd() < 0.4:
            prior_unit, moved_on, prior_from = source[0], source[1], max(admission, source[2])
        elif neighbour and status != "probationary" and rnd() < 0.06 and self.today - start > 800:
            prior_unit, prior_from = neighbour, admission
            moved_on = start + int(rnd() * (self.today - start - 400))
            decision = f"Quyết định số {10 + int(rnd() * 990)}-QĐ/ĐU"
        if prior_unit and (end is None or moved_on < end):
            out.append([0, member_id, prior_unit, "official", iso(prior_from), iso(moved_on), decision])
            start = moved_on
        out.append([0, member_id, cell.id, "official", iso(start), iso(end) if end is not None else None, ""])


class _CellContext:
    """What every member of one cell shares (looked up once per cell)."""

    __slots__ = ("cell", "flavor", "pi", "names", "pools", "ethnicities", "religions", "neighbour",
                 "villages", "street", "suffix")

    def __init__(self, cell: Cell, flavor: Flavor, pi: int, names: NameSampler, ethnicities: list,
                 religions: list, neighbour: int):
        self.cell, self.flavor, self.pi, self.names = cell, flavor, pi, names
        self.pools: dict = {}
        self.ethnicities, self.religions, self.neighbour = ethnicities, religions, neighbour
        self.villages: list[str] = []
        self.street = ""
        self.suffix = ""

    def residence(self, rnd) -> str:
        if self.street:
            return self.street
        return f"{self.villages[int(rnd() * len(self.villages))]}{self.suffix}"
