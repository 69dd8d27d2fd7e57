"""A former member's record comes back only when the registry allows it: 36 months after leaving,
never after resignation nor on a barred ground (DOMAIN.md §3), checked by ``readmit`` itself."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.core.errors import DomainError
from chibo.members import services
from chibo.members.models import Member

ON = dt.date(2025, 6, 2)


def _left(cast, status: str, on: dt.date) -> Member:
    return services.change_status(cast.other_m, actor=SYSTEM, status=status, on=on)


def test_a_member_removed_21_months_ago_is_not_readmitted(cast):
    former = _left(cast, "removed", dt.date(2023, 9, 2))
    with pytest.raises(DomainError) as err:
        services.readmit(former, actor=SYSTEM, unit=cast.tree.k2, on=ON)
    assert err.value.field_errors == {"left_on": [
        "The member registry records that this person left the party on 02/09/2023 (Removed from the list): "
        "they can be readmitted from 02/09/2026, 36 months after leaving."]}
    former.refresh_from_db()
    assert (former.status, former.unit_id) == ("removed", cast.tree.k.pk)


def test_a_member_who_resigned_is_never_readmitted(cast):
    former = _left(cast, "resigned", dt.date(2010, 1, 4))
    with pytest.raises(DomainError) as err:
        services.readmit(former, actor=SYSTEM, unit=cast.tree.k2, on=ON)
    assert err.value.field_errors["left_on"] == [
        "The member registry records that this person resigned from the party: a member who resigned cannot "
        "be readmitted."]


def test_a_barred_ground_is_refused_and_36_months_are_enough(cast):
    former = _left(cast, "expelled", dt.date(2022, 6, 2))
    with pytest.raises(DomainError):
        services.readmit(former, actor=SYSTEM, unit=cast.tree.k2, on=ON, barred_ground=True)
    back = services.readmit(former, actor=SYSTEM, unit=cast.tree.k2, on=ON)
    assert (back.status, back.unit_id, back.admission_date) == ("probationary", cast.tree.k2.pk, ON)


def test_a_record_without_its_leaving_day_takes_the_cases(cast):
    former = _left(cast, "removed", dt.date(2024, 1, 2))
    Member.objects.filter(pk=former.pk).update(status_since=None)
    with pytest.raises(DomainError) as err:
        services.readmit(former, actor=SYSTEM, unit=cast.tree.k2, on=ON)
    assert err.value.field_errors["left_on"][0].startswith("The member registry does not say when")
    back = services.readmit(former, actor=SYSTEM, unit=cast.tree.k2, on=ON, left_on=dt.date(2021, 5, 1))
    assert back.status == "probationary"
