"""The seed scenario of DOMAIN.md §5, as a data set: the provinces' own reported figures.

- Quảng Ninh 2024: target 3,411; 2,108 admitted by 31 August (62%). Within it, Móng Cái: target
  195 (last year's 175 + 20), 195 admitted in 8 months (100%): 20 in non-state enterprises, 77 in
  villages/residential areas, 10 students, 88 civil servants and state employees.
- Ninh Bình 2023: 2,360 admitted = 104.75% of the plan (2,253); 12 new party organizations in
  non-state enterprises = 120% of the target (10); 11 entrepreneurs admitted.
- Ninh Thuận 2024: 853 admitted = 106% of the target (805); the provincial police committee 173%
  (52 of 30).

The admissions are written in bulk (members, their cases at the decision stage) and the tallies
are recounted by the real ``tallying.rebuild``: the dashboards and reports read them as they
would in production.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from chibo.accounts.policy import SYSTEM
from chibo.admissions import tallying
from chibo.admissions.models import AdmissionCase
from chibo.admissions.stages import Stage
from chibo.core.text import fold
from chibo.members import tallies
from chibo.members.models import Member, Placement
from chibo.members.rules import citizen_id_for
from chibo.org.models import Unit
from chibo.targets import services
from tests.factories.registry import OPENED, make_unit

_serial = itertools.count(200_000)


@dataclass
class Seed:
    root: Unit
    quang_ninh: Unit
    mong_cai: Unit
    ninh_binh: Unit
    ninh_thuan: Unit
    police: Unit


def _admit(cell: Unit, days: list[dt.date], occupation: str = "other") -> None:
    """Admit one person on each of ``days`` in ``cell`` (bulk: member, placement, case)."""
    members = []
    for i, day in enumerate(days):
        name = f"Nguyễn Thị {'ABCDEGHKLMNPQSTUVXY'[i % 19]}"
        birth = dt.date(1995, 1 + i % 12, 1 + i % 28)
        members.append(Member(
            full_name=name, name_folded=fold(name), sex="F", birth_date=birth,
            citizen_id=citizen_id_for(province=22, sex="F", birth_date=birth, serial=next(_serial)),
            occupation=occupation, status="probationary", status_since=day, admission_date=day,
            unit=cell, unit_path=cell.path))
    Member.objects.bulk_create(members, batch_size=2000)
    Placement.objects.bulk_create([Placement(member=m, unit=cell, valid_from=m.admission_date) for m in members],
                                  batch_size=2000)
    AdmissionCase.objects.bulk_create([AdmissionCase(
        full_name=m.full_name, name_folded=m.name_folded, sex=m.sex, birth_date=m.birth_date,
        citizen_id=m.citizen_id, occupation=occupation, cell=cell, unit_path=cell.path, stage=Stage.ADMITTED,
        stage_on=m.admission_date, awaits="cell", decision_on=m.admission_date, member=m) for m in members],
        batch_size=2000)


def _spread(n: int, start: dt.date, end: dt.date) -> list[dt.date]:
    """``n`` days spread evenly from ``start`` to ``end``."""
    span = (end - start).days
    return [start + dt.timedelta(days=(i * span) // max(n - 1, 1)) for i in range(n)]


def _target(unit: Unit, year: int, value: int, indicator: str = "admissions") -> None:
    parent = unit if unit.parent is None else unit.parent
    services.set_targets(actor=SYSTEM, parent=parent, year=year, indicator=indicator, values={unit.pk: value})


def build() -> Seed:
    root = make_unit(None, "TW", "Trung ương", "central")
    qn = make_unit(root, "T22", "Tỉnh Quảng Ninh", "province")
    mc = make_unit(qn, "MC", "Thành phố Móng Cái", "commune")
    qn_other = make_unit(make_unit(qn, "QNK", "Các đảng bộ khác", "commune"), "QNKC", "Chi bộ tổng hợp", "cell")
    mc_cells = {sector: make_unit(mc, f"MC-{sector[:3]}", f"Chi bộ {label}", "grassroots_cell", sector)
                for sector, label in (("non_state_enterprise", "Công ty TNHH Hải Hà"), ("residential", "khu 3"),
                                      ("school", "Trường THPT Móng Cái"), ("state_agency", "Cơ quan UBND"))}
    # Quảng Ninh 2024: 2,108 by 31 August (195 of them in Móng Cái), 120 more afterwards
    jan, aug = dt.date(2024, 1, 2), dt.date(2024, 8, 31)
    _admit(mc_cells["non_state_enterprise"], _spread(20, jan, aug), "worker")
    _admit(mc_cells["residential"], _spread(77, jan, aug), "farmer")
    _admit(mc_cells["school"], _spread(10, jan, aug), "student")
    _admit(mc_cells["state_agency"], _spread(88, jan, aug), "civil_servant")
    _admit(qn_other, _spread(2108 - 195, jan, aug), "worker")
    _admit(qn_other, _spread(120, dt.date(2024, 9, 2), dt.date(2024, 12, 30)), "worker")
    _admit(mc_cells["residential"], _spread(175, dt.date(2023, 1, 3), dt.date(2023, 12, 29)), "farmer")
    _target(qn, 2024, 3411)
    _target(mc, 2024, 195)
    nb = _ninh_binh(root)
    nt, police = _ninh_thuan(root)
    tallying.rebuild()
    tallies.rebuild()
    return Seed(root, qn, mc, nb, nt, police)


def _ninh_binh(root: Unit) -> Unit:
    nb = make_unit(root, "T37", "Tỉnh Ninh Bình", "province")
    district = make_unit(nb, "NBH", "Huyện Hoa Lư", "commune")
    cell = make_unit(district, "NBC", "Chi bộ thôn Trường Yên", "grassroots_cell", "residential")
    year = (dt.date(2023, 1, 3), dt.date(2023, 12, 29))
    _admit(cell, _spread(2360 - 11, *year), "farmer")
    _admit(cell, _spread(11, *year), "entrepreneur")
    for i in range(12):
        make_unit(district, f"NB-DN{i}", f"Chi bộ Công ty {i + 1}", "grassroots_cell", "non_state_enterprise",
                  opened_on=dt.date(2023, 3 + i // 2, 1 + i))
    _target(nb, 2023, 2253)
    _target(nb, 2023, 10, "new_orgs")
    return nb


def _ninh_thuan(root: Unit) -> tuple[Unit, Unit]:
    nt = make_unit(root, "T58", "Tỉnh Ninh Thuận", "province")
    police = make_unit(nt, "NTCA", "Đảng bộ Công an tỉnh", "agency")
    police_cell = make_unit(police, "NTCA1", "Chi bộ Phòng Cảnh sát", "cell", "armed_forces")
    other = make_unit(make_unit(nt, "NTPR", "Thành phố Phan Rang", "commune"), "NTPRC", "Chi bộ khu phố 1",
                      "grassroots_cell", "residential")
    year = (dt.date(2024, 1, 3), dt.date(2024, 12, 27))
    _admit(police_cell, _spread(52, *year), "armed_forces")
    _admit(other, _spread(853 - 52, *year), "worker")
    _target(nt, 2024, 805)
    services.set_targets(actor=SYSTEM, parent=nt, year=2024, indicator="admissions", values={police.pk: 30})
    return nt, police


assert OPENED.year < 2023  # the units exist before the scenario's years
