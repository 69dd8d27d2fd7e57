"""Importing members: every row checked by the registry's own rules, written in bulk.

The check keeps only what it needs: the units in the actor's import scope (code → id, path,
sector, kind, open), compact arrays of citizen IDs and card numbers (duplicates in the file),
per-cell tally counts. Citizen IDs and card numbers are checked against the database in
batches. Checked rows are written while the next ones are checked (see ``members_write``), all
in one transaction that is rolled back if any row is wrong; then the counts are added to the
tallies and one audit line is written.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from operator import itemgetter
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.accounts.roles import Perm
from chibo.core import audit
from chibo.core.text import fold, normalize_name
from chibo.imports import tallying
from chibo.imports.columns import MEMBER_COLUMNS
from chibo.imports.importer import Importer, Progress, clash_message, common_path, lock_tables
from chibo.imports.members_write import SPOOL_COLUMNS, DirectSink, MemberWriter
from chibo.imports.readers import Table
from chibo.imports.spool import KeyIndex, text_key
from chibo.members import rules, tallies
from chibo.members.enums import Status
from chibo.members.models import Member
from chibo.org.enums import UnitKind
from chibo.org.models import Unit

DATE_COLUMNS = frozenset({"birth_date", "admission_date", "ceremony_date", "official_date", "status_since"})
DATE_POSITIONS = tuple(i for i, c in enumerate(SPOOL_COLUMNS) if c in DATE_COLUMNS)
SPOOL_GETTER = itemgetter(*SPOOL_COLUMNS)
UNIT_ID = SPOOL_COLUMNS.index("unit_id")
DB_BATCH = 2_000
HOLDING = UnitKind.member_holding()
# plain values: an enum attribute costs a lookup on every row
OFFICIAL, PROBATIONARY, DECEASED = Status.OFFICIAL.value, Status.PROBATIONARY.value, Status.DECEASED.value

UnitInfo = tuple[int, str, str, str, bool, dt.date]  # id, path, sector, kind, open, opened on


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


class MemberImporter(Importer):
    kind = "members"
    columns = MEMBER_COLUMNS
    permission = Perm.MEMBERS_IMPORT

    def __init__(self, actor: Any):
        super().__init__(actor)
        self.today = timezone.localdate()
        self.units: dict[str, UnitInfo] = {
            code: (pk, path, sector, kind, closed is None, opened)
            for code, pk, path, sector, kind, closed, opened in Unit.objects.filter(self.scope.q("path"))
            .values_list("code", "id", "path", "sector", "kind", "closed_on", "opened_on").iterator(chunk_size=5000)
        }
        self.citizen_ids, self.cards = KeyIndex(), KeyIndex()
        self.check_db = Member.objects.exists()
        self.existing_below: int | None = None  # while writing as we go: our own rows are not "taken"
        self.sink: Any = self.spool
        self.pending_ids: list[tuple[int, str]] = []
        self.pending_cards: list[tuple[int, str]] = []
        self._kinds: dict[tuple, int] = {}  # (cell path, the tally inputs of a row) → rows
        self.used: dict[int, UnitInfo] = {}
        self._folded: dict[str, str] = {}
        self._vectors: dict[tuple, list[tuple[int, int]]] = {}

    # -- pass 1 -------------------------------------------------------------------------------

    def check(self, number: int, data: dict[str, Any], failed: set[str]) -> None:
        data["full_name"] = _normalized_name(data["full_name"])
        if data["card_number"] == "":
            data["card_number"] = None
        errors = self._profile_errors(data, failed)
        unit = self._unit(data, failed, errors)
        if data["placed_on"] is not None:
            self._placement(data, unit, errors)
        if errors:
            for column, message in errors:
                self.log.add(number, column, message)
            failed = failed | {c for c, _m in errors}
        self._remember_keys(number, data, failed)
        if self.log.count:
            self.sink.stop()  # the file is rejected: keep checking, stop writing
        elif unit is not None:
            self._spool(data, unit)

    def _profile_errors(self, data: dict[str, Any], failed: set[str]) -> list[tuple[str, Any]]:
        errors: list[tuple[str, Any]] = []
        if failed or not rules.profile_ok(data, today=self.today):
            for field, messages in rules.profile_problems(data, today=self.today).items():
                if field not in failed:
                    errors.extend((field, m) for m in messages)
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
        if placed is None:
            return
        if placed > self.today:
            errors.append(("placed_on", _("This date is in the future.")))
        elif unit is not None and placed < unit[5]:
            errors.append(("placed_on", _("The cell opened on %(date)s: the member cannot be placed there earlier.")
                           % {"date": unit[5].isoformat()}))
        birth = data["birth_date"]
        if birth is not None and placed < birth:
            errors.append(("placed_on", _("This date is before the date of birth.")))

    def _remember_keys(self, number: int, data: dict[str, Any], bad: set[str]) -> None:
        cid = data.get("citizen_id")
        if cid and "citizen_id" not in bad and data.get("status") != DECEASED:
            self.citizen_ids.add(int(cid), number)
            if self.check_db:
                self.pending_ids.append((number, cid))
        card = data.get("card_number")
        if card and "card_number" not in bad:
            self.cards.add(text_key(card), number)
            if self.check_db:
                self.pending_cards.append((number, card))
        if len(self.pending_ids) >= DB_BATCH or len(self.pending_cards) >= DB_BATCH:
            self._check_database()

    def _check_database(self) -> None:
        if not (self.pending_ids or self.pending_cards):
            return
        self.sink.drain()  # the writer thread shares the connection: wait until it is idle
        existing = Member.objects.all() if self.existing_below is None else Member.objects.filter(
            pk__lt=self.existing_below)
        living = existing.exclude(status=Status.DECEASED)
        if self.pending_ids:
            taken: set[Any] = set(living.filter(citizen_id__in=[c for _n, c in self.pending_ids])
                        .values_list("citizen_id", flat=True))
            for number, cid in self.pending_ids:
                if cid in taken:
                    self.log.add(number, "citizen_id", _("Another living member already has this citizen ID."))
        if self.pending_cards:
            taken = set(existing.filter(card_number__in=[c for _n, c in self.pending_cards])
                        .values_list("card_number", flat=True))
            for number, card in self.pending_cards:
                if card in taken:
                    self.log.add(number, "card_number", _("Another member already has this party card number."))
        self.pending_ids, self.pending_cards = [], []

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

    def _spool(self, data: dict[str, Any], unit: UnitInfo) -> None:
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
        row.append(placed.isoformat())
        self.sink.append(row)
        self.used[unit_id] = unit
        key = (path, data["status"], data["sex"], data["ethnicity"], data["religion"], data["youth_union"],
               data["occupation"], sector)
        self._kinds[key] = self._kinds.get(key, 0) + 1

    def _direct(self) -> dict[str, list[int]]:
        """Per-cell tally counts (cell path → counts) of the rows spooled so far."""
        direct: dict[str, list[int]] = {}
        for (path, *inputs), rows in self._kinds.items():
            acc = direct.get(path)
            if acc is None:
                acc = direct[path] = tallying.empty()
            for i, n in self._vector(tuple(inputs)):
                acc[i] += n * rows
        return direct

    def _vector(self, key: tuple) -> list[tuple[int, int]]:
        """``tallies.vector`` of a kind of row as (tally index, count) pairs, cached by its inputs."""
        pairs = self._vectors.get(key)
        if pairs is None:
            vector = tallies.vector(status=key[0], sex=key[1], ethnicity=key[2], religion=key[3],
                                    youth_union=key[4], occupation=key[5], sector=key[6])
            pairs = self._vectors[key] = [(tallying.INDEX[k], n) for k, n in vector.items()]
        return pairs

    def finish(self) -> None:
        self._check_database()
        for number, first in self.citizen_ids.duplicates():
            self.log.add(number, "citizen_id", _("This citizen ID is already in row %(row)d of this file.")
                         % {"row": first})
        for number, first in self.cards.duplicates():
            self.log.add(number, "card_number", _("This party card number is already in row %(row)d of this file.")
                         % {"row": first})

    # -- pass 2 -------------------------------------------------------------------------------

    def _apply(self, writer: MemberWriter) -> str:
        writer.finish()
        tallying.apply_direct(self._direct())
        scope = common_path([u[1] for u in self.used.values()])
        audit.record("imports.members", actor=self.actor, unit_path=scope,
                     payload={"rows": writer.done, "units": len(self.used)})
        return scope

    def run(self, table: Table, progress: Progress | None = None, on_phase=None) -> str | None:
        """Check and write in one go, in one transaction, rolled back if any row is wrong."""
        with transaction.atomic():
            lock_tables("members_member", "members_placement", shared=["org_unit"])
            writer = MemberWriter()
            self.existing_below = writer.first_member
            self.sink = DirectSink(writer)
            try:
                self.validate(table, progress)
                self.sink.finish()
            finally:
                self.sink.close()
            if self.sink.clashed and not self.log:
                self.log.add(1, "", clash_message())
            if self.log or not self.rows:
                transaction.set_rollback(True)
                return None
            return self._apply(writer)
