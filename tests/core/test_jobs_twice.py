"""Every job is safe to run twice (the sweeper re-runs the job of a dead worker): the second run
adds nothing. And what the officer sees when the worker writing an import dies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from chibo.core.jobs.sweeper import sweep
from chibo.core.models import AuditEntry, Job
from chibo.imports import tasks as import_tasks
from chibo.imports.models import ImportJob
from chibo.imports.services import submit_import
from chibo.meetings import tasks as meeting_tasks
from chibo.meetings.models import Invitation, Meeting, Schedule
from chibo.notifications import tasks as notification_tasks
from chibo.notifications.models import Notification
from chibo.org.models import Unit
from chibo.reports import services as report_services
from chibo.reports import tasks as report_tasks
from chibo.reports.models import ExportJob
from chibo.targets import tasks as target_tasks
from chibo.targets.models import MemberCount

pytestmark = pytest.mark.django_db
UNITS_CSV = ("code,name,kind,sector,parent_code,opened_on\n"
             "K7,Chi bộ Giáo viên 7,cell,school,G,2025-07-01\n")



def test_the_months_meetings_and_invitations_twice_add_nothing(cast, django_capture_on_commit_callbacks):
    Schedule.objects.create(unit=cast.tree.k, day=4, time=dt.time(19, 30))
    assert meeting_tasks.generate_the_month.call_local() == 1
    assert meeting_tasks.generate_the_month.call_local() == 0
    Meeting.objects.update(topic="Sinh hoạt thường kỳ")
    first = timezone.localdate().replace(day=1).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        assert meeting_tasks.invite_month.call_local(cast.commune.pk, cast.tree.c.pk, first) == 3
    counts = (Invitation.objects.count(), Notification.objects.count())
    with django_capture_on_commit_callbacks(execute=True):
        assert meeting_tasks.invite_month.call_local(cast.commune.pk, cast.tree.c.pk, first) == 0
    assert (Invitation.objects.count(), Notification.objects.count()) == counts


def test_e_mails_twice_send_nothing_twice(cast, mailoutbox):
    cast.member.email = "an@example.org"
    cast.member.save()
    Notification.objects.create(user=cast.member, kind="decision", title="Họp chi bộ", body="", link="/", key="x")
    assert notification_tasks.send_digests.call_local() == 1
    assert notification_tasks.send_digests.call_local() == 0
    assert notification_tasks.send_pending_email.call_local() == 0 and len(mailoutbox) == 1


def test_the_yearly_count_and_the_reports_twice_add_nothing(cast):
    target_tasks.count_members_on_new_year.call_local()
    rows = MemberCount.objects.count()
    target_tasks.count_members_on_new_year.call_local()
    assert MemberCount.objects.count() == rows > 0
    assert target_tasks.take_scheduled_reports.call_local() == target_tasks.take_scheduled_reports.call_local()


def test_an_import_run_twice_imports_once(cast, django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("units.csv", UNITS_CSV.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        job = submit_import(actor=cast.province, kind="units", uploaded_file=upload)
    assert import_tasks.run_import.call_local(job.pk) == "done"  # a second delivery: nothing to do
    assert Unit.objects.filter(code="K7").count() == 1
    assert AuditEntry.objects.filter(action="imports.units").count() == 1


def test_an_export_run_again_after_its_worker_died_is_written_once_and_whole(cast, django_capture_on_commit_callbacks):
    job = report_services.start_export(cast.province, "members", {"unit": cast.tree.g.pk}, "csv")  # not sent yet
    ledger = Job.objects.get(name=report_tasks.run_export.name)
    # the worker died while it saved the file: the export "running", half a file in the storage
    ExportJob.objects.filter(pk=job.pk).update(state="running")
    storage = ExportJob.file.field.storage
    half = storage.save(timezone.localtime().strftime(f"exports/%Y/%m/{job.pk}-members.csv"), ContentFile(b"ma,"))
    then = timezone.now() - dt.timedelta(minutes=2)
    Job.objects.filter(pk=ledger.pk).update(state="running", attempts=1, heartbeat_at=then, worker="gone:1")
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep().requeued == [ledger.pk]
    job.refresh_from_db()
    assert (job.state, job.rows_done, Job.objects.get(pk=ledger.pk).state) == ("done", 3, "done")
    assert not storage.exists(half) and storage.exists(job.file.name)
    folder = Path(storage.path(job.file.name)).parent
    assert [p.name for p in folder.iterdir()] == [Path(job.file.name).name]
    assert report_tasks.run_export.call_local(job.pk) == "done"  # once done, not written again
    assert report_tasks.purge_old_exports.call_local() == report_tasks.purge_old_exports.call_local() == 0


def test_a_dead_import_is_failed_for_the_officer_who_runs_it_again(cast, login, django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("units.csv", UNITS_CSV.encode(), content_type="text/csv")
    job = submit_import(actor=cast.province, kind="units", uploaded_file=upload)  # sent after the commit: not yet
    ledger = Job.objects.get(name=import_tasks.run_import.name)
    assert ledger.max_attempts == 1
    # the worker claimed it, was writing, and was killed (kill -9): its transaction is gone
    ImportJob.objects.filter(pk=job.pk).update(state="writing")
    then = timezone.now() - dt.timedelta(minutes=2)
    Job.objects.filter(pk=ledger.pk).update(state="running", attempts=1, heartbeat_at=then, worker="gone:1")
    assert sweep().failed == [ledger.pk]
    job.refresh_from_db()
    assert job.state == "failed" and job.message == (
        'The server running the import stopped before the end; nothing was written. Press "Run again" or upload '
        "the file again.")
    client = login("province")
    page = client.get(reverse("console:import_job", args=[job.pk])).content.decode()
    assert "Run again" in page and "stopped before the end" in page and "Correct the rows below" not in page
    assert login("commune").post(reverse("console:import_again", args=[job.pk])).status_code == 404
    client = login("province")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("console:import_again", args=[job.pk]))
    assert response["Location"] == reverse("console:import_job", args=[job.pk])
    job.refresh_from_db()
    assert (job.state, job.rows_done, Unit.objects.filter(code="K7").count()) == ("done", 1, 1)
    assert AuditEntry.objects.filter(action="imports.run_again", object_id=str(job.pk), actor=cast.province).exists()
    assert Job.objects.filter(name=import_tasks.run_import.name).count() == 2
    page = client.get(reverse("console:import_job", args=[job.pk])).content.decode()
    assert "Run again" not in page  # done: nothing to run again
    response = client.post(reverse("console:import_again", args=[job.pk]), follow=True)
    assert "Only an import that failed on the server" in response.content.decode()


def test_run_again_is_refused_to_an_owner_who_may_no_longer_import(cast, login):
    from chibo.accounts.models import RoleGrant

    upload = SimpleUploadedFile("units.csv", UNITS_CSV.encode(), content_type="text/csv")
    job = submit_import(actor=cast.province, kind="units", uploaded_file=upload)
    ImportJob.objects.filter(pk=job.pk).update(state="failed", message="stopped")
    client = login("province")
    RoleGrant.objects.filter(user=cast.province).update(valid_to=timezone.localdate() - dt.timedelta(days=1))
    assert client.post(reverse("console:import_again", args=[job.pk])).status_code == 403
    assert client.get(reverse("console:import_again", args=[job.pk])).status_code == 405
    job.refresh_from_db()
    assert job.state == "failed"
