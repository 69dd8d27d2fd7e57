"""Periodic progress reports: cut-off days of each cadence, a stored report that keeps its
figures, the evening job, and the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from chibo.accounts.policy import SYSTEM
from chibo.admissions.stages import Stage
from chibo.targets import reports, services
from chibo.targets.models import ProgressReport
from tests.factories.admissions import carry, open_case


@pytest.mark.parametrize("cadence, days", [
    ("mid_end", ["2024-01-15", "2024-01-31", "2024-02-15", "2024-02-29"]),
    ("monthly", ["2024-01-31", "2024-02-29", "2024-12-31"]),
    ("quarterly", ["2024-03-31", "2024-06-30", "2024-09-30", "2024-12-31"]),
    ("yearly", ["2024-12-31"]),
])
def test_cutoff_days_of_each_cadence(cadence, days):
    year = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(366)]
    found = [d.isoformat() for d in year if reports.is_cutoff(cadence, d)]
    assert found[:len(days)] == days if cadence == "mid_end" else set(days) <= set(found)
    assert len(found) == {"mid_end": 24, "monthly": 12, "quarterly": 4, "yearly": 1}[cadence]


def test_a_report_keeps_the_figures_of_its_day(cast):
    services.set_targets(actor=SYSTEM, parent=cast.tree.g, year=2024, indicator="admissions",
                         values={cast.tree.g.pk: 4, cast.tree.k.pk: 4})
    carry(open_case(cast.tree.k, on=dt.date(2024, 1, 8)), Stage.ADMITTED)
    report = reports.take(cast.tree.g, dt.date(2024, 6, 30), actor=cast.province)
    own = report.data["rows"][0]
    assert (own["admitted"], own["target"], own["percent"]) == (1, 4, "25.00")
    carry(open_case(cast.tree.k, full_name="Đào Thị Yến", on=dt.date(2024, 2, 5)), Stage.ADMITTED)
    services.set_targets(actor=SYSTEM, parent=cast.tree.g, year=2024, indicator="admissions",
                         values={cast.tree.g.pk: 8})
    report.refresh_from_db()
    assert report.data["rows"][0]["admitted"] == 1 and report.data["rows"][0]["target"] == 4
    assert reports.snapshot(cast.tree.g, dt.date(2024, 6, 30))["rows"][0]["admitted"] == 2  # taken again


def test_the_evening_job_takes_the_scheduled_reports(cast):
    reports.set_schedule(cast.tree.g, "mid_end", actor=cast.province)
    assert reports.run(dt.date(2024, 3, 14)) == 0
    assert reports.run(dt.date(2024, 3, 15)) == 1
    assert ProgressReport.objects.get().cutoff == dt.date(2024, 3, 15)


def test_report_pages(cast, client):
    def login(persona):
        client.force_login(getattr(cast, persona))
        return client

    client = login("province")
    url = reverse("console:progress_reports", args=[cast.tree.g.pk])
    assert client.post(url, {"action": "schedule", "cadence": "quarterly"}).status_code == 302
    response = client.post(url, {"action": "take", "cutoff": "2024-06-30"})
    report = ProgressReport.objects.get()
    assert response["Location"] == reverse("console:progress_report", args=[report.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Đảng bộ Trường THCS Đông Sơn" in page and "30/06/2024" in page
    assert login("outsider").get(response["Location"]).status_code == 404
    assert login("secretary").post(url, {"action": "schedule", "cadence": "yearly"}).status_code == 404
