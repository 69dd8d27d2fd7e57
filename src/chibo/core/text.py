"""Text folding for accent-insensitive Vietnamese search (ARCHITECTURE.md §8), and the rules
for text a person typed (below: what every interface refuses).

``fold("Đặng Thị Ánh")`` gives ``"dang thi anh"``: lower case, combining marks stripped, and
``đ`` mapped to ``d`` (Unicode does not decompose it, so stripping marks alone misses it).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_SPACES = re.compile(r"\s+")
_TRANSLATE = str.maketrans({"đ": "d", "Đ": "d", "ð": "d"})


def fold(text: str | None) -> str:
    """Return the search key of ``text``: lower case, no diacritics, single spaces."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.translate(_TRANSLATE).lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip()


def normalize_name(text: str) -> str:
    """A person's or unit's name as stored: NFC, single spaces, no outer spaces."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix``.

    Lets a prefix search run as an index range ``key >= p AND key < bound`` on both engines.
    """
    if not prefix:
        raise ValueError("empty prefix")
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


# ---- the rules for text a person typed ------------------------------------------------------
#
# Every interface applies them where text enters (the import's cell parser, the forms' base
# class, the API's string types): a control character, an invisible formatting character (a
# right-to-left override, a zero-width space), a character that is not in use (unassigned,
# private use, half a surrogate pair) or a value made only of invisible characters is refused
# with its position, so that it never reaches a page, a spreadsheet or PostgreSQL (which refuses
# NUL outright). Names and places also cannot start with a sign a spreadsheet reads as a formula.

LINE_BREAKS = "\t\n\r"  # allowed in multi-line text (comments, minutes, notes)
ZERO_WIDTH_JOINER = "\u200d"  # joins emoji in a comment: allowed in multi-line text
FORMULA_SIGNS = ("=", "+", "-", "@")  # a name or place cannot start with one
# Unicode newer than this Python's database: pictographs assigned since (emoji a phone offers)
_LATER_PICTOGRAPHS = range(0x1F000, 0x1FB00)
# letters and signs that show nothing: a value made only of them (and spaces, marks) is blank
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")


def _visible(ch: str) -> bool:
    return not (ch.isspace() or ch in _BLANK_LOOKING or unicodedata.combining(ch)
                or unicodedata.category(ch) in ("Cf", "Mn", "Me"))


def _code(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def _character_problem(ch: str, position: int, *, multiline: bool) -> str | None:
    category = unicodedata.category(ch)
    if category[0] not in "CZ" or category == "Zs":
        return None
    values = {"code": _code(ch), "position": position}
    if category == "Cc" or category in ("Zl", "Zp"):
        if multiline and (ch in LINE_BREAKS or category != "Cc"):
            return None
        return _("The text contains a control character (%(code)s) at position %(position)d: "
                 "delete it and type the text again.") % values
    if category == "Cf":
        if multiline and ch == ZERO_WIDTH_JOINER:
            return None
        return _("The text contains an invisible formatting character (%(code)s) at position %(position)d: "
                 "delete it and type the text again.") % values
    if category == "Cn" and ord(ch) in _LATER_PICTOGRAPHS:
        return None
    return _("The text contains a character that is not in use (%(code)s) at position %(position)d: "
             "delete it and type the text again.") % values


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """What is wrong with ``value`` as text a person typed (translated), or None.

    Spaces, tabs and line breaks around the value are ignored (every interface strips them);
    positions count characters from 1 in ``value`` as given.
    """
    start = len(value) - len(value.lstrip())
    core = value[start:len(value.rstrip())]
    if not core:
        return None
    if not core.isprintable():  # C speed for the common text; a closer look otherwise
        for index, ch in enumerate(core, start=start + 1):
            problem = _character_problem(ch, index, multiline=multiline)
            if problem:
                return problem
    if not _visible(core[0]) and not any(map(_visible, core)):
        return _("The text is made only of invisible characters: type it again with letters, "
                 "or leave it empty.")
    return None


def name_problem(value: str) -> str | None:
    """:func:`text_problem` for a name or a place (single line), which also cannot start with a
    sign a spreadsheet reads as a formula (= + - @)."""
    problem = text_problem(value)
    if problem is None and value.strip().startswith(FORMULA_SIGNS):
        return _("A name or place cannot start with “%(sign)s”: delete the sign at the start.") % {
            "sign": value.strip()[0]}
    return problem


def plainly_text(value: str) -> bool:
    """A quick test for the common value (stripped, not empty), right for a name too: True means
    :func:`text_problem` and :func:`name_problem` find nothing (it starts with a letter or a digit
    that shows, and holds only printable characters); False means "ask them"."""
    first = value[0]
    return first.isalnum() and first not in _BLANK_LOOKING and value.isprintable()


def too_long_problem(value: str, limit: int) -> str | None:
    """The message for a value longer than ``limit`` characters (with both numbers), or None."""
    if len(value) <= limit:
        return None
    return _("At most %(n)d characters (this has %(m)d).") % {"n": limit, "m": len(value)}


# Fields holding a name or a place (of a person, a unit, a body): the import's columns, the forms'
# fields and the API's inputs of these names follow :func:`name_problem`.
NAME_FIELDS = frozenset({"full_name", "birth_name", "name", "home_town", "birth_place", "residence",
                         "ceremony_place", "place", "issuing_body", "certificate_issuer"})


def is_name_field(field_name: str) -> bool:
    return field_name in NAME_FIELDS or field_name.endswith("_name")


def _raising(check: Any) -> Any:
    def validate(value: Any) -> None:
        problem = check(value) if isinstance(value, str) else None
        if problem:
            raise ValidationError(problem, code="text")
    return validate


validate_text = _raising(text_problem)
validate_multiline_text = _raising(lambda value: text_problem(value, multiline=True))
validate_name = _raising(name_problem)
