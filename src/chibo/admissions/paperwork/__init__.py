"""The official admission forms, pre-filled from a case, as Word (DOCX) and PDF.

``form_context`` holds every text of a form (``texts``); the Word layout (``core.word``) and the PDF
(WeasyPrint, from ``templates/admissions/forms/<kind>.html``) only lay those texts out, so the two
formats cannot disagree. A form the case has not reached raises ``DomainError`` saying which step
to record first.
"""

from __future__ import annotations

from django.template.loader import render_to_string

from chibo.admissions.models import AdmissionCase
from chibo.admissions.paperwork.texts import FORMS, NEEDS, Form, Para, form_context
from chibo.core import word

__all__ = ["FORMS", "NEEDS", "Form", "Para", "form_context", "render_docx", "render_html", "render_pdf"]


def render_docx(case: AdmissionCase, kind: str) -> bytes:
    """Form ``kind`` of ``case`` as a Word document (A4, Times New Roman 13 pt)."""
    return word.build(form_context(case, kind)["form"])


def render_html(case: AdmissionCase, kind: str) -> str:
    """Form ``kind`` of ``case`` as the HTML page the PDF is printed from."""
    return render_to_string(f"admissions/forms/{kind}.html", form_context(case, kind))


def render_pdf(case: AdmissionCase, kind: str) -> bytes:
    """Form ``kind`` of ``case`` as an A4 PDF (WeasyPrint; Noto Serif carries the Vietnamese)."""
    from weasyprint import HTML  # loads Pango: only when a PDF is asked for

    pdf = HTML(string=render_html(case, kind)).write_pdf()
    assert pdf is not None
    return pdf
