"""Who the members of each kind of cell are: ages, sexes, occupations, schooling, statuses.

Each cell has a *flavour* (village, agency, school, …). The tables here give, per flavour, the
distributions the member generator draws from. Figures are plausible rather than official:
about 35% women, 92% official / 5% probationary / 2.5% exempted among active members, members
aged 18–95 with most between 30 and 60.
"""

from __future__ import annotations

from dataclasses import dataclass

from chibo.demo.sampling import Table

RESIDENTIAL = frozenset({"village", "urban"})
EDUCATED = frozenset({"agency", "school", "university", "health", "state_company", "overseas",
                      "police", "military", "company"})

Buckets = tuple[tuple[float, float, float], ...]  # (from age, to age, weight)

AGES: dict[str, Buckets] = {
    "village": ((22, 30, 8), (30, 40, 14), (40, 50, 18), (50, 60, 20), (60, 70, 20), (70, 80, 13), (80, 92, 7)),
    "urban": ((22, 30, 8), (30, 40, 15), (40, 50, 18), (50, 60, 20), (60, 70, 20), (70, 80, 12), (80, 92, 7)),
    "agency": ((23, 30, 12), (30, 40, 32), (40, 50, 30), (50, 61, 26)),
    "police": ((21, 30, 30), (30, 40, 35), (40, 50, 22), (50, 60, 13)),
    "military": ((20, 25, 30), (25, 35, 35), (35, 45, 22), (45, 55, 13)),
    "school": ((23, 30, 14), (30, 40, 32), (40, 50, 30), (50, 60, 24)),
    "university": ((25, 35, 30), (35, 45, 35), (45, 62, 35)),
    "student": ((19.5, 24, 1),),
    "health": ((24, 30, 15), (30, 40, 32), (40, 50, 28), (50, 60, 25)),
    "company": ((22, 30, 25), (30, 40, 38), (40, 50, 25), (50, 60, 12)),
    "coop": ((30, 40, 20), (40, 50, 30), (50, 60, 30), (60, 70, 20)),
    "state_company": ((23, 30, 15), (30, 40, 33), (40, 50, 30), (50, 60, 22)),
    "overseas": ((28, 40, 40), (40, 50, 35), (50, 60, 25)),
}
PROBATIONARY_AGES: Buckets = ((18.05, 25, 45), (25, 32, 35), (32, 45, 17), (45, 58, 3))  # at admission
EXEMPTED_AGES: Buckets = ((68, 75, 30), (75, 85, 50), (85, 95, 20))
DECEASED_AGES: Buckets = ((60, 70, 15), (70, 80, 35), (80, 90, 38), (90, 99, 12))
# age at the admission decision, for members admitted long ago
ADMISSION_AGES: dict[str, Buckets] = {
    "default": ((18.2, 25, 35), (25, 32, 38), (32, 40, 20), (40, 50, 7)),
    "military": ((18.5, 22, 60), (22, 28, 35), (28, 35, 5)),
    "police": ((19, 24, 50), (24, 30, 40), (30, 36, 10)),
    "student": ((18.3, 21, 1),),
}

WOMEN = {"village": 0.33, "urban": 0.40, "agency": 0.42, "police": 0.15, "military": 0.05,
         "school": 0.72, "university": 0.50, "student": 0.60, "health": 0.65, "company": 0.38,
         "coop": 0.25, "state_company": 0.30, "overseas": 0.35}
PROBATIONARY = {"student": 0.30, "military": 0.08, "police": 0.06, "company": 0.07}
EXEMPTED = {"village": 0.042, "urban": 0.042}
INACTIVE_RATE = 0.025  # extra rows of former members per active member
INACTIVE = Table([("deceased", 52), ("removed", 32), ("resigned", 12), ("expelled", 4)])

OCCUPATIONS: dict[str, Table[str]] = {
    "village": Table([("farmer", 45), ("freelance", 20), ("worker", 12), ("entrepreneur", 5),
                      ("enterprise_employee", 8), ("other", 10)]),
    "urban": Table([("freelance", 25), ("enterprise_employee", 25), ("entrepreneur", 10), ("worker", 10),
                    ("civil_servant", 5), ("teacher", 3), ("health", 2), ("other", 15)]),
    "agency": Table([("civil_servant", 1)]),
    "police": Table([("armed_forces", 1)]),
    "military": Table([("armed_forces", 1)]),
    "school": Table([("teacher", 90), ("civil_servant", 10)]),
    "university": Table([("teacher", 85), ("civil_servant", 15)]),
    "student": Table([("student", 1)]),
    "health": Table([("health", 90), ("civil_servant", 10)]),
    "company": Table([("enterprise_employee", 60), ("worker", 30), ("entrepreneur", 10)]),
    "coop": Table([("farmer", 50), ("enterprise_employee", 30), ("entrepreneur", 20)]),
    "state_company": Table([("enterprise_employee", 70), ("worker", 30)]),
    "overseas": Table([("civil_servant", 1)]),
}
CAREERS = Table([("civil_servant", 30), ("teacher", 15), ("armed_forces", 20), ("worker", 15),
                 ("farmer", 10), ("health", 5), ("enterprise_employee", 5)])

