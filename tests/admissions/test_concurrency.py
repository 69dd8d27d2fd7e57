"""Two secretaries record the same vote at the same moment: one step is written, the other is
refused with a clear message; no lost update, no double transition (a real second connection)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from chibo.admissions import services
from chibo.admissions.models import AdmissionCase, CaseStep
from chibo.admissions.stages import Stage
from chibo.core.errors import DomainError
from tests.factories.admissions import carry, facts_for, open_case

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason=(
        "SQLite's test database is in memory with a shared cache, whose table locks fail at once instead "
        "of waiting as the file database does; the suite's PostgreSQL run covers this")),
]


def test_the_same_vote_recorded_twice_at_once_is_written_once(cast):
    case = carry(open_case(cast.tree.k), Stage.VERIFIED)
    day = case.stage_on
    facts = facts_for(case, Stage.CELL_VOTED, day)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def record() -> None:
        try:
            start.wait()
            services.advance(AdmissionCase.objects.get(pk=case.pk), actor=cast.secretary, to=Stage.CELL_VOTED,
                             on=day, facts=facts, expected=Stage.VERIFIED)
            outcomes.append("recorded")
        except DomainError as error:
            outcomes.append(str(error.message))
        except Exception as error:  # noqa: BLE001 - any other failure must show in the assertion
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=record) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes)[-1] == "recorded" and outcomes.count("recorded") == 1, outcomes
    assert "meanwhile" in [o for o in outcomes if o != "recorded"][0]
    assert CaseStep.objects.filter(case=case, stage=Stage.CELL_VOTED).count() == 1
    case.refresh_from_db()
    assert case.stage == Stage.CELL_VOTED
