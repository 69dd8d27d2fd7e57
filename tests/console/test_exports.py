"""Exports in the console: the control on the unit page, the persona matrix on the export URLs,
the job page with its progress bar and download link, downloads by the owner only."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from chibo.reports import exports
from chibo.reports.models import ExportJob
from tests.console.conftest import PERSONAS

FOUND, FORBIDDEN, MISSING = 302, 403, 404


def _export(client, unit, fmt="xlsx", capture=None):
    url = reverse("console:member_export", args=[unit.pk])
    if capture is None:
        return client.post(url, {"format": fmt})
    with capture(execute=True):
        return client.post(url, {"format": fmt})


@pytest.mark.parametrize(("unit", "expected"), [
    ("k", dict(zip(PERSONAS, (FOUND, FOUND, FOUND, FORBIDDEN, MISSING, MISSING), strict=True))),
    ("c", dict(zip(PERSONAS, (FOUND, FOUND, FOUND, MISSING, MISSING, MISSING), strict=True))),
    ("q", dict(zip(PERSONAS, (FOUND, MISSING, MISSING, MISSING, MISSING, FOUND), strict=True))),
])
def test_persona_matrix_on_the_export_url(unit, expected, cast, client):
    seen = {}
    for persona in PERSONAS:
        client.force_login(getattr(cast, persona))
        seen[persona] = _export(client, getattr(cast.tree, unit)).status_code
    assert seen == expected
    started = {job.user.username for job in ExportJob.objects.all()}
    assert started == {p for p, status in expected.items() if status == FOUND}


def test_the_export_url_takes_posts_only_and_logged_in_users(cast, client):
    url = reverse("console:member_export", args=[cast.tree.k.pk])
    assert client.post(url, {"format": "csv"}).status_code == 302  # to the log-in page
    assert "login" in client.post(url, {"format": "csv"})["Location"]
    client.force_login(cast.province)
    assert client.get(url).status_code == 405
    assert not ExportJob.objects.exists()


def test_the_unit_page_offers_the_export_to_those_who_may(cast, login):
    html = login("province").get(reverse("console:unit", args=[cast.tree.k.pk])).content.decode()
    assert reverse("console:member_export", args=[cast.tree.k.pk]) in html
    assert "Export the member list" in html and '<option value="csv">' in html
    html = login("secretary").get(reverse("console:unit", args=[cast.tree.k.pk])).content.decode()
    assert "Export the member list" not in html


def test_an_export_runs_to_a_download_link(cast, login, django_capture_on_commit_callbacks):
    client = login("commune")
    response = _export(client, cast.tree.c, "csv", django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("console:export_job", args=[job.pk])

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.context["finished"] is True
    assert "Members of Xã Đông Sơn" in html and "The file is ready: 3 rows." in html
    assert '<progress class="export-bar" value="100" max="100">' in html
    assert "every 1s" not in html
    download = reverse("console:export_download", args=[job.pk])
    assert download in html

    file = client.get(download)
    assert file.status_code == 200 and file["Content-Type"] == "text/csv; charset=utf-8"
    assert file["Content-Disposition"].startswith('attachment; filename="members-C.')
    text = b"".join(file.streaming_content).decode("utf-8")
    assert text.startswith("\ufefffull_name,")
    assert [r["full_name"] for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))] == [
        "Đặng Văn An", "Lê Hoàng Cường", "Trần Thị Bình"]


def test_a_running_job_panel_polls_every_second(cast, login):
    job = ExportJob.objects.create(user=cast.province, kind="members", params={"unit": cast.tree.p.pk},
                                   format="xlsx", title="Members of Tỉnh Bắc Hà", state="running",
                                   rows_total=200, rows_done=50)
    client = login("province")
    response = client.get(reverse("console:export_job", args=[job.pk]), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.startswith('<div id="export-progress"')
    assert 'hx-trigger="every 1s"' in html
    assert '<progress class="export-bar" value="25" max="100">' in html
    assert reverse("console:export_download", args=[job.pk]) not in html
    assert client.get(reverse("console:export_download", args=[job.pk])).status_code == 404  # not ready


def test_a_failure_is_shown_clearly(cast, login):
    job = ExportJob.objects.create(user=cast.province, kind="members", params={}, format="xlsx", title="x",
                                   state="failed", error="What you asked to export is no longer within your scope.")
    html = login("province").get(reverse("console:export_job", args=[job.pk])).content.decode()
    assert "The export failed." in html and "no longer within your scope" in html
    assert 'role="alert"' in html and "every 1s" not in html


def test_only_the_owner_sees_the_job_and_its_file(cast, client, django_capture_on_commit_callbacks):
    client.force_login(cast.province)
    _export(client, cast.tree.g, "xlsx", django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    urls = [reverse("console:export_job", args=[job.pk]), reverse("console:export_download", args=[job.pk])]
    assert [client.get(u).status_code for u in urls] == [200, 200]
    for persona in ("admin", "commune", "secretary", "member", "outsider"):
        client.force_login(getattr(cast, persona))
        assert [client.get(u).status_code for u in urls] == [404, 404], persona
    client.logout()
    assert [client.get(u).status_code for u in urls] == [302, 302]


def test_an_xlsx_too_long_for_a_sheet_sends_back_to_the_unit_with_the_way_out(cast, login, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)
    client = login("province")
    response = _export(client, cast.tree.g, "xlsx")
    assert response["Location"] == reverse("console:unit", args=[cast.tree.g.pk])
    html = client.get(response["Location"]).content.decode()
    assert "This list has 3 rows: a spreadsheet holds at most 2. Export it as CSV instead." in html
    assert not ExportJob.objects.exists()


def test_an_unknown_format_is_refused(cast, login):
    client = login("province")
    response = _export(client, cast.tree.g, "docx")
    assert response["Location"] == reverse("console:unit", args=[cast.tree.g.pk])
    assert "cannot be exported as DOCX" in client.get(response["Location"]).content.decode()
