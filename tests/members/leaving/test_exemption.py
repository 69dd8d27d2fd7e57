"""Exemption from work and meetings: the cell's resolution, the return, the temporary exemption
for members working far away; exempted members leave invitations, attendance rates, the handbook's
user base and the annual review; tallies follow."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.core.audit import AuditEntry
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.handbook import queries as handbook_queries
from chibo.meetings import queries as meeting_queries
from chibo.meetings import services as meeting_services
from chibo.meetings.models import Invitation
from chibo.members import tallies
from chibo.members.leaving import services
from chibo.members.leaving.models import Exemption
from chibo.members.models import UnitMemberTally
from chibo.quality.models import MemberReview
from tests.factories.registry import make_user
from tests.members.leaving.conftest import absences, held_meeting
from tests.quality.conftest import open_year

ON = dt.date(2026, 3, 2)


def _exempt(member, actor=SYSTEM, **over):
    data = {"kind": "age_health", "applied_on": ON - dt.timedelta(days=10), "reason": "Tuổi cao, sức khỏe yếu",
            "resolved_on": ON, "resolution": "07-NQ/CB", **over}
    return services.exempt(member, actor=actor, **data)


def test_the_cell_exempts_and_the_tallies_move(cast):
    before = UnitMemberTally.objects.get(unit=cast.tree.k).as_dict()
    exemption = _exempt(cast.plain_m, actor=cast.secretary)
    cast.plain_m.refresh_from_db()
    assert (cast.plain_m.status, cast.plain_m.status_since) == ("exempted", ON)
    assert (exemption.status_before, exemption.unit_id) == ("official", cast.tree.k.pk)
    after = UnitMemberTally.objects.get(unit=cast.tree.k).as_dict()
    assert (after["total"], after["official"], after["exempted"]) == (
        before["total"], before["official"] - 1, before["exempted"] + 1)
    assert tallies.verify() == []
    assert AuditEntry.objects.filter(action="members.exempted").count() == 1


def test_the_return_restores_the_status_before(cast):
    _exempt(cast.plain_m)
    services.end_exemption(cast.plain_m, actor=cast.secretary, asked_on=ON + dt.timedelta(days=30),
                           returned_on=ON + dt.timedelta(days=40), resolution="09-NQ/CB")
    cast.plain_m.refresh_from_db()
    assert (cast.plain_m.status, cast.plain_m.status_since) == ("official", ON + dt.timedelta(days=40))
    assert Exemption.objects.get().returned_on == ON + dt.timedelta(days=40)
    assert tallies.verify() == []


def test_a_return_cannot_precede_the_exemption_and_changes_nothing(cast):
    _exempt(cast.plain_m)
    with pytest.raises(DomainError) as err:
        services.end_exemption(cast.plain_m, actor=SYSTEM, asked_on=ON - dt.timedelta(days=1),
                               returned_on=ON, resolution="09-NQ/CB")
    assert "asked_on" in err.value.field_errors
    cast.plain_m.refresh_from_db()
    assert cast.plain_m.status == "exempted" and Exemption.objects.get().returned_on is None


def test_only_the_cell_and_those_above_with_the_right_exempt(cast):
    with pytest.raises(NotFound):
        _exempt(cast.plain_m, actor=cast.member)  # a member sees no one else's record here
    with pytest.raises(NotFound):
        _exempt(cast.plain_m, actor=cast.outsider)  # the other province
    with pytest.raises(PermissionDenied):
        _exempt(cast.plain_m, actor=make_user("auditor", role="auditor", unit=cast.tree.p))  # read-only
    assert Exemption.objects.count() == 0


@pytest.mark.parametrize(("ends_on", "ok"), [
    (dt.date(2027, 3, 2), True),  # 12 months exactly
    (dt.date(2027, 3, 3), False),  # one day more
    (ON, False),  # not after the start
    (None, False),
])
def test_working_away_lasts_at_most_the_rulebooks_months(cast, ends_on, ok):
    if ok:
        assert _exempt(cast.plain_m, kind="working_away", ends_on=ends_on).ends_on == ends_on
        return
    with pytest.raises(DomainError) as err:
        _exempt(cast.plain_m, kind="working_away", ends_on=ends_on)
    assert "ends_on" in err.value.field_errors
    cast.plain_m.refresh_from_db()
    assert cast.plain_m.status == "official" and Exemption.objects.count() == 0


def test_the_daily_job_ends_a_working_away_exemption_the_day_after_its_end(cast):
    _exempt(cast.plain_m, kind="working_away", ends_on=dt.date(2026, 9, 1))
    assert services.end_working_away_exemptions(today=dt.date(2026, 9, 1)) == 0
    assert services.end_working_away_exemptions(today=dt.date(2026, 9, 2)) == 1
    cast.plain_m.refresh_from_db()
    assert (cast.plain_m.status, cast.plain_m.status_since) == ("official", dt.date(2026, 9, 2))
    assert services.end_working_away_exemptions(today=dt.date(2026, 9, 3)) == 0
    assert tallies.verify() == []


@pytest.mark.parametrize(("field", "value"), [
    ("resolved_on", dt.date(2099, 1, 1)),  # the future
    ("resolved_on", dt.date(2011, 5, 31)),  # before the current status began (official since 1/6/2011)
    ("reason", " "),
    ("resolution", ""),
])
def test_bad_input_changes_nothing(cast, field, value):
    with pytest.raises(DomainError) as err:
        _exempt(cast.plain_m, **{field: value})
    assert field in err.value.field_errors
    cast.plain_m.refresh_from_db()
    assert cast.plain_m.status == "official"
    assert Exemption.objects.count() == 0 and AuditEntry.objects.filter(action="members.exempted").count() == 0


def test_an_exempted_member_leaves_invitations_and_the_attendance_rate(cast):
    absences(cast.plain_m, [dt.date(2026, 2, 10)], attendance="present")
    coming = held_meeting(cast.tree.k, dt.date(2026, 3, 10), state="invited")
    Invitation.objects.create(meeting=coming, member=cast.plain_m)
    Invitation.objects.create(meeting=coming, member=cast.other_m)
    _exempt(cast.plain_m)
    assert not Invitation.objects.filter(meeting=coming, member=cast.plain_m).exists()  # withdrawn
    assert Invitation.objects.filter(meeting=coming, member=cast.other_m).exists()
    assert Invitation.objects.filter(member=cast.plain_m, attendance="present").count() == 1  # the past stays
    Invitation.objects.filter(meeting=coming).update(attendance="unexcused")
    assert meeting_queries.rate(cast.tree.k, 2026) == (1, 2)  # the exempted member's absence is not there
    assert cast.plain_m.pk not in set(meeting_services.invitees(cast.tree.k))


def test_an_exempted_member_leaves_the_handbooks_user_base(cast):
    before = {row.unit.pk: row.members for row in handbook_queries.adoption(cast.tree.g)}
    _exempt(cast.plain_m)
    after = {row.unit.pk: row.members for row in handbook_queries.adoption(cast.tree.g)}
    assert after[cast.tree.k.pk] == before[cast.tree.k.pk] - 1
    assert after[cast.tree.g.pk] == before[cast.tree.g.pk] - 1


def test_an_exempted_member_leaves_the_annual_review(cast):
    _exempt(cast.plain_m)
    open_year(cast.tree.c, 2026)
    reviewed = set(MemberReview.objects.filter(year=2026, quarter=0).values_list("member_id", flat=True))
    assert cast.plain_m.pk not in reviewed and cast.other_m.pk in reviewed


def test_the_daily_task_runs_the_job(cast):
    from chibo.members.leaving.tasks import end_working_away_exemptions

    _exempt(cast.plain_m, kind="working_away", ends_on=dt.date(2026, 9, 1))
    end_working_away_exemptions.call_local()
    cast.plain_m.refresh_from_db()
    assert cast.plain_m.status == "official"
