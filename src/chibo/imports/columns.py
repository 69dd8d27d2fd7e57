"""The columns of the import files, and how one cell becomes a Python value.

One header row of stable English column names; the order of the columns is free. The same
specifications write the templates (``python -m chibo template``), document the columns
(docs/import.md) and parse the cells, so the three never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chibo.core.spreadsheet import undo_safe_cell
from chibo.core.text import is_name_field, name_problem, plainly_text, text_problem, too_long_problem
from chibo.members.enums import (
    ETHNICITY_CHOICES,
    Occupation,
    PoliticalTheory,
    Qualification,
    Religion,
    Sex,
    Status,
)
from chibo.members.models import Member
from chibo.org.enums import Sector, UnitKind
from chibo.org.models import Unit

TEXT, DATE, BOOL, INT, CHOICE, DIGITS = "text", "date", "bool", "int", "choice", "digits"

TRUE_WORDS = frozenset({"1", "true", "yes", "y", "x", "có", "co", "đúng"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "n", "không", "khong", "sai"})
ECHOED = 40  # characters of a wrong value repeated in its message


class CellError(ValueError):
    """The cell cannot be read as its column's type; ``message`` is translated."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    help: str | Promise
    required: bool = False
    max_length: int | None = None
    choices: tuple[tuple[str, Any], ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()
    default: Any = ""
    example: str = ""

    @property
    def holds_a_name(self) -> bool:
        return self.kind == TEXT and is_name_field(self.name)

    @property
    def lookup(self) -> dict[str, str]:
        """Lower-case spelling → code, for the codes and their accepted aliases."""
        return {code.lower(): code for code, _label in self.choices} | dict(self.aliases)

    def type_label(self) -> str:
        labels = {
            TEXT: _("text"), DATE: _("date (YYYY-MM-DD or DD/MM/YYYY)"), BOOL: _("yes/no (1 or 0)"),
            INT: _("whole number"), CHOICE: _("code from the list"), DIGITS: _("digits"),
        }
        return str(labels[self.kind])


# ---- cell parsing ---------------------------------------------------------------------------

def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value).strip()


def parse_date(value: Any) -> dt.date:
    """A date from an XLSX date cell, an Excel serial number, ``YYYY-MM-DD`` or ``DD/MM/YYYY``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 2_958_466:
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
    text = str(value).strip()
    if text.endswith(" 00:00:00"):
        text = text[:-9]
    try:
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            return dt.date(int(text[:4]), int(text[5:7]), int(text[8:]))
        day, month, year = text.split("/")
        if len(year) == 4 and 1 <= len(day) <= 2 and 1 <= len(month) <= 2:
            return dt.date(int(year), int(month), int(day))
    except ValueError:
        pass
    raise CellError(_("Enter a date as YYYY-MM-DD or DD/MM/YYYY."))


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = _as_text(value).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(_("Enter 1 (yes) or 0 (no)."))


def _parse_int(value: Any) -> int:
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return int(value)
    text = _as_text(value)
    if "/" in text:  # general education written as "12/12" or "9/12"
        text = text.split("/", 1)[0].strip()
    if text.isdigit():
        return int(text)
    raise CellError(_("Enter a whole number."))


def _parse_digits(column: Column, value: Any) -> str:
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    text = _as_text(value).replace(" ", "").replace(".", "") if not numeric else _as_text(value)
    if numeric and column.name == "citizen_id" and len(text) < 12:
        text = text.zfill(12)  # a spreadsheet dropped the leading zeros of the province code
    elif numeric and column.name == "phone" and text[:1] not in ("0", "+"):
        text = "0" + text
    return text


def _parse_choice(column: Column, value: Any) -> str:
    text = _as_text(value)
    if column.name == "ethnicity" and text.isdigit() and len(text) == 1:
        text = text.zfill(2)
    code = column.lookup.get(text.lower())
    if code is not None:
        return code
    shown = text if len(text) <= ECHOED else text[:ECHOED - 1] + "…"
    raise CellError(_("Unknown value “%(value)s”: %(hint)s") % {"value": shown, "hint": choice_hint(column)})


def choice_hint(column: Column) -> str:
    if column.name == "ethnicity":
        return _("use an ethnicity code from 01 to 54, or 99 for other.")
    codes = ", ".join(code for code, _label in column.choices)
    return _("use one of %(codes)s.") % {"codes": codes}


def _typed_text(column: Column, value: str) -> str:
    """The cell's text as typed (an apostrophe added by a Chibo export taken off), checked by the
    rules for text a person typed and against the column's length; or :class:`CellError`."""
    problem = text_problem(value)  # positions counted in the cell as it is
    text = undo_safe_cell(value.strip())
    if problem is None and column.holds_a_name:
        problem = name_problem(text)
    if problem is None and column.max_length is not None and column.kind == TEXT:
        problem = too_long_problem(text, column.max_length)
    if problem:
        raise CellError(problem)
    return text


