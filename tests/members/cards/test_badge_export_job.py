"""Review fix (issue 13): the badge list of an award day is exported in the background (the
reports export path, kind ``badges``): a POST that starts the job and goes to its page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from chibo.core.models import AuditEntry
from chibo.members.models import Member
from chibo.reports.models import ExportJob
from tests.console.conftest import statuses

DAY = "2026-05-19"


@pytest.fixture
def due(cast):
    """The other member of K reaches 30 years of party age between 3 Feb and 19 May 2026."""
    Member.objects.filter(pk=cast.other_m.pk).update(admission_date=dt.date(1996, 3, 1), party_since=None)
    return cast.other_m


def test_the_badge_export_is_a_background_job_audited_once(client, cast, due, django_capture_on_commit_callbacks):
    from openpyxl import load_workbook

    client.force_login(cast.commune)
    url = reverse("console:badges_export", args=[cast.tree.c.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"day": DAY, "format": "xlsx"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("console:export_job", args=[job.pk])
    assert (job.kind, job.state, job.unit_path, job.params) == ("badges", "done", cast.tree.c.path,
                                                               {"unit": cast.tree.c.pk, "day": DAY})
    assert job.rows_done == 1 and job.file.name.endswith(".xlsx")
    with job.file.open("rb") as handle:
        sheet = load_workbook(handle).active
        values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert due.full_name in values and 30 in values
    line = AuditEntry.objects.get(action="reports.exported")
    assert (line.object_type, line.unit_path, line.payload["kind"]) == ("exportjob", cast.tree.c.path, "badges")


def test_the_badge_export_persona_matrix(client, cast, due):
    url = reverse("console:badges_export", args=[cast.tree.c.pk])
    assert statuses(client, cast, url, "post", {"day": DAY, "format": "pdf"}) == {
        "admin": 302, "province": 302, "commune": 302, "secretary": 404, "member": 404, "outsider": 404}
    assert sorted(ExportJob.objects.values_list("user__username", flat=True)) == ["admin", "commune", "province"]
    k = reverse("console:badges_export", args=[cast.tree.k.pk])
    assert statuses(client, cast, k, "post", {"day": DAY, "format": "xlsx"})["secretary"] == 302


def test_the_badge_export_takes_posts_and_refuses_bad_days_and_formats(client, cast, due):
    url = reverse("console:badges_export", args=[cast.tree.c.pk])
    client.force_login(cast.commune)
    assert client.get(url).status_code == 405
    assert client.post(url, {"day": "not a day", "format": "xlsx"}).status_code == 404
    refused = client.post(url, {"day": "2026-05-18", "format": "xlsx"})  # not an award day
    assert refused.status_code == 302 and refused["Location"].endswith("?day=2026-05-18")
    refused = client.post(url, {"day": DAY, "format": "csv"}, follow=True)
    assert "cannot be exported as CSV" in refused.content.decode()
    assert not ExportJob.objects.exists()
