"""The import page: upload, the job page with its progress bar, the error report link."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from chibo.imports.models import ImportJob
from chibo.org.models import Unit

UNITS_CSV = (
    "code,name,kind,sector,parent_code,opened_on\n"
    "K7,Chi bộ Giáo viên 7,cell,school,G,2025-07-01\n"
    "K8,Chi bộ Giáo viên 8,cell,school,G,2025-07-01\n"
)
BAD_UNITS_CSV = (
    "code,name,kind,sector,parent_code,opened_on\n"
    "K7,Chi bộ Giáo viên 7,cell,school,G,2025-07-01\n"
    "K8,Chi bộ Giáo viên 8,cell,school,NOWHERE,2025-13-01\n"
)


def _upload(client, text: str, name: str = "units.csv", kind: str = "units"):
    upload = SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")
    return client.post(reverse("console:import_upload"), {"kind": kind, "file": upload})


def test_a_good_file_is_imported_and_the_job_page_says_so(cast, login, django_capture_on_commit_callbacks):
    client = login("province")
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, UNITS_CSV)
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("console:import_job", args=[job.pk])
    assert sorted(Unit.objects.filter(parent=cast.tree.g).values_list("code", flat=True)) == ["K", "K2", "K7", "K8"]
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.context["finished"] is True
    assert '<progress class="import-bar" value="100" max="100">' in html
    assert "2 rows were imported." in html
    assert "every 1s" not in html  # finished: the panel stops polling


def test_a_bad_file_writes_nothing_and_lists_the_errors(cast, login, django_capture_on_commit_callbacks):
    client = login("province")
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, BAD_UNITS_CSV)
    page = client.get(response["Location"])
    job = page.context["job"]
    assert job.state == "failed"
    assert not Unit.objects.filter(code__in=["K7", "K8"]).exists()
    assert [e["row"] for e in page.context["errors"]] == [e["row"] for e in job.errors]
    assert {e["column"] for e in job.errors} >= {"opened_on"}
    html = page.content.decode()
    assert "nothing was written" in html
    assert reverse("imports:errors", args=[job.pk]) in html


def test_a_running_job_panel_polls_every_second(cast, login):
    job = ImportJob.objects.create(kind="members", file="imports/x.csv", original_name="x.csv",
                                   state="validating", rows_total=200, rows_done=50, created_by=cast.province)
    response = login("province").get(reverse("console:import_job", args=[job.pk]), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.startswith('<div id="import-progress"')
    assert 'hx-trigger="every 1s"' in html
    assert '<progress class="import-bar" value="25" max="100">' in html


def test_a_file_of_the_wrong_type_is_refused(cast, login):
    response = _upload(login("province"), "x", name="units.txt")
    assert response.context["form"].errors["file"] == ["Upload a .csv or .xlsx file."]
    assert ImportJob.objects.count() == 0