QUALIFICATIONS: dict[str, Table[str]] = {
    "village": Table([("none", 45), ("vocational", 20), ("college", 10), ("university", 25)]),
    "urban": Table([("none", 25), ("vocational", 20), ("college", 15), ("university", 35), ("master", 5)]),
    "agency": Table([("college", 3), ("university", 70), ("master", 25), ("doctorate", 2)]),
    "police": Table([("vocational", 15), ("college", 20), ("university", 55), ("master", 10)]),
    "school": Table([("college", 12), ("university", 80), ("master", 8)]),
    "university": Table([("university", 10), ("master", 55), ("doctorate", 35)]),
    "student": Table([("none", 1)]),
    "health": Table([("vocational", 10), ("college", 25), ("university", 50), ("master", 12), ("doctorate", 3)]),
    "company": Table([("none", 15), ("vocational", 25), ("college", 15), ("university", 45)]),
    "coop": Table([("none", 40), ("vocational", 35), ("college", 10), ("university", 15)]),
    "state_company": Table([("vocational", 15), ("college", 15), ("university", 60), ("master", 10)]),
    "overseas": Table([("university", 40), ("master", 50), ("doctorate", 10)]),
}
QUALIFICATIONS["military"] = QUALIFICATIONS["police"]

_LOCAL_THEORY = Table([("none", 25), ("elementary", 65), ("intermediate", 10)])
_STAFF_THEORY = Table([("none", 15), ("elementary", 70), ("intermediate", 15)])
THEORY: dict[str, Table[str]] = {
    "village": _LOCAL_THEORY, "urban": _LOCAL_THEORY, "coop": _LOCAL_THEORY,
    "agency": Table([("elementary", 35), ("intermediate", 45), ("advanced", 20)]),
    "police": Table([("elementary", 50), ("intermediate", 40), ("advanced", 10)]),
    "school": _STAFF_THEORY, "health": _STAFF_THEORY, "company": _STAFF_THEORY,
    "state_company": _STAFF_THEORY,
    "university": Table([("elementary", 40), ("intermediate", 30), ("advanced", 30)]),
    "student": Table([("none", 60), ("elementary", 40)]),
    "overseas": Table([("intermediate", 50), ("advanced", 50)]),
}
THEORY["military"] = THEORY["police"]
NEW_MEMBER_THEORY = Table([("none", 80), ("elementary", 20)])

OLD_RURAL_GRADES = Table([(12, 45), (10, 30), (9, 10), (7, 10), (5, 5)])
RURAL_GRADES = Table([(12, 85), (9, 12), (5, 3)])
LANGUAGES = Table([("Tiếng Anh B1", 40), ("Tiếng Anh B", 25), ("Tiếng Anh B2", 10), ("Tiếng Trung A2", 5),
                   ("Tiếng Nga B", 5), ("Tiếng Pháp B", 5), ("Tiếng Anh C", 5), ("Tiếng Hàn A2", 5)])
PHONE_PREFIXES = Table([(p, 1) for p in ("086", "096", "097", "098", "032", "033", "034", "035",
                                          "036", "037", "038", "039", "088", "091", "094", "081",
                                          "082", "083", "084", "085", "089", "090", "093", "070",
                                          "076", "077", "078", "079", "056", "058", "059")])


YEAR = 365.2425


def age_slots(buckets: Buckets) -> list[tuple[int, int]]:
    """Draw slots of (lowest age in days, span in days) for an age table."""
    return Table([((int(lo * YEAR), int((hi - lo) * YEAR)), w) for lo, hi, w in buckets]).slots


@dataclass(frozen=True)
class Flavor:
    """The tables of one flavour as draw slots (see :class:`~chibo.demo.sampling.Table`)."""

    name: str
    ages: list[tuple[int, int]]
    admission_ages: list[tuple[int, int]]
    women: float
    probationary: float
    exempted: float
    occupations: list[str]
    qualifications: list[str]
    theory: list[str]
    residential: bool
    educated: bool
    rural: bool


def flavors() -> dict[str, Flavor]:
    out = {}
    for name in AGES:
        adm = ADMISSION_AGES[name if name in ADMISSION_AGES else "default"]
        out[name] = Flavor(
            name=name, ages=age_slots(AGES[name]), admission_ages=age_slots(adm),
            women=WOMEN[name], probationary=PROBATIONARY.get(name, 0.052),
            exempted=EXEMPTED.get(name, 0.002), occupations=OCCUPATIONS[name].slots,
            qualifications=QUALIFICATIONS[name].slots, theory=THEORY[name].slots,
            residential=name in RESIDENTIAL, educated=name in EDUCATED,
            rural=name in RESIDENTIAL or name == "coop",
        )
    return out


PROBATIONARY_AGE_SLOTS = age_slots(PROBATIONARY_AGES)
EXEMPTED_AGE_SLOTS = age_slots(EXEMPTED_AGES)
DECEASED_AGE_SLOTS = age_slots(DECEASED_AGES)
