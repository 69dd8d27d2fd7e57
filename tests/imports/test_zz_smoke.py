import pytest
from pathlib import Path
from chibo.accounts.policy import SYSTEM
from chibo.imports.services import import_path
from chibo.members.models import Member
from chibo.members import tallies
from tests.imports.conftest import member_row, write_csv, MEMBER_HEADER, UNIT_HEADER

def test_smoke(cast, tmp_path):
    p = write_csv(tmp_path / "m.csv", MEMBER_HEADER, [member_row(1), member_row(2, "QK"), member_row(3, "K2", status="probationary", official_date="")])
    r = import_path(p, "members", actor=SYSTEM)
    print(r)
    assert r.ok
    assert Member.objects.count() == 7
    assert tallies.verify() == []
    u = write_csv(tmp_path / "u.csv", UNIT_HEADER, [dict(code="N1", name="Xã Mới", kind="commune", sector="mixed", parent_code="P", opened_on="2025-07-01"), dict(code="N2", name="Chi bộ  thôn A", kind="grassroots_cell", sector="residential", parent_code="N1", opened_on="01/08/2025")])
    r = import_path(u, "units", actor=cast.province)
    print(r)
    from chibo.org.models import Unit
    print(list(Unit.objects.values_list("code","path","depth","parent__code").order_by("path")))
    assert tallies.verify() == []
