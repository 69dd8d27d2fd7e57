"""A moved unit takes every copy of its path along (docs/decisions/0005): its meetings, the
documents addressed to it, its studies and targets are seen from its new committee and no longer
from the old one; the audit log keeps the path an entry was written under."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from chibo.accounts import policy
from chibo.accounts.policy import SYSTEM
from chibo.accounts.roles import Perm
from chibo.admissions import tallying
from chibo.core.errors import NotFound
from chibo.library import queries as library_queries
from chibo.library import services as library
from chibo.meetings import queries as meeting_queries
from chibo.meetings import services as meetings
from chibo.members import tallies
from chibo.restructuring import services as restructuring
from chibo.targets import services as targets
from chibo.targets.models import Target
from tests.factories.library import make_document

D = dt.date


@pytest.fixture
def cell_k(cast):
    """Cell K with a meeting, a document addressed to it, a study its member confirmed and a target."""
    k = cast.tree.k
    meeting = meetings.create_meeting(actor=cast.secretary, unit=k, kind="regular",
                                      starts_at=timezone.now() + dt.timedelta(days=5))
    document = make_document(k, "3-NQ/CB", "Nghị quyết chi bộ tháng 3")
    study = library.assign(document, actor=SYSTEM, unit=k, due_on=timezone.localdate() + dt.timedelta(days=7))
    library.confirm(study, actor=cast.member)
    target = targets.set_targets(actor=SYSTEM, parent=cast.tree.g, year=2025, indicator="admissions",
                                 values={k.pk: 2})[0]
    return SimpleNamespace(meeting=meeting, document=document, study=study, target=target)


def _targets_seen_by(user) -> list[int]:
    return list(Target.objects.filter(policy.scope_for(user, Perm.UNITS_VIEW).q("unit_path"))
                .values_list("pk", flat=True))


def test_a_moved_cell_is_seen_whole_from_its_new_committee_and_no_longer_from_the_old(cast, cell_k):
    restructuring.move_unit(cast.tree.k, actor=SYSTEM, new_parent=cast.tree.qc, on=D(2025, 7, 1))

    assert list(meeting_queries.meetings_for_user(cast.outsider)) == [cell_k.meeting]
    assert list(meeting_queries.meetings_for_user(cast.province)) == []
    assert list(library_queries.visible_documents(cast.outsider)) == [cell_k.document]
    assert list(library_queries.visible_documents(cast.member)) == [cell_k.document]
    assert list(library_queries.visible_documents(cast.province)) == []
    study = library_queries.get_assignment_for_user(cast.outsider, cell_k.study.pk)
    assert (study.pk, study.unit.code) == (cell_k.study.pk, "K")
    with pytest.raises(NotFound):
        library_queries.get_assignment_for_user(cast.province, cell_k.study.pk)
    cast.plain_m.refresh_from_db()
    assert list(library_queries.assignments_for_member(cast.plain_m)) == [cell_k.study]
    rows = library_queries.completion(study).rows
    assert [(r.unit.code, r.confirmed, r.expected) for r in rows] == [("K", 1, 3)]
    assert _targets_seen_by(cast.outsider) == [cell_k.target.pk]
    assert _targets_seen_by(cast.province) == []
    assert tallies.verify() == []
    assert tallying.verify() == []
