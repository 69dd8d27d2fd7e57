"""Text folding for accent-insensitive Vietnamese search (ARCHITECTURE.md §8).

``fold("Đặng Thị Ánh")`` gives ``"dang thi anh"``: lower case, combining marks stripped, and
``đ`` mapped to ``d`` (Unicode does not decompose it, so stripping marks alone misses it).
"""

from __future__ import annotations

import re
import unicodedata

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
