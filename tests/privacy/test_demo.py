"""The demo's reads of the demo member's record: the page has something to show, once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from chibo.accounts.models import User
from chibo.core.audit_queries import reads_of
from chibo.core.models import AuditEntry
from chibo.demo.privacy import READS, make_demo


@pytest.mark.django_db
def test_the_demo_member_sees_the_reads_of_the_last_year(client):
    call_command("demo", "--no-serve", "--members", "2500", stdout=StringIO())
    today = timezone.localdate()
    make_demo(today)
    member = User.objects.get(username="member").member
    rows = reads_of(member).rows
    demo_rows = [r for r in rows if (r.entry.payload or {}).get("demo")]
    assert len(demo_rows) == sum(1 for days, *_ in READS if days < 365)
    assert all(r.roles for r in demo_rows)
    before = AuditEntry.objects.count()
    make_demo(today)  # a second run adds nothing
    assert AuditEntry.objects.count() == before
    client.force_login(User.objects.get(username="member"))
    assert client.get("/handbook/privacy/").status_code == 200
