"""The handbook's library: search, read, bookmark, confirm a study, download; nothing beyond what
the member's units receive."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.library import services
from chibo.library.models import Bookmark, StudyConfirmation
from tests.library.conftest import pdf_bytes, publish, upload  # noqa: F401 - fixtures


@pytest.fixture
def resolution(cast, publish):  # noqa: F811
    return publish(cast.tree.root, "21-NQ/TW", "Về tăng cường củng cố, xây dựng tổ chức cơ sở đảng",
                   issued_on=dt.date(2022, 6, 16))


def test_search_read_bookmark_and_download(cast, as_user, resolution):
    client = as_user(cast.member)
    found = client.get("/handbook/library/?q=21-nq").content.decode()
    assert "Về tăng cường củng cố" in found
    page = client.get(f"/handbook/library/{resolution.pk}/").content.decode()
    assert "Nghị quyết về xây dựng Đảng" in page  # the PDF's text, readable on the page
    client.post(f"/handbook/library/{resolution.pk}/", {"action": "bookmark"})
    assert Bookmark.objects.filter(user=cast.member, document=resolution).exists()
    assert f'href="/handbook/library/{resolution.pk}/" data-keep' in client.get("/handbook/library/").content.decode()
    pdf = client.get(f"/handbook/library/{resolution.pk}/file/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_confirm_a_study(cast, as_user, resolution):
    assignment = services.assign(resolution, actor=cast.province, unit=cast.tree.p,
                                 due_on=dt.date.today() + dt.timedelta(days=10), note="Học tập chuyên đề")
    client = as_user(cast.member)
    assert "Về tăng cường củng cố" in client.get("/handbook/library/").content.decode()
    client.post(f"/handbook/library/{resolution.pk}/", {"action": "confirm", "assignment": assignment.pk,
                                                         "reflection": "Đã quán triệt"})
    assert StudyConfirmation.objects.get(assignment=assignment).reflection == "Đã quán triệt"


def test_documents_of_another_province_are_not_found(cast, as_user, publish):  # noqa: F811
    far = publish(cast.tree.q, "07-CT/TU", "Chỉ thị của Tỉnh Nam Lâm", kind="directive")
    client = as_user(cast.member)
    assert client.get(f"/handbook/library/{far.pk}/").status_code == 404
    assert client.get(f"/handbook/library/{far.pk}/file/").status_code == 404
