"""The privacy bench on the test database (PostgreSQL only): the generated audit lines, the
indexes rebuilt as they were, the figures measured, ``--drop`` removing exactly the lines made."""

from __future__ import annotations

import pytest
from bench.report import Report
from django.db import connection

from bench import privacy, privacy_data
from chibo.core.models import AuditEntry

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the privacy bench generates its lines with PostgreSQL's generate_series")


def test_generate_measure_and_drop(cast):
    own = AuditEntry.objects.count()
    with connection.cursor() as cur:
        before = privacy_data.secondary_indexes(cur)
    info = privacy_data.generate(20_000, 5_000, log=lambda *a, **k: None, subject=cast.plain_m.pk)
    with connection.cursor() as cur:
        assert [n for n, _ in privacy_data.secondary_indexes(cur)] == [n for n, _ in before]  # rebuilt
    assert info["generated"] == AuditEntry.objects.filter(payload__bench="privacy").count() > 8_000
    assert AuditEntry.objects.filter(object_id=str(cast.plain_m.pk), action="members.viewed").count() >= 8_000
    report = Report("privacy", "test", connection.vendor)
    privacy.measure(report, reps=2, subject=cast.plain_m.pk)
    names = [f.name for f in report.figures]
    assert names == ["page: member with many reads", "its two audit reads (core 0002 indexes)",
                     "page: after 2,000 lines", "page: a typical member"]
    assert all(f.value is not None for f in report.figures)
    assert "audit_subject" in report.plans["views (audit_subject)"]
    with connection.cursor() as cur:  # the baseline's dropped index came back with the rollback
        assert [n for n, _ in privacy_data.secondary_indexes(cur)] == [n for n, _ in before]
    assert privacy_data.drop(log=lambda *a, **k: None) == info["generated"]
    assert AuditEntry.objects.count() == own
