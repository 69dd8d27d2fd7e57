"""Builders for admission cases: a case opened in a cell and carried to any stage with valid facts."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from chibo.accounts.policy import SYSTEM
from chibo.admissions import rules, services
from chibo.admissions.models import AdmissionCase
from chibo.admissions.stages import Stage, next_stages, under_committee
from chibo.admissions.steps import official_members
from chibo.members.models import Member
from chibo.members.rules import citizen_id_for
from chibo.org.models import Unit

_serial = itertools.count(5000)
START = dt.date(2024, 9, 2)  # a Monday


def case_data(full_name: str = "Vũ Thị Hạnh", *, sex: str = "F", birth_date: dt.date = dt.date(2000, 5, 10),
              **overrides: Any) -> dict[str, Any]:
    return {"full_name": full_name, "sex": sex, "birth_date": birth_date,
            "citizen_id": citizen_id_for(province=1, sex=sex, birth_date=birth_date, serial=next(_serial)),
            "education_grade": 12, "occupation": "civil_servant", **overrides}


def open_case(cell: Unit, *, actor: Any = SYSTEM, on: dt.date = START, **data: Any) -> AdmissionCase:
    return services.open_case(actor=actor, cell=cell, data=case_data(**data), on=on, resolution="01-NQ/CB")


def facts_for(case: AdmissionCase, to: str, on: dt.date) -> dict[str, Any]:
    """Facts that pass the rules for the move to ``to`` (introducers: the cell's official members)."""
    if to == Stage.COURSE:
        return {"certificate_no": f"GCN-{case.pk}", "certificate_issuer": "Trung tâm Chính trị"}
    if to == Stage.INTRODUCED:
        ids = Member.objects.filter(unit=case.cell, status="official").order_by("pk").values_list("pk", flat=True)
        return {"introducers": [{"member": i, "together_since": dt.date(2020, 1, 1)} for i in ids[:2]]}
    if to == Stage.OPINIONS:
        return {"note": "Công đoàn và chi bộ nơi cư trú đồng ý."}
    if to == Stage.VERIFIED:
        return {"verifications": [{"relation": "self", "name": case.full_name, "result": "clear"},
                                  {"relation": "father", "name": "Vũ Văn Hòa", "result": "clear"}]}
    if to in (Stage.CELL_VOTED, Stage.RECOGNITION_VOTED):
        return {"yes": official_members(case.cell_id, on), "number": "05-NQ/CB"}
    if to == Stage.COMMITTEE_RESOLVED:
        return {"yes": 5, "committee_members": 5, "number": "12-NQ/ĐU"}
    if to in (Stage.ADMITTED, Stage.OFFICIAL):
        return {"number": f"{case.pk}-QĐ/ĐU"}
    if to == Stage.PROBATION_REVIEWED:
        return {"course_done": True, "self_review": True, "helper_review": True}
    return {"note": "Tự nguyện rút."}


def carry(case: AdmissionCase, to: str, *, actor: Any = SYSTEM, on: dt.date | None = None,
          step_days: int = 7) -> AdmissionCase:
    """Move ``case`` forward stage by stage until it reaches ``to``; each step ``step_days`` after
    the last (the recognition vote just after probation ends)."""
    while case.stage != to:
        nxt = next_stages(case.stage, under_committee=under_committee(case.cell))[0]
        day = case.stage_on + dt.timedelta(days=step_days)
        if nxt == Stage.RECOGNITION_VOTED:
            day = max(day, rules.probation_end(case.ceremony_on))
        if nxt == to and on is not None:
            day = on
        case = services.advance(case, actor=actor, to=nxt, on=day, facts=facts_for(case, nxt, day))
    return case
