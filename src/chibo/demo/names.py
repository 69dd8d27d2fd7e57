"""Realistic Vietnamese personal names for synthetic members.

Surname shares follow the published estimates (Nguyễn ~38%, Trần ~11%, Lê ~9.5%, …); the
Hoàng/Huỳnh and Vũ/Võ pairs are the same names spelled in the North and the South, so their
split depends on the region while their sum does not. Middle names depend on sex and, a little,
on the generation (fewer "Văn"/"Thị" among the young). Some ethnic minorities name differently:
the Mông put "A"/"Thị" after the clan name, the Ê Đê put "Y"/"H'" before the given name and the
clan name last.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from chibo.core.text import fold
from chibo.demo.sampling import BITS, Table


def _nfc(words: list[str]) -> list[str]:
    return [unicodedata.normalize("NFC", w) for w in words]


# (surname, percent of the population); Hoàng/Huỳnh and Vũ/Võ are given as pairs.
SURNAME_SHARES: list[tuple[str, float]] = [
    ("Nguyễn", 38.0), ("Trần", 11.0), ("Lê", 9.5), ("Phạm", 7.0), ("Hoàng/Huỳnh", 5.1),
    ("Phan", 4.5), ("Vũ/Võ", 3.9), ("Đặng", 2.1), ("Bùi", 2.0), ("Đỗ", 1.4), ("Hồ", 1.3),
    ("Ngô", 1.3), ("Dương", 1.0), ("Lý", 0.5),
]
# The remaining ~10.4%, roughly in order of frequency.
OTHER_SURNAMES = _nfc([
    "Đinh", "Trương", "Đoàn", "Trịnh", "Mai", "Lâm", "Lương", "Đào", "Cao", "Hà", "Lưu", "Tạ",
    "Tô", "Châu", "Chu", "Quách", "Vương", "Thái", "Phùng", "Kiều", "Triệu", "La", "Lại", "Tăng",
    "Kim", "Thân", "Từ", "Nông", "Hứa", "Diệp", "Mạc", "Khúc", "Tống", "Văn", "Giang", "Âu",
    "Lục", "Ninh", "Khổng", "Bạch",
])
OTHER_SHARE = 100.0 - sum(share for _name, share in SURNAME_SHARES)

# Northern share of the pair spelling (Hoàng, Vũ) by region.
NORTHERN_SPELLING = {"north": 0.92, "central": 0.55, "south": 0.12}

MALE_MIDDLE = _nfc([
    "Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Ngọc", "Công", "Xuân", "Quang", "Đình",
    "Trọng", "Tiến", "Mạnh", "Anh", "Hoàng", "Bá", "Duy", "Thế", "Gia", "Tuấn", "Trung", "Hải",
    "Khắc", "Việt", "Thành", "Kim", "Đăng", "Nhật", "Phúc",
])
FEMALE_MIDDLE = _nfc([
    "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Hồng", "Kim", "Mai", "Phương", "Bích", "Thúy",
    "Hải", "Diệu", "Khánh", "Bảo", "Quỳnh", "Lan", "Hoài", "Tuyết", "Xuân", "Mỹ", "Hương",
    "Thùy", "Cẩm", "Như", "Vân",
])
# Weights of the commonest middle names for people born before 1990 / from 1990 on.
MIDDLE_WEIGHTS = {
    ("M", "old"): {"Văn": 40, "Hữu": 6, "Đức": 6, "Minh": 5, "Quốc": 4, "Thanh": 4, "Ngọc": 3,
                   "Công": 4, "Xuân": 4, "Quang": 4, "Đình": 5, "Trọng": 3},
    ("M", "young"): {"Văn": 16, "Minh": 9, "Đức": 7, "Quốc": 5, "Hoàng": 4, "Duy": 4,
                     "Gia": 4, "Anh": 4, "Tuấn": 3, "Nhật": 3, "Thành": 3},
    ("F", "old"): {"Thị": 55, "Ngọc": 5, "Thu": 5, "Thanh": 5, "Hồng": 4, "Kim": 4, "Minh": 2},
    ("F", "young"): {"Thị": 22, "Ngọc": 8, "Thu": 6, "Thanh": 5, "Minh": 5, "Phương": 4,
                     "Khánh": 4, "Bảo": 3, "Quỳnh": 3, "Diệu": 2, "Hồng": 3},
}
# A second middle name ("Nguyễn Thị Thu Hà"), drawn after the first one.
SECOND_MIDDLE = {
    "M": _nfc(["Minh", "Quang", "Đức", "Anh", "Hoàng", "Thanh"]),
    "F": _nfc(["Thu", "Thanh", "Minh", "Hồng", "Ngọc", "Kim", "Bích", "Thúy", "Phương"]),
}
SECOND_MIDDLE_RATE = {"M": 0.06, "F": 0.16}

# Given names with a rough frequency weight (3 = common, 2 = usual, 1 = rarer).
MALE_GIVEN: list[tuple[str, int]] = [
    ("An", 2), ("Anh", 3), ("Bảo", 2), ("Bình", 3), ("Cường", 3), ("Chiến", 2), ("Công", 2),
    ("Dũng", 3), ("Duy", 2), ("Dương", 2), ("Đạt", 3), ("Đức", 3), ("Định", 1), ("Đông", 2),
    ("Giang", 2), ("Hải", 3), ("Hào", 1), ("Hiếu", 3), ("Hiển", 1), ("Hiệp", 2), ("Hòa", 2),
    ("Hoàng", 2), ("Huy", 3), ("Hùng", 3), ("Hưng", 3), ("Khang", 1), ("Khánh", 2), ("Khoa", 2),
    ("Khôi", 1), ("Kiên", 2), ("Lâm", 2), ("Lộc", 2), ("Long", 3), ("Lợi", 2), ("Luân", 1),
    ("Mạnh", 2), ("Minh", 3), ("Nam", 3), ("Nghĩa", 2), ("Nguyên", 2), ("Nhân", 2), ("Phát", 1),
    ("Phong", 2), ("Phúc", 2), ("Phương", 2), ("Quang", 2), ("Quân", 3), ("Quốc", 1), ("Quý", 1),
    ("Sơn", 3), ("Tài", 2), ("Tâm", 2), ("Tân", 2), ("Thắng", 3), ("Thành", 3), ("Thịnh", 2),
    ("Thông", 1), ("Tiến", 2), ("Toàn", 2), ("Trí", 2), ("Trung", 3), ("Trường", 2), ("Tuấn", 3),
    ("Tùng", 2), ("Vinh", 2), ("Việt", 2), ("Vũ", 1), ("Bằng", 1), ("Cảnh", 1), ("Chính", 1),
    ("Dân", 1), ("Hậu", 1), ("Hợp", 1), ("Lực", 1), ("Phú", 1), ("Sang", 1), ("Thuận", 2),
    ("Tú", 1), ("Tường", 1), ("Vĩnh", 1), ("Hạnh", 1), ("Khải", 1), ("Thái", 1),
]
FEMALE_GIVEN: list[tuple[str, int]] = [
    ("An", 2), ("Anh", 3), ("Bích", 1), ("Châu", 1), ("Chi", 2), ("Diệp", 1), ("Dung", 3),
    ("Duyên", 2), ("Giang", 2), ("Hà", 3), ("Hạnh", 3), ("Hằng", 3), ("Hân", 1), ("Hiền", 3),
    ("Hoa", 3), ("Hồng", 2), ("Huệ", 2), ("Hương", 3), ("Huyền", 3), ("Lan", 3), ("Liên", 2),
    ("Linh", 3), ("Loan", 2), ("Ly", 2), ("Mai", 3), ("My", 2), ("Nga", 3), ("Ngân", 2),
    ("Ngọc", 2), ("Nguyệt", 2), ("Nhàn", 1), ("Nhi", 2), ("Nhung", 2), ("Oanh", 2), ("Phương", 3),
    ("Phượng", 2), ("Quyên", 1), ("Quỳnh", 2), ("Sen", 1), ("Tâm", 2), ("Thảo", 3), ("Thắm", 1),
    ("Thanh", 2), ("Thơ", 1), ("Thủy", 3), ("Thúy", 2), ("Thư", 2), ("Thương", 2), ("Trang", 3),
    ("Trâm", 2), ("Trinh", 2), ("Tuyết", 2), ("Uyên", 1), ("Vân", 2), ("Vy", 2), ("Xuân", 2),
    ("Yến", 3), ("Hậu", 1), ("Hải", 1), ("Khánh", 1), ("Lệ", 1), ("Liễu", 1), ("Lụa", 1),
    ("Minh", 1), ("Nhã", 1), ("Như", 1), ("Thu", 2), ("Thùy", 1), ("Tú", 1), ("Vi", 1),
    ("Hòa", 1), ("Lý", 1), ("Hiên", 1), ("Hường", 2), ("Tươi", 1),
]

# Surnames of some ethnic minorities (General Statistics Office ethnicity codes).
MINORITY_SURNAMES: dict[str, list[str]] = {
    "02": _nfc(["Hoàng", "Nông", "Lương", "Hà", "Ma", "Lục", "Đàm", "Chu", "Bế", "Triệu", "Lộc"]),  # Tày
    "03": _nfc(["Lò", "Lường", "Quàng", "Cầm", "Vi", "Hà", "Tòng", "Điêu", "Bạc", "Lềm"]),  # Thái
    "04": _nfc(["Lâm", "Lý", "Trương", "Quách", "Hứa", "Mã", "Châu", "Diệp", "Tăng", "Vương"]),  # Hoa
    "05": _nfc(["Thạch", "Danh", "Sơn", "Kim", "Lâm", "Lý", "Chau", "Huỳnh"]),  # Khmer
    "06": _nfc(["Bùi", "Đinh", "Quách", "Hà", "Xa", "Cao", "Bạch"]),  # Mường
    "07": _nfc(["Hoàng", "Nông", "Lương", "Vy", "Mã", "Lăng", "Chu", "Hứa"]),  # Nùng
    "08": _nfc(["Giàng", "Vàng", "Sùng", "Thào", "Lý", "Hầu", "Mùa", "Vừ", "Hờ", "Lầu"]),  # Mông
    "09": _nfc(["Triệu", "Bàn", "Đặng", "Lý", "Chảo", "Phùng", "Tẩn"]),  # Dao
    "10": _nfc(["Ksor", "Rơ Mah", "Siu", "Rơ Châm", "Kpă", "Nay", "Puih", "Rơ Lan"]),  # Gia Rai
    "12": _nfc(["Niê", "Ayun", "Êban", "Mlô", "Byă", "Adrơng", "Ênuôl", "Hwing"]),  # Ê Đê
    "13": _nfc(["Đinh", "A", "Y", "Rơ", "Ksor"]),  # Ba Na
    "17": _nfc(["Thành", "Đạo", "Bá", "Quảng", "Lưu", "Thiên"]),  # Chăm
}
MONG_GIVEN = {
    "M": _nfc(["Páo", "Sính", "Dế", "Chứ", "Lử", "Súa", "Tủa", "Cở", "Vư", "Nhè", "Chính", "Pó"]),
    "F": _nfc(["Mỷ", "Pà", "Sua", "Dợ", "Mai", "Chá", "Xúa", "Mỉ", "Dính", "Dua", "Máy", "Say"]),
}
EDE_GIVEN = {
    "M": _nfc(["Bih", "Moan", "Ngông", "Jut", "Khoa", "Blô", "Dhăm", "Krôn", "Phôn", "Thanh", "Wai"]),
    "F": _nfc(["Hen", "Bla", "Nga", "Yam", "Lin", "Ruah", "Dơn", "Wer", "Yơn", "Hiên", "Ky"]),
}


@dataclass(frozen=True)
class Name:
    full: str
    folded: str


def _table(weighted: Sequence[tuple[str, float]]) -> Table[tuple[str, str]]:
    """A table of (word, folded word) pairs, so no name is ever folded twice."""
    return Table([((unicodedata.normalize("NFC", w), fold(w)), weight) for w, weight in weighted])


def surname_table(region: str) -> Table[tuple[str, str]]:
    north = NORTHERN_SPELLING[region]
    weighted: list[tuple[str, float]] = []
    for name, share in SURNAME_SHARES:
        if "/" in name:
            northern, southern = name.split("/")
            weighted += [(northern, share * north), (southern, share * (1 - north))]
        else:
            weighted.append((name, share))
    # the other surnames decline gently in frequency down the list
    ranks = [1.0 / (1 + i / 8) for i in range(len(OTHER_SURNAMES))]
    scale = OTHER_SHARE / sum(ranks)
    weighted += [(name, r * scale) for name, r in zip(OTHER_SURNAMES, ranks, strict=True)]
    return _table(weighted)


def _middle_table(sex: str, generation: str) -> Table[tuple[str, str]]:
    pool = MALE_MIDDLE if sex == "M" else FEMALE_MIDDLE
    weights = MIDDLE_WEIGHTS[(sex, generation)]
    return _table([(w, weights.get(w, 1)) for w in pool])


class NameSampler:
    """Draws full names; one instance per region, shared by every member drawn there."""

    def __init__(self, region: str = "north"):
        self.region = region
        self._pools: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
        self.surnames = surname_table(region)
        self.middle = {(s, g): _middle_table(s, g) for s in "MF" for g in ("old", "young")}
        self.second = {s: _table([(w, 1) for w in SECOND_MIDDLE[s]]) for s in "MF"}
        self.given = {"M": _table(MALE_GIVEN), "F": _table(FEMALE_GIVEN)}
        self.minority = {code: _table([(w, 1) for w in names]) for code, names in MINORITY_SURNAMES.items()}
        self.mong = {s: _table([(w, 1) for w in MONG_GIVEN[s]]) for s in "MF"}
        self.ede = {s: _table([(w, 1) for w in EDE_GIVEN[s]]) for s in "MF"}

    def pool(self, sex: str, generation: str, ethnicity: str = "01") -> list[tuple[str, str]]:
        """16,384 (full, folded) names drawn once: a draw from the pool is a single index.

        The bulk generators use pools (millions of draws); a pool is a fixed sample of the same
        distribution, built from its own seed so it is the same in every run.
        """
        key = (sex, generation, ethnicity)
        found = self._pools.get(key)
        if found is None:
            rng = random.Random(f"names:{self.region}:{sex}:{generation}:{ethnicity}")
            year = 1970 if generation == "old" else 1995
            found = self._pools[key] = [self.draw_pair(rng.getrandbits, rng.random, sex, year, ethnicity)
                                        for _ in range(1 << BITS)]
        return found

    def draw(self, rng: random.Random, sex: str, birth_year: int, ethnicity: str = "01") -> Name:
        return Name(*self.draw_pair(rng.getrandbits, rng.random, sex, birth_year, ethnicity))

    def draw_pair(self, g, rnd, sex: str, birth_year: int, ethnicity: str = "01") -> tuple[str, str]:
        """(full name, folded name) given ``rng.getrandbits`` and ``rng.random`` (the hot path)."""
        if ethnicity != "01":
            if ethnicity == "08":
                return self._mong(g, sex)
            if ethnicity == "12":
                return self._ede(g, sex)
            family = self.minority.get(ethnicity, self.surnames).slots
        else:
            family = self.surnames.slots
        sur, sur_f = family[g(BITS)]
        middle = self.middle[(sex, "old" if birth_year < 1990 else "young")].slots
        mid, mid_f = middle[g(BITS)]
        if rnd() < SECOND_MIDDLE_RATE[sex]:
            second = self.second[sex].slots
            word, word_f = second[g(BITS)]
            if word != mid:
                mid, mid_f = f"{mid} {word}", f"{mid_f} {word_f}"
        given = self.given[sex].slots
        first, first_f = given[g(BITS)]
        return f"{sur} {mid} {first}", f"{sur_f} {mid_f} {first_f}"

    def _mong(self, g, sex: str) -> tuple[str, str]:
        family, given = self.minority["08"].slots, self.mong[sex].slots
        sur, sur_f = family[g(BITS)]
        first, first_f = given[g(BITS)]
        mid, mid_f = ("A", "a") if sex == "M" else ("Thị", "thi")
        return f"{sur} {mid} {first}", f"{sur_f} {mid_f} {first_f}"

    def _ede(self, g, sex: str) -> tuple[str, str]:
        family, given = self.minority["12"].slots, self.ede[sex].slots
        sur, sur_f = family[g(BITS)]
        first, first_f = given[g(BITS)]
        if sex == "M":
            return f"Y {first} {sur}", f"y {first_f} {sur_f}"
        return f"H'{first} {sur}", f"h'{first_f} {sur_f}"


def surname_of(full_name: str) -> str:
    """The family name as counted in the statistics (first word, or the Ê Đê last word)."""
    words = full_name.split()
    return words[-1] if words[0] == "Y" or words[0].startswith("H'") else words[0]