def parse_cell(column: Column, value: Any) -> Any:
    """The value of ``column`` in a cell, its default when blank, or :class:`CellError`."""
    if isinstance(value, str):
        value = _typed_text(column, value)
    if _blank(value):
        if column.required:
            raise CellError(_("This column is required: enter a value."))
        return None if column.kind == DATE else column.default
    if column.kind == DATE:
        return parse_date(value)
    if column.kind == BOOL:
        return _parse_bool(value)
    if column.kind == INT:
        return _parse_int(value)
    if column.kind == CHOICE:
        return _parse_choice(column, value)
    text = _parse_digits(column, value) if column.kind == DIGITS else _as_text(value)
    problem = too_long_problem(text, column.max_length) if column.max_length is not None else None
    if problem:
        raise CellError(problem)
    return text


MISSING = object()


def _quick_choice(column: Column) -> Callable[[str], Any]:
    lookup = column.lookup
    return lambda text: lookup.get(text.strip().lower(), MISSING)


def _quick_bool(column: Column) -> Callable[[str], Any]:
    words = dict.fromkeys(TRUE_WORDS, True) | dict.fromkeys(FALSE_WORDS, False)
    return lambda text: words.get(text.strip().lower(), MISSING)


def _quick_date(column: Column) -> Callable[[str], Any]:
    from_iso = dt.date.fromisoformat

    def quick(text: str) -> Any:
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            try:
                return from_iso(text)
            except ValueError:
                pass
        return MISSING
    return quick


def _quick_text(column: Column) -> Callable[[str], Any]:
    limit = column.max_length or 10**9

    def quick(text: str) -> Any:
        text = text.strip()
        return text if text and len(text) <= limit and plainly_text(text) else MISSING
    return quick


def _quick_digits(column: Column) -> Callable[[str], Any]:
    limit = column.max_length or 10**9

    def quick(text: str) -> Any:
        text = text.strip()
        return text if text.isascii() and text.isdigit() and len(text) <= limit else MISSING
    return quick


def _quick_int(column: Column) -> Callable[[str], Any]:
    return lambda text: int(text) if text.isascii() and text.isdigit() else MISSING


_QUICK = {CHOICE: _quick_choice, BOOL: _quick_bool, DATE: _quick_date, TEXT: _quick_text,
          DIGITS: _quick_digits, INT: _quick_int}


def parser_for(column: Column) -> Callable[[Any], Any]:
    """A fast parser for ``column``: the common text cells (all of CSV) take a short path,
    anything else (other types, unusual spellings, errors) goes through :func:`parse_cell`."""
    quick = _QUICK[column.kind](column)
    blank = None if column.kind == DATE else column.default
    required = column.required

    def parse(value: Any) -> Any:
        if value.__class__ is str:
            if not value:
                if not required:
                    return blank
            else:
                out = quick(value)
                if out is not MISSING:
                    return out
        return parse_cell(column, value)
    return parse


# ---- the two kinds of file ------------------------------------------------------------------

