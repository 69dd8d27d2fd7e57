"""Files through the storage: tools get private local copies, nothing half-written is stored, and
the jobs work on a storage that has no local paths at all (as an object store has none)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from chibo.core.files import local_copy, store_written
from chibo.imports.models import ImportJob
from chibo.imports.services import submit_import
from chibo.imports.tasks import run_import
from chibo.members.models import Member
from chibo.reports import services
from chibo.reports.models import ExportJob
from tests.deploy.conftest import members_csv
from tests.imports.conftest import member_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def object_store(settings):
    """Django's in-memory storage: like an object store, it has no path on this machine."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}


def test_a_tool_reads_a_private_local_copy_deleted_afterwards(cast):
    job = ImportJob(kind="members", original_name="a.csv", created_by=cast.province)
    job.file.save("a.csv", ContentFile(b"full_name\n"), save=False)
    with local_copy(job.file, suffix=".csv") as path:
        assert path.read_bytes() == b"full_name\n" and path.suffix == ".csv"
        assert not path.is_relative_to(Path(settings.MEDIA_ROOT))
    assert not path.exists()


def test_a_file_written_for_the_storage_is_stored_only_when_complete(cast):
    job = ExportJob(user=cast.province, kind="members", format="csv")
    with pytest.raises(RuntimeError), store_written(job.file, "1-members.csv") as path:
        path.write_text("half a file")
        raise RuntimeError("the export failed")
    assert job.file.name is None or job.file.name == ""
    assert not default_storage.exists("exports")
    with store_written(job.file, "1-members.csv") as path:
        path.write_text("a whole file")
    assert job.file.name.startswith("exports/") and job.file.name.endswith("1-members.csv")
    assert default_storage.open(job.file.name).read() == b"a whole file"


def test_an_import_whose_file_is_missing_fails_clearly_instead_of_waiting_forever(cast):
    job = ImportJob.objects.create(kind="members", file="imports/2026/12/gone.csv", original_name="gone.csv",
                                   created_by=cast.province)
    run_import.call_local(job.pk)  # the job itself, here (the ledger would send it after the commit)
    job.refresh_from_db()
    assert (job.state, job.message) == ("failed", "The import failed on the server and nothing was written. Try again "
                                        f"later; if it fails again, tell the administrator (import {job.pk}).")
    assert job.finished_at is not None


def test_imports_and_exports_run_on_a_storage_without_local_paths(cast, object_store, client,
                                                                 django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("members.csv", members_csv(member_row(1), member_row(2)), "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        imported = submit_import(actor=cast.province, kind="members", uploaded_file=upload)
    with django_capture_on_commit_callbacks(execute=True):
        exported = services.start_export(cast.province, "members", {"unit": cast.tree.k.pk}, "xlsx")
    imported.refresh_from_db()
    exported.refresh_from_db()
    assert (imported.state, imported.message) == ("done", "2 rows imported.")
    assert (exported.state, exported.rows_done) == ("done", 5)
    assert Member.objects.filter(unit=cast.tree.k).count() == 5
    client.force_login(cast.province)
    response = client.get(reverse("console:export_download", args=[exported.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == default_storage.open(exported.file.name).read()
