"""How official papers name a unit: ``Chi bộ Giáo viên 1``, its committee ``Đảng ủy xã Đông Sơn``,
the letterhead ``ĐẢNG BỘ XÃ ĐÔNG SƠN`` and the place line ``Đông Sơn, ngày 09 tháng 10 năm 2024``.
Shared by the admission forms and the review forms (Vietnamese by nature, not translated)."""

from __future__ import annotations

import datetime as dt

from chibo.core.word import BLANK, long_date
from chibo.org.enums import UnitKind
from chibo.org.models import Unit

PLACE_PREFIXES = ("đảng bộ", "xã", "phường", "thị trấn", "đặc khu", "tỉnh", "thành phố")
PARTY_PREFIXES = ("chi bộ ", "đảng bộ ", "đảng ủy ", "tổ đảng ")
# a unit named after a place or an institution: "Xã Đông Sơn" becomes "Đảng bộ xã Đông Sơn"
COMMON_NOUNS = ("xã ", "phường ", "thị trấn ", "đặc khu ", "tỉnh ", "thành phố ", "thôn ", "bản ", "ấp ",
                "khu phố ", "tổ dân phố ", "trường ", "công ty ")


def place_date(unit: Unit, on: dt.date) -> str:
    """``Đông Sơn, ngày 09 tháng 10 năm 2024``: the place is the commune (else the province) above."""
    return f"{place(unit) or BLANK}, ngày {long_date(on)}"


def place(unit: Unit | None) -> str:
    chain = ancestry(unit)
    found = next((u for u in chain if u.kind == UnitKind.COMMUNE), None) \
        or next((u for u in chain if u.kind == UnitKind.PROVINCE), None)
    if found is None:
        return ""
    name, stripped = found.name, True
    while stripped:
        stripped = False
        for prefix in PLACE_PREFIXES:
            if name.lower().startswith(prefix + " "):
                name, stripped = name[len(prefix) + 1:], True
    return name


def ancestry(unit: Unit | None) -> list[Unit]:
    """``unit`` and the units above it, nearest first."""
    chain = []
    while unit is not None:
        chain.append(unit)
        unit = unit.parent
    return chain


def titled(prefix: str, unit: Unit) -> str:
    """The unit's name as stored, with ``prefix`` ("Chi bộ", "Đảng bộ") when it has no such word."""
    name = unit.name
    if name.lower().startswith(PARTY_PREFIXES):
        return name
    if name.lower().startswith(COMMON_NOUNS):
        name = name[:1].lower() + name[1:]
    return f"{prefix} {name}"


def committee(unit: Unit) -> str:
    """The unit's executive committee, which issues its papers: ``Đảng ủy xã Đông Sơn``."""
    name = titled("Đảng bộ", unit)
    return "Đảng ủy" + name[len("Đảng bộ"):] if name.lower().startswith("đảng bộ ") else name


def heading(unit: Unit) -> str:
    """A unit as a form's letterhead names it: ``CHI BỘ GIÁO VIÊN 1``, ``ĐẢNG BỘ XÃ ĐÔNG SƠN``."""
    return titled(party_word(unit), unit).upper()


def party_word(unit: Unit) -> str:
    """``Chi bộ`` for a cell, ``Đảng bộ`` for a committee's organization."""
    return "Chi bộ" if unit.kind in UnitKind.member_holding() else "Đảng bộ"


def headings(parent: Unit | None, unit: Unit) -> list[str]:
    """The letterhead: the unit above (not the Centre), then the issuing unit."""
    above = [heading(parent)] if parent is not None and parent.kind != UnitKind.CENTRAL else []
    return [*above, heading(unit)]