def _len(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def _text(name: str, help: Any, *, required: bool = False, model=Member, field_name: str = "",
          example: str = "") -> Column:
    length = _len(model, field_name or name)
    return Column(name, TEXT, help, required=required, max_length=length, example=example)


def _bool(name: str, help: Any) -> Column:
    return Column(name, BOOL, help, default=False, example="0")


def _date(name: str, help: Any, *, required: bool = False, example: str = "") -> Column:
    return Column(name, DATE, help, required=required, example=example)


_L = gettext_lazy

UNIT_COLUMNS: tuple[Column, ...] = (
    _text("code", _L("Unit code, unique in the whole registry (at most 32 characters)."),
          required=True, model=Unit, example="HN-DS-CB01"),
    _text("name", _L("Full name of the party organization."), required=True, model=Unit,
          example="Chi bộ thôn Đông"),
    Column("kind", CHOICE, _L("Kind of unit."), required=True, choices=tuple(UnitKind.choices),
           example="cell"),
    Column("sector", CHOICE, _L("Sector; blank means mixed."), choices=tuple(Sector.choices),
           default=Sector.MIXED, example="residential"),
    _text("parent_code", _L("Code of the parent unit: an existing unit or a row above in this file."),
          model=Unit, field_name="code", example="HN-DS"),
    _date("opened_on", _L("Date the unit was founded."), required=True, example="2025-07-01"),
)

MEMBER_COLUMNS: tuple[Column, ...] = (
    _text("full_name", _L("Full name, as on the citizen ID card."), required=True, example="Nguyễn Văn An"),
    _text("birth_name", _L("Birth name, if different.")),
    Column("sex", CHOICE, _L("M (male) or F (female); Nam/Nữ are accepted."), required=True,
           choices=tuple(Sex.choices), aliases=(("nam", "M"), ("nữ", "F"), ("nu", "F"), ("male", "M"), ("female", "F")),
           example="M"),
    _date("birth_date", _L("Date of birth."), required=True, example="1985-03-15"),
    Column("citizen_id", DIGITS, _L("Citizen ID: 12 digits, unique among living members."), required=True,
           max_length=12, example="001085000123"),
    Column("phone", DIGITS, _L("Vietnamese phone number, e.g. 0912345678."), max_length=20),
    _text("email", _L("E-mail address.")),
    Column("ethnicity", CHOICE, _L("Ethnicity code 01–54 (01 = Kinh) or 99 (other); blank means 01."),
           choices=tuple(ETHNICITY_CHOICES), default="01", example="01"),
    Column("religion", CHOICE, _L("Religion; blank means none."), choices=tuple(Religion.choices),
           default=Religion.NONE, example="none"),
    _text("home_town", _L("Home town (quê quán).")),
    _text("birth_place", _L("Place of birth.")),
    _text("residence", _L("Current residence.")),
    Column("education_grade", INT, _L("General education grade 0–12 (\"12/12\" is accepted); blank means 12."),
           default=12, example="12"),
    Column("qualification", CHOICE, _L("Professional qualification; blank means none."),
           choices=tuple(Qualification.choices), default=Qualification.NONE, example="university"),
    Column("political_theory", CHOICE, _L("Political theory level; blank means none."),
           choices=tuple(PoliticalTheory.choices), default=PoliticalTheory.NONE, example="elementary"),
    _text("foreign_language", _L("Foreign language and level.")),
    Column("occupation_before", CHOICE, _L("Occupation before joining the party (optional)."),
           choices=tuple(Occupation.choices), default=""),
    Column("occupation", CHOICE, _L("Occupation now; blank means other."), choices=tuple(Occupation.choices),
           default=Occupation.OTHER, example="teacher"),
    _bool("youth_union", _L("Youth-union member: 1 or 0.")),
    _bool("is_army", _L("Serving in the army: 1 or 0.")),
    _bool("is_police", _L("Serving in the police: 1 or 0.")),
    _bool("is_retired", _L("Retired: 1 or 0.")),
    _date("admission_date", _L("Admission decision date (required for active members)."), example="2010-05-19"),
    _date("ceremony_date", _L("Admission ceremony date."), example="2010-06-01"),
    _text("ceremony_place", _L("Place of the admission ceremony.")),
    _date("official_date", _L("Date of becoming an official member (official and exempted members)."),
          example="2011-06-01"),
    Column("card_number", DIGITS, _L("Party card number (official members only), unique."), max_length=16),
    _text("background_sheet_no", _L("Background sheet number.")),
    Column("status", CHOICE, _L("Membership status."), required=True, choices=tuple(Status.choices),
           example="official"),
    _text("unit_code", _L("Code of the cell or grassroots cell the member belongs to."), required=True,
          model=Unit, field_name="code", example="HN-DS-CB01"),
    _date("placed_on", _L("Date the member joined this cell; blank means the admission date "
                          "(or the day the cell opened, if later).")),
)
DUES_PORTAL_COLUMNS: tuple[Column, ...] = (  # the portal's statement of party dues (issue 13)
    Column("transaction_id", TEXT, _L("The portal's transaction number (each is imported once)."), required=True,
           max_length=64, example="DVC2603000123"),
    Column("citizen_id", DIGITS, _L("The member's citizen ID (12 digits); or give card_number."), max_length=12,
           example="001085000123"),
    Column("card_number", DIGITS, _L("The member's party card number, when the citizen ID is not given."),
           max_length=16),
    Column("month", TEXT, _L("The month paid for: MM/YYYY."), required=True, max_length=10, example="03/2026"),
    Column("amount", INT, _L("Amount paid, in whole đồng (VND)."), required=True, example="85000"),
    _date("paid_on", _L("Day of the payment."), required=True, example="2026-03-12"),
)
COLUMNS: dict[str, tuple[Column, ...]] = {"units": UNIT_COLUMNS, "members": MEMBER_COLUMNS,
                                          "dues_portal": DUES_PORTAL_COLUMNS}
