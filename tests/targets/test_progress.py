"""Targets set, approved, locked and revised; the dashboard's figures from the tallies, as of any day."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.admissions.stages import Stage
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.restructuring import services as restructuring
from chibo.targets import assistant, progress, services
from chibo.targets.models import Revision, State, Target
from tests.factories.admissions import carry, open_case
from tests.factories.registry import make_member

YEAR = 2024


def _admit(cell, name, start=dt.date(2024, 1, 8), **kwargs):
    return carry(open_case(cell, full_name=name, on=start, **kwargs), Stage.ADMITTED)


def test_targets_are_set_approved_locked_and_revised_with_a_reason(cast):
    g, k, k2 = cast.tree.g, cast.tree.k, cast.tree.k2
    saved = services.set_targets(actor=cast.province, parent=g, year=YEAR, indicator="admissions",
                                 values={g.pk: 5, k.pk: 3, k2.pk: 2}, method="rate")
    assert [t.state for t in saved] == [State.DRAFT] * 3
    with pytest.raises(PermissionDenied):
        services.approve(actor=cast.province, unit=g, year=YEAR)  # board staff set, the committee approves
    assert services.approve(actor=cast.commune, unit=g, year=YEAR, lock=True) == 3
    with pytest.raises(DomainError) as err:
        services.set_targets(actor=cast.province, parent=g, year=YEAR, indicator="admissions", values={k.pk: 4})
    assert "reason" in err.value.field_errors
    services.set_targets(actor=cast.province, parent=g, year=YEAR, indicator="admissions", values={k.pk: 4},
                         reason="Chi bộ có thêm nguồn từ trường mới sáp nhập")
    target = Target.objects.get(unit=k, year=YEAR)
    assert (target.value, target.state) == (4, State.LOCKED)
    assert Revision.objects.get(target=target).old_value == 3


def test_targets_outside_the_unit_and_its_children_or_scope_are_refused(cast):
    with pytest.raises(DomainError):  # K is a grandchild of C
        services.set_targets(actor=cast.province, parent=cast.tree.c, year=YEAR, indicator="admissions",
                             values={cast.tree.k.pk: 1})
    with pytest.raises(NotFound):
        services.set_targets(actor=cast.outsider, parent=cast.tree.g, year=YEAR, indicator="admissions",
                             values={cast.tree.g.pk: 1})
    with pytest.raises(PermissionDenied):
        services.set_targets(actor=cast.secretary, parent=cast.tree.k, year=YEAR, indicator="admissions",
                             values={cast.tree.k.pk: 1})
    assert not Target.objects.exists()


def test_the_assistant_splits_by_members_and_by_last_year(cast):
    for name in ("Hà Văn Sơn", "Lò Văn Minh", "Tòng Văn Pọm"):
        make_member(cast.tree.k2, name)
    services.set_targets(actor=SYSTEM, parent=cast.tree.g, year=YEAR, indicator="admissions",
                         values={cast.tree.g.pk: 7})
    proposal = assistant.propose(cast.tree.g, YEAR, "rate")
    assert proposal.parent == 7 and proposal.children_sum == 7  # K has 3 members, K2 3: 4 + 3
    assert sorted(proposal.children.values()) == [3, 4]
    fresh = assistant.propose(cast.tree.c, YEAR, "rate", rate_percent=50)
    assert fresh.parent == 3  # half of C's 6 members, no target set yet
    last = assistant.propose(cast.tree.g, YEAR + 1, "last_year", extra=2)
    assert last.children == {cast.tree.k.pk: 2, cast.tree.k2.pk: 2}
    assert assistant.course_target(35, YEAR) == 70


def test_the_dashboard_counts_admissions_against_targets_for_the_unit_and_each_child(cast):
    _admit(cast.tree.k, "Vũ Thị Hạnh")
    _admit(cast.tree.k, "Đỗ Văn Tài", sex="M")
    services.set_targets(actor=SYSTEM, parent=cast.tree.g, year=YEAR, indicator="admissions",
                         values={cast.tree.g.pk: 4, cast.tree.k.pk: 2, cast.tree.k2.pk: 2})
    board = progress.dashboard(cast.tree.g, dt.date(YEAR, 12, 31))
    assert (board.unit.admitted, board.unit.target, board.unit.percent) == (2, 4, 50)
    by_name = {r.name: r for r in board.children}
    assert by_name["Chi bộ Giáo viên 1"].percent == 100 and by_name["Chi bộ Giáo viên 2"].admitted == 0
    assert dict(board.unit.categories)["women"] == 1 and dict(board.unit.categories)["civil_servant"] == 2
    assert board.unit.forecast == 2 and "working days" in board.forecast_method
    assert by_name["Chi bộ Giáo viên 1"].rank == 1
    assert board.series[-1] == (dt.date(YEAR, 12, 31), 2)
    early = progress.dashboard(cast.tree.g, dt.date(YEAR, 1, 10))
    assert early.unit.admitted == 0 and early.unit.behind is False  # no admission expected yet


def test_the_dashboard_follows_the_structure_of_the_day(cast):
    """K2 moves from G to QC in June: before, its admissions are G's; after, QC's."""
    make_member(cast.tree.k2, "Hà Văn Sơn")
    make_member(cast.tree.k2, "Lò Thị Mai", sex="F")
    _admit(cast.tree.k2, "Phan Thị Nga")
    restructuring.move_unit(cast.tree.k2, actor=SYSTEM, new_parent=cast.tree.qc, on=dt.date(YEAR, 6, 16))
    may, july = dt.date(YEAR, 5, 31), dt.date(YEAR, 7, 31)
    assert [r.name for r in progress.dashboard(cast.tree.g, may).children] == [
        "Chi bộ Giáo viên 1", "Chi bộ Giáo viên 2"]
    assert progress.dashboard(cast.tree.g, may).unit.admitted == 1
    assert progress.dashboard(cast.tree.g, july).unit.admitted == 0
    assert [r.name for r in progress.dashboard(cast.tree.g, july).children] == ["Chi bộ Giáo viên 1"]
    assert progress.dashboard(cast.tree.qc, july).unit.admitted == 1
    assert progress.dashboard(cast.tree.root, july).unit.admitted == 1


@pytest.mark.parametrize("children", [1, 4])
def test_the_dashboard_query_count_does_not_grow(children, cast, django_assert_max_num_queries):
    from tests.factories.registry import make_unit

    for i in range(children):
        make_unit(cast.tree.g, f"N{i}", f"Chi bộ mới {i}", "cell")
    with django_assert_max_num_queries(12):  # the twelfth: the review's tallies (grassroots rated good or better)
        board = progress.dashboard(cast.tree.g, dt.date(YEAR, 9, 30))
    assert len(board.children) == children + 2


def test_member_counts_are_copied_for_past_days(cast):
    assert services.snapshot_members(dt.date(YEAR, 1, 1)) > 0
    board = progress.dashboard(cast.tree.k, dt.date(YEAR, 3, 1))
    assert (board.unit.members, board.unit.base, board.members_on) == (3, 3, dt.date(YEAR, 1, 1))


def test_new_organizations_in_non_state_enterprises_are_counted_by_opening_date(cast):
    from tests.factories.registry import make_unit

    make_unit(cast.tree.c, "DN1", "Chi bộ Công ty TNHH Hải Long", "grassroots_cell", "non_state_enterprise",
              opened_on=dt.date(YEAR, 4, 2))
    make_unit(cast.tree.c, "DN0", "Chi bộ Công ty CP Đông Á", "grassroots_cell", "non_state_enterprise",
              opened_on=dt.date(YEAR - 1, 4, 2))
    services.set_targets(actor=SYSTEM, parent=cast.tree.c, year=YEAR, indicator="new_orgs",
                         values={cast.tree.c.pk: 2})
    assert progress.dashboard(cast.tree.c, dt.date(YEAR, 3, 31)).new_orgs == 0
    board = progress.dashboard(cast.tree.c, dt.date(YEAR, 12, 31))
    assert (board.new_orgs, board.new_orgs_percent) == (1, 50)


def test_a_cell_merged_in_june_counts_under_its_successor_after_and_its_old_parent_before(cast):
    make_member(cast.tree.k2, "Hà Văn Sơn")
    make_member(cast.tree.k2, "Lò Thị Mai", sex="F")
    _admit(cast.tree.k2, "Phan Thị Nga")
    restructuring.merge_units([cast.tree.k2], into=cast.tree.qk, actor=SYSTEM, on=dt.date(YEAR, 6, 16))
    may, july = dt.date(YEAR, 5, 31), dt.date(YEAR, 7, 31)
    assert (progress.dashboard(cast.tree.p, may).unit.admitted, progress.dashboard(cast.tree.q, may).unit.admitted) \
        == (1, 0)
    assert (progress.dashboard(cast.tree.p, july).unit.admitted, progress.dashboard(cast.tree.q, july).unit.admitted) \
        == (0, 1)
    assert progress.dashboard(cast.tree.qk, july).unit.admitted == 1  # the successor
    from chibo.admissions import tallying

    assert tallying.verify() == []


def test_the_progress_page_labels_admission_decisions_apart_from_the_registrys_new_members(cast, client):
    """One admission decided through a case and one member keyed into the registry with a 2025
    admission date: the target counts the decision (1), the member changes count both (2), and
    the page says which is which."""
    from django.urls import reverse

    case = _admit(cast.tree.k, "Hồ Thị Lan", start=dt.date(2025, 1, 6))
    make_member(cast.tree.k2, "Lý Văn Mạnh", status="probationary", admission_date=dt.date(2025, 5, 5),
                ceremony_date=dt.date(2025, 5, 19))
    day = dt.date(2025, 12, 31)
    assert case.decision_on.year == 2025
    assert progress.dashboard(cast.tree.c, day).unit.admitted == progress.decisions_to_date(cast.tree.c, day) == 1
    client.force_login(cast.province)
    page = client.get(reverse("console:progress", args=[cast.tree.c.pk]) + "?day=2025-12-31").content.decode()
    assert "admission decisions of the year / target" in page
    assert ("Admissions against the target: the admission decisions recorded in admission cases, on the "
            "decision's date. Members entered in the registry directly") in page
    panel = client.get(reverse("console:progress_members", args=[cast.tree.c.pk]) + "?day=2025-12-31")
    rows = [(label, n) for label, n in panel.context["increases"]]
    assert rows[0] == ("New members on the register (admission date in the year)", 2)
    assert ("The progress against the target counts only the admission decisions recorded in admission "
            "cases: 1 this year.") in panel.content.decode()
