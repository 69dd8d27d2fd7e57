"""Opening a case does not reveal an expulsion outside the actor's view: the barred ground is
refused at opening only for a former member the actor may see (``members.view``); elsewhere the
case opens and the committee's decision (``members.services.readmit``) refuses it."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.admissions.stages import Stage
from chibo.core.errors import DomainError
from chibo.members.leaving import services as leaving
from chibo.members.models import Member
from tests.factories.admissions import carry, open_case

BARRED = "A person who left the party on this ground cannot be readmitted."
OPENED = dt.date(2025, 6, 2)  # a Monday, 36 months after the expulsion: only the bar refuses


def _expel(member: Member) -> None:
    leaving.discipline(member, actor=SYSTEM, kind="expulsion", decided_on=dt.date(2022, 1, 10), body="UBKT Tỉnh ủy",
                       decision="9-QĐ", reason="Tham nhũng", bars_readmission=True)


def _case_for(former: Member, cell, actor):
    return open_case(cell, actor=actor, on=OPENED, full_name=former.full_name, sex=former.sex,
                     birth_date=former.birth_date, citizen_id=former.citizen_id)


def test_an_expulsion_in_the_actors_scope_is_refused_at_opening(cast):
    _expel(cast.other_m)  # in K, inside the province's view
    with pytest.raises(DomainError) as err:
        _case_for(cast.other_m, cast.tree.k, cast.province)
    assert err.value.field_errors["citizen_id"] == [BARRED]


def test_an_expulsion_in_another_province_is_not_revealed_and_the_decision_refuses_it(cast):
    _expel(cast.far_m)  # in QK, the other province: the province's staff may not see it
    case = _case_for(cast.far_m, cast.tree.k, cast.province)
    assert case.stage == Stage.SYMPATHIZER
    case = carry(case, Stage.COMMITTEE_RESOLVED)
    with pytest.raises(DomainError) as err:  # the committee's decision reads the recorded bar
        carry(case, Stage.ADMITTED)
    assert err.value.field_errors["left_on"] == [BARRED]
    assert Member.objects.get(pk=cast.far_m.pk).status == "expelled"
