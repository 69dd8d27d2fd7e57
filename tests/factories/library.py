"""Library documents for tests: a real small PDF (WeasyPrint, made once per text) published as the
system, so its text is extracted as in production."""

from __future__ import annotations

import datetime as dt
from functools import cache

from django.core.files.uploadedfile import SimpleUploadedFile

from chibo.accounts.policy import SYSTEM
from chibo.library import services
from chibo.library.models import Document
from chibo.org.models import Unit

TEXT = "Nghị quyết về tăng cường xây dựng tổ chức cơ sở đảng"


@cache
def pdf_of(text: str) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=f"<p>{text}</p>").write_pdf()


def make_document(unit: Unit, number: str, title: str, *, text: str = TEXT, kind: str = "resolution",
                  issued_on: dt.date = dt.date(2024, 3, 1), body: str = "Ban Chấp hành") -> Document:
    upload = SimpleUploadedFile(f"{number or 'van-ban'}.pdf".replace("/", "-"), pdf_of(text),
                                content_type="application/pdf")
    data = {"kind": kind, "number": number, "title": title, "issued_on": issued_on, "issuing_body": body}
    return services.publish(actor=SYSTEM, unit=unit, upload=upload, data=data)
