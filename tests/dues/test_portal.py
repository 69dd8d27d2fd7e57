import datetime as dt

import openpyxl
import pytest

from chibo.dues.models import Payment, Statement
from chibo.imports.services import import_path

pytestmark = pytest.mark.django_db
HEADER = "transaction_id,citizen_id,card_number,month,amount,paid_on\n"


def _csv(tmp_path, lines, name="statement.csv"):
    path = tmp_path / name
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_a_statement_is_imported_once_and_a_reimport_adds_nothing(cast, tmp_path):
    a, b = cast.plain_m, cast.other_m
    path = _csv(tmp_path, [f"DVC-1,{a.citizen_id},,03/2026,27000,2026-03-12",
                           f"DVC-2,{b.citizen_id},,2026-04,10000,2026-04-02"])
    result = import_path(path, "dues_portal", actor=cast.secretary)
    assert (result.ok, result.rows) == (True, 2)
    assert sorted(Payment.objects.values_list("member_id", "month", "amount", "method", "portal_ref")) == sorted([
        (a.pk, dt.date(2026, 3, 1), 27000, "portal", "DVC-1"), (b.pk, dt.date(2026, 4, 1), 10000, "portal", "DVC-2")])
    again = import_path(path, "dues_portal", actor=cast.secretary)
    assert again.ok
    assert Payment.objects.count() == 2
    assert Statement.objects.count() == 1


def test_bad_and_unmatched_rows_reject_the_whole_statement(cast, tmp_path):
    a = cast.plain_m
    path = _csv(tmp_path, [
        f"DVC-1,{a.citizen_id},,03/2026,27000,2026-03-12",
        f"DVC-2,{cast.far_m.citizen_id},,03/2026,27000,2026-03-12",  # another province: not in the secretary's cells
        f"DVC-3,{a.citizen_id},,03/2026,27000,2026-03-13",  # the same month twice
        "DVC-4,001099999999,,13/2026,5000,2026-03-13",  # no such month
        f"DVC-1,{a.citizen_id},,04/2026,27000,2026-04-13",  # the same transaction twice
        f"DVC-5,{a.citizen_id},,04/2026,abc,2026-04-13",
    ])
    result = import_path(path, "dues_portal", actor=cast.secretary)
    assert not result.ok
    assert [(e["row"], e["column"]) for e in result.errors] == [
        (3, "citizen_id"), (4, "month"), (5, "month"), (6, "transaction_id"), (7, "amount")]
    assert cast.far_m.citizen_id in result.errors[0]["message"] and "03/2026" in result.errors[0]["message"]
    assert Payment.objects.count() == 0


def test_an_xlsx_statement_matches_by_card_number(cast, tmp_path):
    a = cast.plain_m
    a.card_number = "12345678"
    a.save(update_fields=["card_number"])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER.strip().split(","))
    ws.append(["DVC-9", None, "12345678", "05/2026", 27000, dt.datetime(2026, 5, 3)])
    wb.save(tmp_path / "s.xlsx")
    assert import_path(tmp_path / "s.xlsx", "dues_portal", actor=cast.secretary).ok
    assert Payment.objects.get().member_id == a.pk
