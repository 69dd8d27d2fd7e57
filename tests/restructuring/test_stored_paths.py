"""A moved unit takes every copy of its path along (docs/decisions/0005): its meetings, the
documents addressed to it, its studies and targets are seen from its new committee and no longer
from the old one; the audit log keeps the path an entry was written under, and that path is
never given to another unit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from chibo.accounts import policy
from chibo.accounts.policy import SYSTEM
from chibo.accounts.roles import Perm
from chibo.admissions import tallying
from chibo.admissions.models import AdmissionCase, Course
from chibo.core import queries as audit_queries
from chibo.core.errors import NotFound
from chibo.core.models import AuditEntry
from chibo.dues import arrears as dues_arrears
from chibo.imports.services import import_path
from chibo.library import queries as library_queries
from chibo.library.models import Document, StudyAssignment, StudyConfirmation
from chibo.meetings import queries as meeting_queries
from chibo.meetings import services as meetings
from chibo.meetings.models import Meeting
from chibo.members import tallies
from chibo.org.models import Unit
from chibo.quality import tallies as quality_tallies
from chibo.restructuring import services as restructuring
from chibo.targets.models import Target
from tests.factories.registry import make_unit
from tests.imports.conftest import UNIT_HEADER, write_csv
from tests.restructuring.conftest import fill

D = dt.date


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
    assert quality_tallies.verify() == []


def test_every_copy_moves_with_a_committee_and_its_cells(cast, cell_k):
    restructuring.move_unit(cast.tree.g, actor=SYSTEM, new_parent=cast.tree.qc, on=D(2025, 7, 1))

    k, g = Unit.objects.get(code="K"), Unit.objects.get(code="G")
    assert k.path == g.path + "00001" and g.path == cast.tree.qc.path + "00002"
    copies = [Meeting.objects.get(pk=cell_k.meeting.pk).unit_path,
              Document.objects.get(pk=cell_k.document.pk).unit_path,
              StudyAssignment.objects.get(pk=cell_k.study.pk).unit_path,
              StudyConfirmation.objects.get(assignment=cell_k.study).unit_path,
              Target.objects.get(pk=cell_k.target.pk).unit_path,
              AdmissionCase.objects.get(pk=cell_k.case.pk).unit_path]
    assert copies == [k.path] * 6
    assert Course.objects.get(pk=cell_k.course.pk).unit_path == g.path
    assert tallies.verify() == []
    assert tallying.verify() == []


def test_a_cell_merged_into_another_province_takes_its_records_under_its_successor(cast, cell_k):
    restructuring.merge_units([cast.tree.k], into=cast.tree.qk, actor=SYSTEM, on=D(2025, 7, 1))

    k = Unit.objects.get(code="K")
    assert k.path.startswith(cast.tree.qk.path)
    assert list(meeting_queries.meetings_for_user(cast.outsider)) == [cell_k.meeting]
    assert list(meeting_queries.meetings_for_user(cast.province)) == []
    assert _targets_seen_by(cast.outsider) == [cell_k.target.pk]
    assert AdmissionCase.objects.get(pk=cell_k.case.pk).unit_path == cast.tree.qk.path  # open: to the successor
    assert tallies.verify() == []
    assert tallying.verify() == []


def test_the_audit_log_keeps_the_scope_an_entry_was_written_in(cast):
    old_path = cast.tree.k.path
    meeting = meetings.create_meeting(actor=cast.secretary, unit=cast.tree.k, kind="thematic",
                                      starts_at=timezone.now() + dt.timedelta(days=5))
    entry = AuditEntry.objects.get(action="meetings.created", object_id=str(meeting.pk))

    restructuring.move_unit(cast.tree.k, actor=SYSTEM, new_parent=cast.tree.qc, on=D(2025, 7, 1))

    assert AuditEntry.objects.get(pk=entry.pk).unit_path == old_path
    assert audit_queries.audit_entries_for_user(cast.province).filter(pk=entry.pk).count() == 1
    assert audit_queries.audit_entries_for_user(cast.outsider).filter(pk=entry.pk).count() == 0


def test_a_new_unit_never_takes_the_path_a_moved_unit_had(cast):
    g, old_path = cast.tree.g, cast.tree.k2.path
    assert old_path == g.path + "00002"  # G's last child
    restructuring.move_unit(cast.tree.k2, actor=SYSTEM, new_parent=cast.tree.qc, on=D(2025, 7, 1))

    k3 = make_unit(g, "K3", "Chi bộ Giáo viên 3", "cell", "school")

    assert k3.path == g.path + "00003"


def test_an_imported_unit_never_takes_the_path_a_moved_unit_had(cast, tmp_path):
    g = cast.tree.g
    restructuring.move_unit(cast.tree.k2, actor=SYSTEM, new_parent=cast.tree.qc, on=D(2025, 7, 1))
    rows = [{"code": "K3", "name": "Chi bộ Giáo viên 3", "kind": "cell", "sector": "school", "parent_code": "G",
             "opened_on": "2025-07-02"}]

    result = import_path(write_csv(tmp_path / "units.csv", UNIT_HEADER, rows), "units", actor=cast.province)

    assert result.ok
    assert Unit.objects.get(code="K3").path == g.path + "00003"


@pytest.mark.parametrize("rows", [1, 3])
def test_a_move_costs_the_same_queries_whatever_the_number_of_rows_it_carries(cast, rows,
                                                                             django_assert_num_queries):
    fill(cast, rows)
    with django_assert_num_queries(56):
        restructuring.move_unit(cast.tree.g, actor=SYSTEM, new_parent=cast.tree.qc, on=D(2025, 7, 1))
    assert tallies.verify() == []
    assert tallying.verify() == []
    assert dues_arrears.verify() == []
