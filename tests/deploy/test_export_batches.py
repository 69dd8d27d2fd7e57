"""The member export behind a transaction pooler: keyset batches, no server-side cursor, one snapshot."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from chibo.members import export
from chibo.reports import exports
from chibo.reports.models import ExportJob
from chibo.reports.tasks import write_file
from tests.factories.registry import make_member


@pytest.fixture
def pooled(monkeypatch):
    """The connection as DATABASE_POOLER=transaction configures it (no server-side cursors)."""
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)


def test_the_export_reads_batches_of_bounded_size_in_order(cast, pooled, monkeypatch):
    monkeypatch.setattr(export, "CHUNK", 2)
    twins = [make_member(cast.tree.k, "Đặng Văn An") for _ in range(2)]  # the same name as plain_m
    with CaptureQueriesContext(connection) as queries:
        rows = list(export.export_rows(actor=cast.province, unit=cast.tree.p))
    names = [(row[export.COLUMNS.index("full_name")], row[export.COLUMNS.index("citizen_id")]) for row in rows]
    same_name = sorted([cast.plain_m, *twins], key=lambda m: m.pk)
    assert names == [*((m.full_name, m.citizen_id) for m in same_name), ("Lê Hoàng Cường", cast.other_m.citizen_id),
                     ("Trần Thị Bình", cast.sec_m.citizen_id)]
    reads = [q["sql"] for q in queries.captured_queries if '"members_member"."full_name"' in q["sql"]]
    assert len(reads) == 3 and all(sql.endswith("LIMIT 2") for sql in reads)


def test_without_a_pooler_the_export_streams_one_statement(cast):
    with CaptureQueriesContext(connection) as queries:
        rows = list(export.export_rows(actor=cast.province, unit=cast.tree.p))
    reads = [q["sql"] for q in queries.captured_queries if '"members_member"."full_name"' in q["sql"]]
    assert len(rows) == 3 and len(reads) == 1 and "LIMIT" not in reads[0]


@pytest.mark.django_db(transaction=True)
def test_every_batch_of_an_export_reads_the_same_snapshot(cast, pooled, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite reads an export without a transaction (it would hold the write lock)")
    import psycopg

    monkeypatch.setattr(export, "CHUNK", 1)
    monkeypatch.setattr(exports, "CHUNK", 1)
    settings = connection.settings_dict
    other = psycopg.connect(dbname=settings["NAME"], user=settings["USER"], password=settings["PASSWORD"],
                            host=settings["HOST"], port=settings["PORT"], autocommit=True)

    def rename_the_last_member(done: int) -> None:  # another server commits while the file is written
        if done == 1:
            other.execute("UPDATE members_member SET full_name = 'Tên Đã Đổi' WHERE id = %s", [cast.sec_m.pk])

    job = ExportJob.objects.create(user=cast.province, kind="members", params={"unit": cast.tree.p.pk},
                                   format="xlsx")
    try:
        assert write_file(job, rename_the_last_member) == 3
    finally:
        other.close()
    sheet = load_workbook(job.file.open("rb")).active
    name = export.COLUMNS.index("full_name")
    assert [row[name] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        "Đặng Văn An", "Lê Hoàng Cường", "Trần Thị Bình"]
