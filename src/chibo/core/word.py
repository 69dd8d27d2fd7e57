"""An official party paper as a Word document (python-docx): the texts of a filled-in form
(``Form``: paragraphs and tables in reading order) and their layout, the paper form's: A4, Times
New Roman 13 pt, the letterhead in two columns, title, body, recipients and signature side by side.

The forms are Vietnamese by nature (official papers), so the texts built for them are not
translated. The admission forms (``admissions.paperwork``) and the review forms
(``quality.paperwork``) are both laid out here.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import _Cell

BLANK = "……………"
PARTY = "ĐẢNG CỘNG SẢN VIỆT NAM"
FONT = "Times New Roman"
ALIGN = {"justify": WD_ALIGN_PARAGRAPH.JUSTIFY, "center": WD_ALIGN_PARAGRAPH.CENTER,
         "left": WD_ALIGN_PARAGRAPH.LEFT, "right": WD_ALIGN_PARAGRAPH.RIGHT}


@dataclass(frozen=True)
class Para:
    """A paragraph of a form: ``lead`` printed in bold before ``text``; ``align`` is ``justify``,
    ``center``, ``left`` or ``right``; ``bold`` and ``italic`` apply to the whole paragraph."""

    text: str
    lead: str = ""
    align: str = "justify"
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Table:
    """A ruled table in a form's body: the header row in bold, then the rows; ``widths`` in mm
    per column; ``total`` makes the last row bold (a sum)."""

    header: list[str]
    rows: list[list[str]]
    widths: list[int] = field(default_factory=list)
    total: bool = False


@dataclass(frozen=True)
class Form:
    """Every text of one filled-in form, in reading order. An empty ``number`` prints no number
    line (a member's self-review has none)."""

    kind: str
    form_code: str
    issuer_lines: list[str]
    number: str
    place_date: str
    title: str
    subtitle: str
    body: Sequence[Para | Table]
    recipients: list[str]
    signature: list[str]
    signature_note: str
    party: str = PARTY
    facts: dict[str, Any] = field(default_factory=dict)


def long_date(day: dt.date) -> str:
    """``09 tháng 10 năm 2024``."""
    return f"{day.day:02d} tháng {day.month:02d} năm {day.year}"


def short_date(day: dt.date | None) -> str:
    """``09/10/2024``, or the blank to fill by hand."""
    return day.strftime("%d/%m/%Y") if day else BLANK


def build(form: Form) -> bytes:
    """The Word document of ``form``."""
    document = Document()
    _page(document)
    if form.form_code:
        _write(document.add_paragraph(), Para(form.form_code, align="right", italic=True), size=11)
    _letterhead(document, form)
    _write(document.add_paragraph(), Para(form.title, align="center", bold=True), size=14).paragraph_format \
        .space_before = Pt(12)
    if form.subtitle:
        _write(document.add_paragraph(), Para(form.subtitle, align="center", bold=True))
    _write(document.add_paragraph(), Para("-----", align="center"))
    for item in form.body:
        if isinstance(item, Table):
            _table(document, item)
            continue
        _write(document.add_paragraph(), item).paragraph_format.first_line_indent = \
            Mm(10) if item.align == "justify" else None
    _closing(document, form)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _page(document) -> None:
    """A4 with the margins of an administrative paper; Times New Roman 13 pt for every script."""
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = document.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(13)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    style.paragraph_format.space_after = Pt(4)


def _letterhead(document, form: Form) -> None:
    """Issuer, star and number on the left; the party's name and the place and date on the right."""
    left, right = _two_columns(document, Mm(75), Mm(90))
    for i, line in enumerate(form.issuer_lines):
        _write(_next(left, i), Para(line, align="center", bold=i == len(form.issuer_lines) - 1), size=12)
    _write(left.add_paragraph(), Para("*", align="center"), size=12)
    if form.number:
        _write(left.add_paragraph(), Para(form.number, align="center"), size=12)
    party = _write(_next(right, 0), Para(form.party, align="center", bold=True))
    party.runs[0].underline = True
    _write(right.add_paragraph(), Para(""))
    _write(right.add_paragraph(), Para(form.place_date, align="center", italic=True))


def _table(document, table: Table) -> None:
    """A ruled table (Word's "Table Grid"), the header in bold, numbers centred."""
    grid = document.add_table(rows=1 + len(table.rows), cols=len(table.header))
    grid.style, grid.alignment, grid.autofit = "Table Grid", WD_TABLE_ALIGNMENT.CENTER, False
    for r, values in enumerate([table.header, *table.rows]):
        bold = r == 0 or (table.total and r == len(table.rows))
        for c, value in enumerate(values):
            cell = grid.rows[r].cells[c]
            if c < len(table.widths):
                cell.width = Mm(table.widths[c])
            align = "left" if c == 1 and r > 0 else "center"
            _write(cell.paragraphs[0], Para(value, align=align, bold=bold), size=12)
    document.add_paragraph()


def _closing(document, form: Form) -> None:
    """Recipients on the left, the signature block on the right."""
    left, right = _two_columns(document, Mm(75), Mm(90))
    for i, line in enumerate(form.recipients):
        _write(_next(left, i), Para(line, align="left", bold=i == 0, italic=i == 0), size=12 if i == 0 else 11)
    for i, line in enumerate(form.signature):
        _write(_next(right, i), Para(line, align="center", bold=True))
    _write(right.add_paragraph(), Para(form.signature_note, align="center", italic=True))


def _two_columns(document, left_width, right_width) -> tuple[_Cell, _Cell]:
    document.add_paragraph()
    table = document.add_table(rows=1, cols=2)
    table.alignment, table.autofit = WD_TABLE_ALIGNMENT.CENTER, False
    left, right = table.rows[0].cells
    left.width, right.width = left_width, right_width
    return left, right


def _next(cell: _Cell, i: int):
    """The cell's first (empty) paragraph, then new ones."""
    return cell.paragraphs[0] if i == 0 else cell.add_paragraph()


def _write(paragraph, para: Para, *, size: int = 13):
    """Fill ``paragraph`` with ``para``: the bold lead, then the text."""
    paragraph.alignment = ALIGN[para.align]
    paragraph.paragraph_format.space_after = Pt(4)
    if para.lead:
        lead = paragraph.add_run(para.lead + " ")
        lead.bold, lead.font.size = True, Pt(size)
    run = paragraph.add_run(para.text)
    run.bold, run.italic, run.font.size = para.bold or None, para.italic or None, Pt(size)
    return paragraph
