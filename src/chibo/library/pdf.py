"""Reading an uploaded PDF: its text (for search) and its page count, with poppler's ``pdftotext``.

poppler-utils is a system package (``scripts/ensure-pdf-tools``); ``pdftotext`` runs in a child
process with a time limit, so a hostile or broken file cannot hang a request.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

MAX_BYTES = 50 * 1024 * 1024
TIMEOUT_SECONDS = 60
MAGIC = b"%PDF-"  # within the first 1024 bytes (the PDF specification)
_BLANK_LINES = re.compile(r"\n{3,}")
_TRAILING_SPACES = re.compile(r"[ \t]+\n")


@dataclass(frozen=True)
class PdfText:
    text: str
    pages: int


class Refused(Exception):
    """The file is not a PDF we accept; ``message`` says why (translated)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def read(upload: UploadedFile) -> PdfText:
    """The text and page count of ``upload``, or :class:`Refused` (too large, not a PDF, unreadable)."""
    if (upload.size or 0) > MAX_BYTES:
        raise Refused(_("The file is larger than 50 MB."))
    if not _looks_like_pdf(upload):
        raise Refused(_("This file is not a PDF document."))
    with _on_disk(upload) as path:
        raw = _pdftotext(path)
    pages = raw.count("\f")
    if pages == 0:
        raise Refused(_("The PDF could not be read: it may be damaged or protected by a password."))
    return PdfText(_tidy(raw), pages)


def _looks_like_pdf(upload: UploadedFile) -> bool:
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    return MAGIC in head


@contextmanager
def _on_disk(upload: UploadedFile) -> Iterator[Path]:
    """A path to the upload's bytes: its temporary file when Django made one, else a copy."""
    existing = getattr(upload, "temporary_file_path", None)
    if existing is not None:
        yield Path(existing())
        return
    with tempfile.NamedTemporaryFile(suffix=".pdf") as copy:
        for chunk in upload.chunks():
            copy.write(chunk)
        copy.flush()
        upload.seek(0)
        yield Path(copy.name)


def _pdftotext(path: Path) -> str:
    try:
        done = subprocess.run(["pdftotext", "-q", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                              timeout=TIMEOUT_SECONDS, check=False)
    except FileNotFoundError as exc:
        raise Refused(_("The server cannot read PDF files: ask the administrator to install poppler-utils.")) from exc
    except subprocess.TimeoutExpired as exc:
        raise Refused(_("The PDF took too long to read.")) from exc
    if done.returncode != 0:
        raise Refused(_("The PDF could not be read: it may be damaged or protected by a password."))
    return done.stdout.decode("utf-8", errors="replace")


def _tidy(raw: str) -> str:
    """NFC text, pages separated by a blank line, no trailing spaces or runs of blank lines."""
    text = unicodedata.normalize("NFC", raw).replace("\f", "\n\n")
    return _BLANK_LINES.sub("\n\n", _TRAILING_SPACES.sub("\n", text)).strip()
