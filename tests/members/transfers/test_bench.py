"""The transfers bench measures inside transactions that are rolled back: the data is left as found."""

from __future__ import annotations

import pytest
from bench.report import Report

from bench import transfers as bench
from chibo.core.models import AuditEntry
from chibo.members import tallies
from chibo.members.models import Member, Placement, Transfer

pytestmark = pytest.mark.django_db


def test_the_bench_leaves_the_data_as_it_found_it(cast):
    t = cast.tree
    before = (AuditEntry.objects.count(), Placement.objects.count(),
              sorted(Member.objects.values_list("pk", "unit_id")))
    report = Report("transfers", "test", "sqlite")
    case = {"member": cast.plain_m, "there": t.qk, "cell": t.k, "target": t.k2, "cell_members": 3}
    bench.steps(report, case, reps=1)
    bench.whole_cell(report, case, reps=1)
    assert [f.name for f in report.figures] == ["start a transfer (decide)", "accept a transfer (other province)",
                                                "whole cell (3 members, every step)"]
    assert all(f.value is not None and f.baseline is not None for f in report.figures)
    assert Transfer.objects.count() == 0 and tallies.verify() == []
    assert (AuditEntry.objects.count(), Placement.objects.count(),
            sorted(Member.objects.values_list("pk", "unit_id"))) == before
