"""Realistic Vietnamese names: surname shares, middle and given names by sex, folding."""

from __future__ import annotations

import random
import unicodedata
from collections import Counter

import pytest

from chibo.core.text import fold
from chibo.demo.names import FEMALE_GIVEN, MALE_GIVEN, NameSampler, surname_of
from chibo.demo.sampling import SIZE, Table

# published share (%) and the tolerance allowed on 10,000 names (about three standard deviations)
EXPECTED = {
    "Nguyễn": (38.0, 1.5), "Trần": (11.0, 1.0), "Lê": (9.5, 0.9), "Phạm": (7.0, 0.8),
    "Hoàng/Huỳnh": (5.1, 0.7), "Phan": (4.5, 0.65), "Vũ/Võ": (3.9, 0.6), "Đặng": (2.1, 0.45),
    "Bùi": (2.0, 0.45), "Đỗ": (1.4, 0.4), "Hồ": (1.3, 0.35), "Ngô": (1.3, 0.35), "Dương": (1.0, 0.3),
    "Lý": (0.5, 0.22),
}
PAIRS = {"Hoàng": "Hoàng/Huỳnh", "Huỳnh": "Hoàng/Huỳnh", "Vũ": "Vũ/Võ", "Võ": "Vũ/Võ"}


def _surname_shares(region: str, seed: int, n: int = 10_000) -> dict[str, float]:
    sampler, rng = NameSampler(region), random.Random(seed)
    counts = Counter()
    for i in range(n):
        sex = "F" if i % 3 == 0 else "M"
        name = sampler.draw(rng, sex, 1960 + i % 45)
        surname = surname_of(name.full)
        counts[PAIRS.get(surname, surname)] += 1
    return {k: 100 * v / n for k, v in counts.items()}


@pytest.mark.parametrize("region", ["north", "central", "south"])
def test_surname_shares_match_the_published_estimates_on_10000_names(region):
    shares = _surname_shares(region, seed=11)
    for surname, (expected, tolerance) in EXPECTED.items():
        assert abs(shares.get(surname, 0.0) - expected) <= tolerance, (surname, shares.get(surname))
    others = 100 - sum(shares.get(s, 0.0) for s in EXPECTED)
    assert 8.5 <= others <= 12.5


def test_hoang_is_northern_and_huynh_southern_spelling():
    def count(region: str) -> Counter:
        sampler, rng = NameSampler(region), random.Random(5)
        return Counter(surname_of(sampler.draw(rng, "M", 1970).full) for _ in range(10_000))

    north, south = count("north"), count("south")
    assert north["Hoàng"] > 5 * north["Huỳnh"]
    assert south["Huỳnh"] > 5 * south["Hoàng"]
    assert north["Vũ"] > 5 * north["Võ"]
    assert south["Võ"] > 5 * south["Vũ"]


def test_there_are_at_least_60_given_names_for_each_sex():
    assert len({n for n, _w in MALE_GIVEN}) >= 60
    assert len({n for n, _w in FEMALE_GIVEN}) >= 60
    assert len(MALE_GIVEN) == len({n for n, _w in MALE_GIVEN})
    assert len(FEMALE_GIVEN) == len({n for n, _w in FEMALE_GIVEN})


def test_middle_names_follow_sex_and_generation():
    sampler, rng = NameSampler("north"), random.Random(3)
    older_women = Counter(sampler.draw(rng, "F", 1965).full.split()[1] for _ in range(5_000))
    younger_women = Counter(sampler.draw(rng, "F", 2000).full.split()[1] for _ in range(5_000))
    men = Counter(sampler.draw(rng, "M", 1975).full.split()[1] for _ in range(5_000))
    assert older_women.most_common(1)[0][0] == "Thị"
    assert older_women["Thị"] > younger_women["Thị"]
    assert men.most_common(1)[0][0] == "Văn"
    assert men["Thị"] == 0
    assert older_women["Văn"] == 0


def test_names_are_nfc_and_their_folded_key_is_the_search_key():
    sampler, rng = NameSampler("south"), random.Random(9)
    for i in range(3_000):
        ethnicity = ("01", "02", "03", "05", "08", "10", "12")[i % 7]
        name = sampler.draw(rng, "MF"[i % 2], 1950 + i % 55, ethnicity)
        assert unicodedata.normalize("NFC", name.full) == name.full
        assert fold(name.full) == name.folded
        assert len(name.full.split()) >= 2


def test_minorities_name_in_their_own_way():
    sampler, rng = NameSampler("north"), random.Random(1)
    mong_man = sampler.draw(rng, "M", 1980, "08").full.split()
    ede_woman = sampler.draw(rng, "F", 1980, "12").full
    ede_man = sampler.draw(rng, "M", 1980, "12").full
    assert mong_man[1] == "A"
    assert ede_woman.startswith("H'")
    assert ede_man.startswith("Y ")


def test_a_table_has_exactly_16384_slots_and_keeps_rare_items():
    table = Table([("common", 99.99), ("rare", 0.001)])
    assert len(table.slots) == SIZE == 16384
    assert table.probability("rare") == 1 / SIZE
    assert table.probability("common") == (SIZE - 1) / SIZE
