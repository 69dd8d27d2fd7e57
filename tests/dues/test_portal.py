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
    result = import_path(path, "dues_portal", actor=cast.province)  # the committee: it sees citizen IDs
    assert (result.ok, result.rows) == (True, 2)
    assert sorted(Payment.objects.values_list("member_id", "month", "amount", "method", "portal_ref")) == sorted([
        (a.pk, dt.date(2026, 3, 1), 27000, "portal", "DVC-1"), (b.pk, dt.date(2026, 4, 1), 10000, "portal", "DVC-2")])
    again = import_path(path, "dues_portal", actor=cast.province)
    assert again.ok
    assert Payment.objects.count() == 2
    assert Statement.objects.count() == 1


def test_bad_and_unmatched_rows_reject_the_whole_statement(cast, tmp_path):
    a = cast.plain_m
    path = _csv(tmp_path, [
        f"DVC-1,{a.citizen_id},,03/2026,27000,2026-03-12",
        f"DVC-2,{cast.far_m.citizen_id},,03/2026,27000,2026-03-12",  # another province: not in P's cells
        f"DVC-3,{a.citizen_id},,03/2026,27000,2026-03-13",  # the same month twice
        "DVC-4,001099999999,,13/2026,5000,2026-03-13",  # no such month
        f"DVC-1,{a.citizen_id},,04/2026,27000,2026-04-13",  # the same transaction twice
        f"DVC-5,{a.citizen_id},,04/2026,abc,2026-04-13",
    ])
    result = import_path(path, "dues_portal", actor=cast.province)
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


def test_a_secretary_s_hundred_guessed_citizen_ids_reveal_nothing(cast, tmp_path):
    """The secretary sees citizen IDs masked (the last 4 digits): guessing the rest in a statement
    must not tell which guess is a member, nor record a payment."""
    real = cast.plain_m.citizen_id
    guesses = [f"{n:08d}{real[-4:]}" for n in range(int(real[:8]) - 50, int(real[:8]) + 50)]
    assert real in guesses and len(guesses) == 100
    path = _csv(tmp_path, [f"G-{i},{cid},,03/2026,27000,2026-03-12" for i, cid in enumerate(guesses)])
    result = import_path(path, "dues_portal", actor=cast.secretary)
    assert not result.ok
    assert [e["column"] for e in result.errors] == ["citizen_id"] * 100
    assert {e["message"].replace(cid, "X") for e, cid in zip(result.errors, guesses, strict=True)} == {
        "Not matched: no member with citizen ID X among the members whose citizen ID you may see: enter the "
        "party card number, or ask the committee to import (month 03/2026)."}
    alone = import_path(_csv(tmp_path, [f"G-1,{real},,03/2026,27000,2026-03-12"], "one.csv"), "dues_portal",
                        actor=cast.secretary)
    assert not alone.ok
    assert Payment.objects.count() == 0


def test_the_province_matches_citizen_ids_and_the_secretary_card_numbers(cast, tmp_path):
    a = cast.plain_m
    a.card_number = "12345678"
    a.save(update_fields=["card_number"])
    by_card = _csv(tmp_path, ["C-1,,12345678,03/2026,27000,2026-03-12"], "card.csv")
    assert import_path(by_card, "dues_portal", actor=cast.secretary).ok
    by_id = _csv(tmp_path, [f"C-2,{a.citizen_id},,04/2026,27000,2026-04-12"], "id.csv")
    assert import_path(by_id, "dues_portal", actor=cast.province).ok
    assert sorted(Payment.objects.values_list("portal_ref", flat=True)) == ["C-1", "C-2"]
