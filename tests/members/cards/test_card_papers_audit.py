"""Review fix (issue 13): a card's papers (the loss report, the reissue request) are audited as
one member's export, counted on that member's "who can see my data" page only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from chibo.accounts.policy import SYSTEM
from chibo.core.audit_queries import reads_of
from chibo.core.models import AuditEntry
from chibo.members.cards import services


@pytest.mark.parametrize("kind", ["loss", "reissue"])
def test_a_card_paper_is_audited_and_counted_for_its_holder_only(client, cast, issued, kind):
    services.report_loss(issued, actor=SYSTEM, on=dt.date(2026, 4, 1))
    client.force_login(cast.secretary)
    assert client.get(reverse("console:card_paper", args=[issued.pk, kind])).status_code == 200
    entry = AuditEntry.objects.get(action="reports.exported")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (cast.secretary.pk, "partycard", str(issued.pk))
    assert entry.unit_path == cast.plain_m.unit_path and entry.payload["paper"] == kind
    mine = [r for r in reads_of(cast.plain_m).rows if r.entry.pk == entry.pk]
    assert len(mine) == 1 and mine[0].is_export and mine[0].scope == cast.tree.k
    assert cast.other_m.unit_path == cast.plain_m.unit_path  # the same cell, another member: not counted
    assert entry.pk not in [r.entry.pk for r in reads_of(cast.other_m).rows]


def test_a_refused_paper_records_nothing(client, cast, issued):
    client.force_login(cast.outsider)
    assert client.get(reverse("console:card_paper", args=[issued.pk, "loss"])).status_code == 404
    client.force_login(cast.secretary)
    assert client.get(reverse("console:card_paper", args=[issued.pk, "other"])).status_code == 404
    assert not AuditEntry.objects.filter(action="reports.exported").exists()
