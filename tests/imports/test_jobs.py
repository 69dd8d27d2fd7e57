"""Uploads: the job, its background task, its progress and its error report."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.imports import progress
from chibo.imports.models import ImportJob, ImportState
from chibo.imports.queries import get_job_for_user, jobs_for_user
from chibo.imports.services import submit_import
from chibo.members.models import Member
from tests.imports.conftest import MEMBER_HEADER, UNIT_HEADER, member_row, write_csv

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("checking")]


def upload(tmp_path, rows, *, name="members.csv", header=MEMBER_HEADER) -> SimpleUploadedFile:
    data = write_csv(tmp_path / "upload.csv", header, rows).read_bytes()
    return SimpleUploadedFile(name, data, content_type="text/csv")


def submit(actor, kind, uploaded, django_capture_on_commit_callbacks) -> ImportJob:
    with django_capture_on_commit_callbacks(execute=True):
        job = submit_import(actor=actor, kind=kind, uploaded_file=uploaded)
    job.refresh_from_db()
    return job


def test_an_upload_is_imported_by_the_background_job(cast, tmp_path, django_capture_on_commit_callbacks):
    uploaded = upload(tmp_path, [member_row(1), member_row(2, "K2")])

    job = submit(cast.province, "members", uploaded, django_capture_on_commit_callbacks)

    assert (job.state, job.rows_done, job.rows_total, job.error_count, job.errors) == ("done", 2, 2, 0, [])
    assert (job.message, job.scope_path, job.original_name, job.created_by) == (
        "2 rows imported.", cast.tree.g.path, "members.csv", cast.province)
    assert job.finished_at is not None
    assert job.file.name.startswith("imports/") and job.file.name.endswith(".csv")
    assert Member.objects.count() == 6


def test_a_rejected_upload_keeps_its_errors(cast, tmp_path, django_capture_on_commit_callbacks, client):
    uploaded = upload(tmp_path, [member_row(1, citizen_id="1"), member_row(2, "Q"), member_row(3)])

    job = submit(cast.province, "members", uploaded, django_capture_on_commit_callbacks)

    assert (job.state, job.rows_total, job.error_count, job.message) == (
        "failed", 3, 2, "2 errors: nothing was written.")
    assert job.errors == [
        {"row": 2, "column": "citizen_id", "message": "The citizen ID must be exactly 12 digits."},
        {"row": 3, "column": "unit_code", "message": "Unknown unit Q."},
    ]
    assert Member.objects.count() == 4
    client.force_login(cast.province)
    response = client.get(reverse("imports:errors", args=[job.pk]))
    assert (response.status_code, response["Content-Type"]) == (200, "text/csv; charset=utf-8")
    assert response["Content-Disposition"] == f'attachment; filename="import-{job.pk}-errors.csv"'
    assert response.content.decode() == (
        "\ufeffrow,column,message\r\n"
        "2,citizen_id,The citizen ID must be exactly 12 digits.\r\n"
        "3,unit_code,Unknown unit Q.\r\n"
    )


def test_the_error_report_is_only_for_its_owner(cast, tmp_path, django_capture_on_commit_callbacks, client):
    job = submit(cast.province, "members", upload(tmp_path, [member_row(1, "Q")]), django_capture_on_commit_callbacks)
    url = reverse("imports:errors", args=[job.pk])

    assert client.get(url).status_code == 302  # to the log-in page
    for user in (cast.admin, cast.outsider, cast.member):
        client.force_login(user)
        assert client.get(url).status_code == 404
    assert client.get(reverse("imports:errors", args=[job.pk + 1])).status_code == 404


def test_a_units_upload(cast, tmp_path, django_capture_on_commit_callbacks):
    rows = [{"code": "N1", "name": "Chi bộ Mới", "kind": "cell", "sector": "school", "parent_code": "G",
             "opened_on": "2025-09-05"}]

    job = submit(cast.province, "units", upload(tmp_path, rows, name="units.csv", header=UNIT_HEADER),
                 django_capture_on_commit_callbacks)

    assert (job.state, job.rows_total, job.scope_path) == ("done", 1, cast.tree.g.path + "00003")


def test_who_may_submit(cast, tmp_path):
    for user in (cast.commune, cast.secretary, cast.member):
        with pytest.raises(PermissionDenied):
            submit_import(actor=user, kind="members", uploaded_file=upload(tmp_path, [member_row(1)]))
    with pytest.raises(DomainError):
        submit_import(actor=cast.province, kind="pets", uploaded_file=upload(tmp_path, [member_row(1)]))
    with pytest.raises(DomainError):
        submit_import(actor=cast.province, kind="members",
                      uploaded_file=SimpleUploadedFile("members.pdf", b"%PDF"))
    assert ImportJob.objects.count() == 0


def test_jobs_are_listed_for_their_owner(cast, django_assert_num_queries):
    for n in range(3):
        ImportJob.objects.create(kind="members", original_name=f"f{n}.csv", created_by=cast.province,
                                 file=f"imports/f{n}.csv")
    ImportJob.objects.create(kind="members", original_name="other.csv", created_by=cast.admin,
                             file="imports/other.csv")

    with django_assert_num_queries(1):
        names = [job.original_name for job in jobs_for_user(cast.province)]

    assert names == ["f2.csv", "f1.csv", "f0.csv"]
    with django_assert_num_queries(1):
        assert [job.original_name for job in jobs_for_user(cast.admin)] == ["other.csv"]
    assert list(jobs_for_user(cast.member)) == []


def test_a_job_is_found_only_by_its_owner(cast):
    job = ImportJob.objects.create(kind="members", original_name="f.csv", created_by=cast.province,
                                   file="imports/f.csv")

    assert get_job_for_user(cast.province, job.pk) == job
    for user in (cast.admin, cast.outsider):
        with pytest.raises(NotFound):
            get_job_for_user(user, job.pk)


def test_a_running_job_shows_its_live_progress(cast):
    job = ImportJob.objects.create(kind="members", original_name="f.csv", created_by=cast.province,
                                   file="imports/f.csv", state=ImportState.VALIDATING)
    progress.publish(job.pk, 1200, 5000)

    live = get_job_for_user(cast.province, job.pk)

    assert (live.rows_done, live.rows_total, live.percent) == (1200, 5000, 24)
    progress.clear(job.pk)
    assert get_job_for_user(cast.province, job.pk).rows_done == 0
