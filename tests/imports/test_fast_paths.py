"""The import's quick checks agree with the full rules they shortcut."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from chibo.core.text import normalize_name
from chibo.imports.members_check import _normalized_name
from chibo.members import rules

TODAY = dt.date(2026, 6, 15)
VALID = {
    "full_name": "Nguyễn Văn An", "sex": "M", "birth_date": dt.date(1985, 3, 15), "citizen_id": "001085000123",
    "phone": "0912345678", "ethnicity": "01", "religion": "none", "occupation": "teacher", "education_grade": 12,
    "status": "official", "admission_date": dt.date(2010, 5, 19), "ceremony_date": dt.date(2010, 6, 1),
    "official_date": dt.date(2011, 6, 1), "card_number": "12345678",
}
VARIANTS = {
    "full_name": ["", " ", "A", "An2", "Nguyễn  Văn", " An", "An ", "Lê-Văn", "Nguyễn\tAn", "Le Van A\u0301", "An²"],
    "sex": ["F", "", None, "X"],
    "birth_date": [None, dt.date(1899, 12, 31), dt.date(1900, 1, 1), dt.date(2010, 6, 1), dt.date(2010, 7, 1),
                   dt.date(2026, 6, 16), dt.date(1985, 3, 16)],
    "citizen_id": ["", None, "00108500012", "0010850001234", "000085000123", "097085000123", "096085000123",
                   "001485000123", "001185000123", "001285000123", "001086000123", "００1085000123", "001085000123\n"],
    "phone": ["", None, " ", "091 234 5678", "+84912345678", "12345", "09123456789", "091234567890"],
    "ethnicity": ["54", "99", "55", ""], "religion": ["buddhism", "x"], "occupation": ["other", "x"],
    "education_grade": [0, 13, -1, True, "12", None],
    "status": ["probationary", "exempted", "removed", "deceased", "x"],
    "admission_date": [None, dt.date(1984, 1, 1), dt.date(2011, 7, 1), dt.date(2026, 6, 16)],
    "ceremony_date": [None, dt.date(2010, 5, 18), dt.date(2026, 6, 16), dt.date(1980, 1, 1)],
    "official_date": [None, dt.date(2010, 5, 18), dt.date(2026, 6, 16), dt.date(2026, 6, 15)],
    "card_number": ["", None],
}


def _variants():
    yield dict(VALID)
    for field, values in VARIANTS.items():
        for value in values:
            yield {**VALID, field: value}
    for status, official, card in itertools.product(VARIANTS["status"] + ["official"], [None, VALID["official_date"]],
                                                    ["", "1"]):
        yield {**VALID, "status": status, "official_date": official, "card_number": card}


def test_profile_ok_holds_only_when_no_rule_finds_a_problem():
    oks = 0
    for data in _variants():
        if rules.profile_ok(data, today=TODAY):
            oks += 1
            assert rules.profile_problems(data, today=TODAY) == {}, data
    assert rules.profile_ok(VALID, today=TODAY) is True
    assert oks >= 10


@pytest.mark.parametrize("name", ["Nguyễn Văn An", " An ", "Nguyễn  Văn", "Le Van A\u0301", "Nguyễn\tAn",
                                  "An\u00a0Bình", "", "Lê-Văn", "An2"])
def test_normalized_name_is_normalize_name(name):
    assert _normalized_name(name) == normalize_name(name)
