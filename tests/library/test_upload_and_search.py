"""Publishing PDFs: the text is read for search; a refused file saves nothing. Search is
accent-insensitive over numbers, titles and text, keyset-paged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from chibo.accounts.policy import SYSTEM
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.core.models import AuditEntry
from chibo.library import pdf, queries, services
from chibo.library.models import Document


def _form(cast, upload, **overrides):
    data = {"kind": "resolution", "number": "09-NQ/ĐU", "title": "Tài liệu học tập", "issued_on": "2024-05-02",
            "issuing_body": "Đảng ủy xã Đông Sơn", "unit": cast.tree.c.code, "file": upload}
    data.update(overrides)
    return data


def _stored_files(settings) -> list:
    folder = settings.MEDIA_ROOT / "library"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_an_uploaded_pdf_is_read_and_found_without_accents(cast, login, upload, settings):
    response = login("commune").post(reverse("console:library_upload"), _form(cast, upload()))
    assert response.status_code == 302
    document = Document.objects.get()
    assert response["Location"] == reverse("console:library_document", args=[document.pk])
    assert document.text == "Nghị quyết về xây dựng Đảng"
    assert document.text_folded == "nghi quyet ve xay dung dang"
    assert (document.pages, document.unit, document.uploaded_by) == (1, cast.tree.c, cast.commune)
    assert document.file.name.startswith("library/") and len(_stored_files(settings)) == 1
    found = queries.search(cast.member, "nghi quyet xay dung dang").rows
    assert found == [document]
    assert queries.search(cast.member, "NGHỊ QUYẾT đảng").rows == [document]
    assert AuditEntry.objects.filter(action="library.published", object_id=str(document.pk),
                                     unit_path=cast.tree.c.path).count() == 1


@pytest.mark.parametrize(("content", "message"), [
    (b"MZ\x90\x00 not a pdf at all", "This file is not a PDF document."),
    (b"%PDF-1.4\nbroken beyond repair", "The PDF could not be read"),
    (None, "The file is larger than 50 MB."),
])
def test_a_refused_upload_writes_nothing(content, message, cast, login, upload, settings, monkeypatch):
    if content is None:
        monkeypatch.setattr(pdf, "MAX_BYTES", 100)
    response = login("province").post(reverse("console:library_upload"), _form(cast, upload(content)))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert Document.objects.count() == 0
    assert _stored_files(settings) == []
    assert not AuditEntry.objects.filter(action="library.published").exists()


def test_bad_details_are_refused_on_their_fields(cast, upload):
    data = {"kind": "poem", "number": "", "title": "", "issued_on": dt.date.today() + dt.timedelta(days=1),
            "issuing_body": ""}
    with pytest.raises(DomainError) as refused:
        services.publish(actor=SYSTEM, unit=cast.tree.c, upload=upload(), data=data)
    assert set(refused.value.field_errors) == {"kind", "title", "issued_on", "issuing_body"}
    assert Document.objects.count() == 0


def test_publishing_needs_the_permission_on_the_audience(cast, upload):
    data = {"kind": "resolution", "number": "1", "title": "T", "issued_on": dt.date(2024, 1, 1), "issuing_body": "B"}
    with pytest.raises(PermissionDenied):
        services.publish(actor=cast.secretary, unit=cast.tree.k, upload=upload(), data=data)
    with pytest.raises(NotFound):  # the commune reads the province's documents but does not see the unit
        services.publish(actor=cast.commune, unit=cast.tree.p, upload=upload(), data=data)
    assert services.publish(actor=cast.commune, unit=cast.tree.k, upload=upload(), data=data).unit == cast.tree.k


def test_the_number_is_found_by_typing_its_start(cast, docs, publish):
    guide = publish(cast.tree.p, "15-HD/TU", "Hướng dẫn thực hiện Nghị quyết 21-NQ/TW", kind="instruction")
    publish(cast.tree.p, "212-QĐ/TW", "Quy định khác", kind="regulation")
    assert queries.search(cast.member, "21-nq").rows == [docs.tw, guide]
    assert queries.search(cast.member, "21-NQ/TW").rows == [docs.tw, guide]


def test_title_matches_come_before_text_matches(cast, docs):
    # every document of the fixture has the study text; the titles decide the order
    found = queries.search(cast.member, "nghi quyet").rows
    assert found[:2] == [docs.k, docs.c]  # title starts with it, then a title word starts with it
    assert set(found) == {docs.tw, docs.p, docs.c, docs.k}


def test_search_pages_by_keyset_and_a_bad_cursor_starts_over(cast, docs):
    first = queries.search(cast.admin, "", size=4)
    assert len(first.rows) == 4 and first.next_cursor
    second = queries.search(cast.admin, "", after=first.next_cursor, size=4)
    assert second.next_cursor is None
    assert {d.pk for d in first.rows + second.rows} == {d.pk for d in Document.objects.all()}
    assert queries.search(cast.admin, "", after="garbage!!", size=4).rows == first.rows
    typed = queries.search(cast.member, "nghi quyet", size=1)
    rest = queries.search(cast.member, "nghi quyet", after=typed.next_cursor, size=10)
    assert typed.rows + rest.rows == queries.search(cast.member, "nghi quyet").rows


def test_the_kind_filter(cast, docs):
    assert queries.search(cast.admin, kind="directive").rows == [docs.q, docs.p]  # same day: the later first


def test_correcting_a_document_refolds_its_title_and_moves_its_audience(cast, docs):
    services.update(docs.c, actor=cast.commune, changes={"title": "Đề án đổi mới"}, unit=cast.tree.g)
    docs.c.refresh_from_db()
    assert (docs.c.title_folded, docs.c.unit_path) == ("de an doi moi", cast.tree.g.path)
    assert queries.search(cast.member, "de an").rows == [docs.c]
    assert AuditEntry.objects.filter(action="library.updated").count() == 1
    with pytest.raises(PermissionDenied):
        services.update(docs.p, actor=cast.commune, changes={"title": "X"})


def test_a_pdf_that_takes_too_long_to_read_is_refused(cast, upload, monkeypatch):
    import subprocess

    def slow(*args, **kwargs):
        raise subprocess.TimeoutExpired(cmd="pdftotext", timeout=pdf.TIMEOUT_SECONDS)

    monkeypatch.setattr(pdf.subprocess, "run", slow)
    with pytest.raises(pdf.Refused, match="too long"):
        pdf.read(upload())


def test_a_pdf_s_pages_are_counted_and_its_text_kept_in_order(upload):
    import weasyprint

    page_break = weasyprint.CSS(string=".x { break-before: page }")
    two_pages = weasyprint.HTML(string="<p>Trang một</p><p class='x'>Trang hai</p>").write_pdf(stylesheets=[page_break])
    read = pdf.read(upload(two_pages))
    assert (read.pages, read.text) == (2, "Trang một\n\nTrang hai")
