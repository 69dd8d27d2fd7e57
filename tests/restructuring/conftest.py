"""A cell with something in every table that keeps a copy of its path."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from chibo.accounts.policy import SYSTEM
from chibo.admissions import services as admissions
from chibo.dues import closing as dues
from chibo.library import services as library
from chibo.meetings import services as meetings
from chibo.quality import periods as reviews
from chibo.targets import services as targets
from tests.factories.admissions import open_case
from tests.factories.library import make_document


def fill(cast, n: int) -> SimpleNamespace:
    """``n`` meetings, documents addressed to cell K, studies of them confirmed by its member,
    targets, admission cases of K, courses of its committee G, the years' reviews opened by G, and
    closed months of K's dues (its members in arrears)."""
    k, g, soon = cast.tree.k, cast.tree.g, timezone.now() + dt.timedelta(days=5)
    made = SimpleNamespace(meetings=[], documents=[], studies=[], targets=[], cases=[], courses=[])
    for i in range(n):
        made.meetings.append(meetings.create_meeting(actor=cast.secretary, unit=k, kind="thematic",
                                                     starts_at=soon + dt.timedelta(hours=i)))
        document = make_document(k, f"{3 + i}-NQ/CB", f"Nghị quyết chi bộ tháng {3 + i}")
        study = library.assign(document, actor=SYSTEM, unit=k, due_on=timezone.localdate() + dt.timedelta(days=7))
        library.confirm(study, actor=cast.member)
        made.documents.append(document)
        made.studies.append(study)
        made.targets += targets.set_targets(actor=SYSTEM, parent=g, year=2025 + i, indicator="admissions",
                                            values={k.pk: 2})
        made.cases.append(open_case(k, full_name=f"Vũ Thị Hạnh {chr(65 + i)}"))
        reviews.open_period(actor=SYSTEM, issuer=g, year=2020 + i, self_until=dt.date(2020 + i, 12, 1),
                            cell_until=dt.date(2020 + i, 12, 1), verify_until=dt.date(2020 + i, 12, 1),
                            decide_until=dt.date(2020 + i, 12, 1))
        made.courses.append(admissions.create_course(actor=SYSTEM, unit=g, name=f"Lớp cảm tình đảng {i + 1}",
                                                     starts_on=dt.date(2025, 3, 1), ends_on=dt.date(2025, 3, 5)))
        # a closed month of dues with every member unpaid: the cell's closes and its members' arrears
        dues.close_month(k, dt.date(2026, 1 + i, 1), actor=SYSTEM)
    return made


@pytest.fixture
def cell_k(cast) -> SimpleNamespace:
    """Cell K with one of each."""
    made = fill(cast, 1)
    return SimpleNamespace(meeting=made.meetings[0], document=made.documents[0], study=made.studies[0],
                           target=made.targets[0], case=made.cases[0], course=made.courses[0])
