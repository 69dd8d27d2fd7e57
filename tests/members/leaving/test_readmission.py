"""Readmission reads the leaving records: the removal or expulsion decision's day (36 months, at
the boundary) and an expulsion whose ground bars readmission; the admission pipeline refuses a
case too early at the cell's vote, and refuses to open one for a person who may never come back."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.admissions.stages import Stage
from chibo.core.errors import DomainError
from chibo.members import services as member_services
from chibo.members.leaving import services
from chibo.members.models import Member
from tests.factories.admissions import carry, open_case
from tests.members.leaving.conftest import removed

LEFT = dt.date(2022, 1, 10)  # a Monday
ALLOWED = dt.date(2025, 1, 10)  # 36 months later


def _case_for(former: Member, on: dt.date):
    return open_case(former.unit, on=on, full_name=former.full_name, sex=former.sex, birth_date=former.birth_date,
                     citizen_id=former.citizen_id)


def test_readmit_refuses_the_day_before_36_months_after_the_removal_decision(cast):
    removed(cast.other_m, LEFT)
    with pytest.raises(DomainError) as err:
        member_services.readmit(cast.other_m, actor=SYSTEM, unit=cast.tree.k2, on=ALLOWED - dt.timedelta(days=1))
    assert "10/01/2025" in err.value.field_errors["left_on"][0]
    back = member_services.readmit(cast.other_m, actor=SYSTEM, unit=cast.tree.k2, on=ALLOWED)
    assert back.status == "probationary"


def test_the_removal_record_wins_over_a_status_day_edited_later(cast):
    removed(cast.other_m, LEFT)
    Member.objects.filter(pk=cast.other_m.pk).update(status_since=dt.date(2020, 1, 1))  # an edit, not a decision
    with pytest.raises(DomainError):
        member_services.readmit(cast.other_m, actor=SYSTEM, unit=cast.tree.k2, on=ALLOWED - dt.timedelta(days=1))


def test_an_expulsion_on_a_barred_ground_is_never_readmitted(cast):
    services.discipline(cast.other_m, actor=SYSTEM, kind="expulsion", decided_on=LEFT, body="UBKT Tỉnh ủy",
                        decision="9-QĐ", reason="Tham nhũng", bars_readmission=True)
    with pytest.raises(DomainError) as err:
        member_services.readmit(cast.other_m, actor=SYSTEM, unit=cast.tree.k2, on=dt.date(2026, 6, 1))
    assert err.value.field_errors["left_on"] == ["A person who left the party on this ground cannot be readmitted."]
    with pytest.raises(DomainError) as err:  # and the pipeline does not even open the case
        _case_for(cast.other_m, dt.date(2026, 6, 1))
    assert err.value.field_errors["citizen_id"] == ["A person who left the party on this ground cannot be readmitted."]


def test_a_resignation_record_is_refused_at_the_cells_vote(cast):
    services.resign(cast.other_m, actor=SYSTEM, on=LEFT, decision="30-QĐ/ĐU")
    case = carry(_case_for(cast.other_m, dt.date(2024, 11, 25)), Stage.VERIFIED)
    with pytest.raises(DomainError) as err:
        carry(case, Stage.CELL_VOTED)
    assert "resigned" in err.value.field_errors["left_on"][0]


@pytest.mark.parametrize(("vote_on", "refused"), [(ALLOWED - dt.timedelta(days=1), True), (ALLOWED, False)])
def test_the_cells_vote_is_refused_until_36_months_after_the_removal(cast, vote_on, refused):
    removed(cast.other_m, LEFT)
    case = carry(_case_for(cast.other_m, dt.date(2024, 11, 25)), Stage.VERIFIED, step_days=7)
    assert case.stage_on < vote_on
    if refused:
        with pytest.raises(DomainError) as err:
            carry(case, Stage.CELL_VOTED, on=vote_on)
        assert "10/01/2025" in str(err.value.field_errors)
        return
    assert carry(case, Stage.CELL_VOTED, on=vote_on).stage == Stage.CELL_VOTED
