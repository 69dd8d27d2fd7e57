"""The library's fixtures: a real small PDF (WeasyPrint), documents addressed across the cast's
tree, and the persona login of the console tests."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chibo.accounts.policy import SYSTEM
from chibo.library import services

PERSONAS = ("admin", "province", "commune", "secretary", "member", "outsider")
STUDY_TEXT = "Nghị quyết về xây dựng Đảng"


@pytest.fixture(scope="session")
def pdf_bytes() -> bytes:
    import weasyprint

    return weasyprint.HTML(string=f"<p>{STUDY_TEXT}</p>").write_pdf()


@pytest.fixture
def upload(pdf_bytes):
    """``upload()`` gives a fresh uploaded file of the small PDF (or of ``content``)."""

    def _upload(content: bytes | None = None, name: str = "nghi-quyet.pdf") -> SimpleUploadedFile:
        return SimpleUploadedFile(name, pdf_bytes if content is None else content, content_type="application/pdf")

    return _upload


@pytest.fixture
def publish(upload):
    """``publish(unit, number, title, ...)`` puts a document in the library as the system."""

    def _publish(unit, number: str, title: str, *, kind: str = "resolution",
                 issued_on: dt.date = dt.date(2024, 3, 1), body: str = "Ban Chấp hành"):
        data = {"kind": kind, "number": number, "title": title, "issued_on": issued_on, "issuing_body": body}
        return services.publish(actor=SYSTEM, unit=unit, upload=upload(), data=data)

    return _publish


@pytest.fixture
def docs(cast, publish):
    """One document addressed to each of TW, P, C, K, K2 and Q."""
    t = cast.tree
    return SimpleNamespace(
        tw=publish(t.root, "21-NQ/TW", "Về tăng cường củng cố, xây dựng tổ chức cơ sở đảng",
                   issued_on=dt.date(2022, 6, 16)),
        p=publish(t.p, "05-CT/TU", "Chỉ thị về công tác phát triển đảng viên", kind="directive"),
        c=publish(t.c, "12-KH/ĐU", "Kế hoạch học tập nghị quyết", kind="plan"),
        k=publish(t.k, "3-NQ/CB", "Nghị quyết chi bộ tháng 3"),
        k2=publish(t.k2, "4-NQ/CB", "Nghị quyết chi bộ Giáo viên 2"),
        q=publish(t.q, "07-CT/TU", "Chỉ thị của Tỉnh Nam Lâm", kind="directive"),
    )

