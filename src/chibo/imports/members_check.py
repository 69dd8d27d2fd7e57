"""Checking member rows: each row against the registry's own rules, in chunks.

This part needs no database: the units in the actor's import scope are looked up in memory, and
repeated citizen IDs and card numbers within the file are found in compact arrays. It runs in a
child process for large files (see ``imports.process``) and sends a :class:`Chunk` per few
thousand rows to the importer (``members_import``), which looks up the database, writes the rows
(prepared here as inserted, ids included) and keeps the tallies.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from chibo.core.text import fold, normalize_name
from chibo.imports.importer import Importer
from chibo.imports.members_write import SPOOL_COLUMNS
from chibo.imports.readers import Table
from chibo.imports.report import ErrorLog
from chibo.imports.spool import KeyIndex, text_key
from chibo.members import rules
from chibo.members.enums import PlacementKind, Status
from chibo.org.enums import UnitKind

CHUNK = 2_000
DATE_COLUMNS = frozenset({"birth_date", "admission_date", "ceremony_date", "official_date", "status_since"})
DATE_POSITIONS = tuple(i for i, c in enumerate(SPOOL_COLUMNS) if c in DATE_COLUMNS)
SPOOL_GETTER = itemgetter(*SPOOL_COLUMNS)
HOLDING = UnitKind.member_holding()
# plain values: an enum attribute costs a lookup on every row
OFFICIAL, PROBATIONARY, DECEASED = Status.OFFICIAL.value, Status.PROBATIONARY.value, Status.DECEASED.value
OFFICIAL_PLACEMENT = PlacementKind.OFFICIAL.value

UnitInfo = tuple[int, str, str, str, bool, dt.date]  # id, path, sector, kind, open, opened on


@dataclass(frozen=True)
class RowIds:
    """Where the prepared rows start: the first free ids, and the time stamp of every row."""

    member: int
    placement: int
    now: Any  # as the database adapter takes it


@dataclass
class Chunk:
    """What checking a run of rows found."""

    rows: int = 0  # data rows read (blank rows are skipped)
    errors: ErrorLog = field(default_factory=ErrorLog)
    keys: list[tuple[int, str | None, str | None]] = field(default_factory=list)  # row, citizen ID, card
    members: list[tuple] = field(default_factory=list)  # rows to insert; none after a wrong row
    placements: list[tuple] = field(default_factory=list)  # one per member row
    kinds: dict[tuple, int] = field(default_factory=dict)  # (cell path, tally inputs) → rows


def _normalized_name(name: str) -> str:
    """``normalize_name``, skipped for the common name that is already normalised: NFC,
    letters and single inner spaces only."""
    if (not name or name[0] == " " or name[-1] == " " or "  " in name or not name.replace(" ", "").isalpha()
            or not unicodedata.is_normalized("NFC", name)):
        return normalize_name(name)
    return name


def _status_since(data: dict[str, Any]) -> dt.date | None:
    """The date the status began, from the party dates (as ``members.services.create_member``)."""
    status = data["status"]
    if status == OFFICIAL:
        return data["official_date"]
    if status == PROBATIONARY:
        return data["ceremony_date"] or data["admission_date"]
    return None


class MemberChecker:
    """Reads the rows of a table through ``parser`` (an importer with its header bound; its
    ``log`` is taken over for the errors of each chunk) and checks them."""

    def __init__(self, parser: Importer, units: dict[str, UnitInfo], today: dt.date, ids: RowIds):
        self.parser = parser
        self.units = units
        self.today = today
        self.ids = ids
        self.prepared = 0
        self.wrong = False  # a row was wrong: the file is rejected, stop preparing rows
        self.citizen_ids, self.cards = KeyIndex(), KeyIndex()  # duplicates within the file
        self._folded: dict[str, str] = {}

    def chunks(self, table: Table, size: int = CHUNK) -> Iterator[Chunk]:
        parser = self.parser
        chunk = Chunk()
        parser.log = chunk.errors
        for number, data, failed in parser.parsed(table):
            chunk.rows += 1
            if data is not None:
                self.check(number, data, failed, chunk)
            self.wrong = self.wrong or bool(chunk.errors)
            if chunk.rows >= size:
                yield chunk
                chunk = Chunk()
                parser.log = chunk.errors
        self._duplicates(chunk.errors)
        yield chunk

    def _duplicates(self, errors: ErrorLog) -> None:
        for number, first in self.citizen_ids.duplicates():
            errors.add(number, "citizen_id", _("This citizen ID is already in row %(row)d of this file.")
                       % {"row": first})
        for number, first in self.cards.duplicates():
            errors.add(number, "card_number", _("This party card number is already in row %(row)d of this file.")
                       % {"row": first})

    def check(self, number: int, data: dict[str, Any], failed: set[str], chunk: Chunk) -> None:
        data["full_name"] = _normalized_name(data["full_name"])
        if data["card_number"] == "":
            data["card_number"] = None
        errors = self._profile_errors(data, failed)
        unit = self._unit(data, failed, errors)
        if data["placed_on"] is not None:
            self._placement(data, unit, errors)
        for column, message in errors:
            chunk.errors.add(number, column, message)
        bad = failed | {c for c, _m in errors} if errors else failed
        cid = data.get("citizen_id")
        card = data.get("card_number")
        if cid and ("citizen_id" in bad or data.get("status") == DECEASED):
            cid = None
        if card and "card_number" in bad:
            card = None
        if cid:
            self.citizen_ids.add(int(cid), number)
        if card:
            self.cards.add(text_key(card), number)
        if cid or card:
            chunk.keys.append((number, cid or None, card or None))
        if unit is not None and not errors and not self.wrong:
            self._prepare(data, unit, chunk)

    def _profile_errors(self, data: dict[str, Any], failed: set[str]) -> list[tuple[str, Any]]:
        errors: list[tuple[str, Any]] = []
        if failed or not rules.profile_ok(data, today=self.today):
            for field_name, messages in rules.profile_problems(data, today=self.today).items():
                if field_name not in failed:
                    errors.extend((field_name, m) for m in messages)
        if data.get("email") and "email" not in failed:
            try:
                validate_email(data["email"])
            except ValidationError:
                errors.append(("email", _("Enter a valid e-mail address.")))
        return errors

    def _unit(self, data: dict[str, Any], failed: set[str], errors: list) -> UnitInfo | None:
        if "unit_code" in failed:
            return None
        code = data["unit_code"]
        unit = self.units.get(code)
        if unit is None:
            errors.append(("unit_code", _("Unknown unit %(code)s.") % {"code": code}))
        elif unit[3] not in HOLDING:
            errors.append(("unit_code", _("Members are placed in a cell or a grassroots cell.")))
        elif not unit[4]:
            errors.append(("unit_code", _("This unit is closed; choose its successor.")))
        else:
            return unit
        return None

    def _placement(self, data: dict[str, Any], unit: UnitInfo | None, errors: list) -> None:
        placed = data["placed_on"]
        if placed > self.today:
            errors.append(("placed_on", _("This date is in the future.")))
        elif unit is not None and placed < unit[5]:
            errors.append(("placed_on", _("The cell opened on %(date)s: the member cannot be placed there earlier.")
                           % {"date": unit[5].isoformat()}))
        birth = data["birth_date"]
        if birth is not None and placed < birth:
            errors.append(("placed_on", _("This date is before the date of birth.")))

    def _fold(self, name: str) -> str:
        """``fold`` word by word through a cache: names repeat a small vocabulary of words."""
        cache = self._folded
        words = []
        for word in name.split(" "):
            folded = cache.get(word)
            if folded is None:
                folded = cache[word] = fold(word)
            if folded:
                words.append(folded)
        return " ".join(words)

    def _prepare(self, data: dict[str, Any], unit: UnitInfo, chunk: Chunk) -> None:
        """The member row and its placement as inserted (``MEMBER_TABLE_COLUMNS``,
        ``PLACEMENT_TABLE_COLUMNS``), and the row's tally kind."""
        unit_id, path, sector = unit[0], unit[1], unit[2]
        data["name_folded"] = self._fold(data["full_name"])
        placed = data["placed_on"]
        data["status_since"] = _status_since(data) or placed or self.today
        data["unit_id"], data["unit_path"] = unit_id, path
        row = list(SPOOL_GETTER(data))
        for i in DATE_POSITIONS:
            if row[i] is not None:
                row[i] = row[i].isoformat()
        if placed is None:  # from the admission, but not before the cell opened
            placed = max(data["admission_date"] or self.today, unit[5])
        ids, n = self.ids, self.prepared
        member_id = ids.member + n
        chunk.members.append((member_id, *row, None, ids.now, ids.now))
        chunk.placements.append((ids.placement + n, member_id, unit_id, OFFICIAL_PLACEMENT, placed.isoformat(),
                                 None, ""))
        self.prepared = n + 1
        key = (path, data["status"], data["sex"], data["ethnicity"], data["religion"], data["youth_union"],
               data["occupation"], sector)
        chunk.kinds[key] = chunk.kinds.get(key, 0) + 1
