"""Importing members: valid files land whole; any wrong row writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.core.errors import PermissionDenied
from chibo.core.models import AuditEntry
from chibo.imports import members_write
from chibo.imports.services import import_path
from chibo.members import services as member_services
from chibo.members import tallies
from chibo.members.models import Member, Placement, UnitMemberTally
from tests.factories.registry import make_member
from tests.imports.conftest import MEMBER_HEADER, cid, member_row, write_csv, write_file, write_xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("checking")]


def snapshot() -> tuple[int, int, int, list]:
    return (Member.objects.count(), Placement.objects.count(),
            AuditEntry.objects.filter(action__startswith="imports.").count(),
            sorted(tuple(t.as_dict().values()) for t in UnitMemberTally.objects.all()))


def rejected(path, *, actor=SYSTEM, kind="members") -> list[dict]:
    before = snapshot()
    result = import_path(path, kind, actor=actor)
    assert result.ok is False
    assert result.error_count == len(result.errors)
    assert snapshot() == before  # nothing written
    return result.errors


def three_members() -> list[dict]:
    return [
        member_row(1, "K"),
        member_row(2, "K2", full_name="Trần Thị Thử", sex="F", citizen_id=cid(2, sex="F"), religion="buddhism"),
        member_row(3, "QK", status="probationary", official_date="", youth_union="1"),
    ]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_valid_file_is_imported_whole(cast, tmp_path, suffix):
    path = write_file(tmp_path / f"members.{suffix}", MEMBER_HEADER, three_members())

    result = import_path(path, "members", actor=SYSTEM)

    assert (result.ok, result.rows, result.errors, result.error_count) == (True, 3, [], 0)
    assert Member.objects.count() == 7
    first = Member.objects.get(citizen_id=cid(1))
    assert (first.full_name, first.name_folded, first.unit, first.unit_path) == (
        "Nguyễn Văn Thử A", "nguyen van thu a", cast.tree.k, cast.tree.k.path)
    assert (first.birth_date, first.status, first.official_date, first.status_since, first.card_number) == (
        dt.date(1985, 3, 15), "official", dt.date(2011, 6, 1), dt.date(2011, 6, 1), None)
    assert Member.objects.get(citizen_id=cid(3)).status_since == dt.date(2010, 6, 1)  # probationary: ceremony
    assert list(first.placements.values_list("unit__code", "kind", "valid_from", "valid_to")) == [
        ("K", "official", dt.date(2020, 1, 1), None)]  # admitted 2010, but K opened in 2020
    assert tallies.verify() == []
    k2 = UnitMemberTally.objects.get(unit=cast.tree.k2)
    assert (k2.total, k2.official, k2.women, k2.religious) == (1, 1, 1, 1)
    assert UnitMemberTally.objects.get(unit=cast.tree.root).total == 7
    entry = AuditEntry.objects.get(action="imports.members")
    assert (entry.unit_path, entry.payload) == (cast.tree.root.path, {"rows": 3, "units": 3})


def test_ids_continue_after_an_import(cast, tmp_path):
    import_path(write_csv(tmp_path / "m.csv", MEMBER_HEADER, three_members()), "members", actor=SYSTEM)

    later = make_member(cast.tree.k, "Vũ Thị Sau", sex="F")

    assert later.pk == Member.objects.order_by("-pk").values_list("pk", flat=True)[1] + 1


def test_xlsx_typed_cells_are_read(cast, tmp_path):
    """Dates as date cells, a citizen ID typed as a number (leading zeros lost), numbers, booleans."""
    row = member_row(1, "K", birth_date=dt.datetime(1985, 3, 15), admission_date=dt.date(2010, 5, 19),
                     ceremony_date="01/06/2010", official_date=dt.datetime(2011, 6, 1),
                     citizen_id=int(cid(1)), education_grade=9, youth_union=True, ethnicity=6, phone=912345678)
    path = write_xlsx(tmp_path / "typed.xlsx", MEMBER_HEADER, [row])

    result = import_path(path, "members", actor=SYSTEM)

    assert result.errors == []
    member = Member.objects.get(citizen_id=cid(1))
    assert (member.birth_date, member.ceremony_date, member.education_grade, member.youth_union) == (
        dt.date(1985, 3, 15), dt.date(2010, 6, 1), 9, True)
    assert (member.ethnicity, member.phone) == ("06", "0912345678")


def test_columns_may_come_in_any_order_with_blank_rows_and_semicolons(cast, tmp_path):
    header = ["unit_code", "status", "citizen_id", "full_name", "sex", "birth_date", "admission_date",
              "official_date"]
    path = write_csv(tmp_path / "m.csv", header, [member_row(1), {}, member_row(2)], delimiter=";")

    result = import_path(path, "members", actor=SYSTEM)

    assert (result.ok, result.rows) == (True, 2)
    assert Member.objects.filter(unit=cast.tree.k).count() == 5


def test_bad_citizen_id_writes_nothing(cast, tmp_path, monkeypatch):
    monkeypatch.setattr(members_write, "BATCH", 1)  # the valid first row is written, then rolled back
    rows = [member_row(1), member_row(2, citizen_id="12345"), member_row(3, citizen_id="001185000001")]

    errors = rejected(write_csv(tmp_path / "m.csv", MEMBER_HEADER, rows))

    assert errors == [
        {"row": 3, "column": "citizen_id", "message": "The citizen ID must be exactly 12 digits."},
        {"row": 4, "column": "citizen_id", "message": "The citizen ID does not match the sex entered (fourth digit)."},
    ]


def test_unknown_unit_and_units_that_hold_no_members(cast, tmp_path):
    rows = [member_row(1, "NOPE"), member_row(2, "G")]

    errors = rejected(write_csv(tmp_path / "m.csv", MEMBER_HEADER, rows))

    assert errors == [
        {"row": 2, "column": "unit_code", "message": "Unknown unit NOPE."},
        {"row": 3, "column": "unit_code", "message": "Members are placed in a cell or a grassroots cell."},
    ]


def test_duplicate_citizen_id_within_the_file_is_rejected_after_rows_were_written(cast, tmp_path, monkeypatch):
    monkeypatch.setattr(members_write, "BATCH", 2)
    rows = [member_row(1), member_row(2), member_row(3), member_row(4, citizen_id=cid(2))]

    errors = rejected(write_csv(tmp_path / "m.csv", MEMBER_HEADER, rows))

    assert errors == [
        {"row": 5, "column": "citizen_id", "message": "This citizen ID is already in row 3 of this file."}]


def test_duplicate_citizen_id_against_the_database(cast, tmp_path):
    rows = [member_row(1), member_row(2, citizen_id=cast.plain_m.citizen_id, birth_date="1990-07-09")]

    errors = rejected(write_csv(tmp_path / "m.csv", MEMBER_HEADER, rows))

    assert errors == [
        {"row": 3, "column": "citizen_id", "message": "Another living member already has this citizen ID."}]


def test_a_deceased_member_may_share_a_citizen_id(cast, tmp_path):
    rows = [member_row(1), member_row(2, citizen_id=cid(1), status="deceased")]

    assert import_path(write_csv(tmp_path / "m.csv", MEMBER_HEADER, rows), "members", actor=SYSTEM).ok


def test_duplicate_card_numbers(cast, tmp_path):
    member_services.update_member(cast.other_m, actor=SYSTEM, changes={"card_number": "00123"})
    rows = [member_row(1, card_number="0777"), member_row(2, card_number="0777"), member_row(3, card_number="00123")]

    errors = rejected(write_csv(tmp_path / "m.csv", MEMBER_HEADER, rows))

    assert errors == [
        {"row": 3, "column": "card_number", "message": "This party card number is already in row 2 of this file."},
        {"row": 4, "column": "card_number", "message": "Another member already has this party card number."},
    ]


def test_wrong_dates(cast, tmp_path):
    rows = [member_row(1, birth_date="31/02/1985"), member_row(2, admission_date="2010-13-01"),
            member_row(3, official_date="2099-01-01")]

    errors = rejected(write_csv(tmp_path / "m.csv", MEMBER_HEADER, rows))

    assert errors == [
        {"row": 2, "column": "birth_date", "message": "Enter a date as YYYY-MM-DD or DD/MM/YYYY."},
        {"row": 3, "column": "admission_date", "message": "Enter a date as YYYY-MM-DD or DD/MM/YYYY."},
        {"row": 4, "column": "official_date", "message": "This date is in the future."},
    ]


def test_profile_rules_and_codes(cast, tmp_path):
    rows = [member_row(1, official_date=""), member_row(2, sex="X"), member_row(3, ethnicity="77"),
            member_row(4, full_name="Nguyễn Văn 3", email="not-an-address")]

    errors = rejected(write_csv(tmp_path / "m.csv", MEMBER_HEADER, rows))

    assert errors == [
        {"row": 2, "column": "official_date", "message": "An official member needs the official member date."},
        {"row": 3, "column": "sex", "message": "Unknown value “X”: use one of M, F."},
        {"row": 4, "column": "ethnicity",
         "message": "Unknown value “77”: use an ethnicity code from 01 to 54, or 99 for other."},
        {"row": 5, "column": "full_name", "message": "A name cannot contain digits."},
        {"row": 5, "column": "email", "message": "Enter a valid e-mail address."},
    ]


def test_outsider_cannot_import_into_another_province(cast, tmp_path):
    errors = rejected(write_csv(tmp_path / "m.csv", MEMBER_HEADER, [member_row(1, "QK"), member_row(2, "K")]),
                      actor=cast.outsider)

    assert errors == [{"row": 3, "column": "unit_code", "message": "Unknown unit K."}]


def test_board_staff_imports_into_their_own_province(cast, tmp_path):
    result = import_path(write_csv(tmp_path / "m.csv", MEMBER_HEADER, [member_row(1, "QK")]), "members",
                         actor=cast.outsider)

    assert (result.ok, result.scope_path) == (True, cast.tree.qk.path)
    assert AuditEntry.objects.get(action="imports.members").actor == cast.outsider


def test_roles_without_the_import_permission_are_refused(cast, tmp_path):
    path = write_csv(tmp_path / "m.csv", MEMBER_HEADER, [member_row(1)])

    for user in (cast.commune, cast.secretary, cast.member):
        with pytest.raises(PermissionDenied):
            import_path(path, "members", actor=user)
    assert Member.objects.count() == 4


def test_errors_are_counted_beyond_the_stored_ones(cast, tmp_path):
    rows = [member_row(1, full_name="Nguyễn Văn Thử", citizen_id="x") for _ in range(1005)]

    result = import_path(write_csv(tmp_path / "m.csv", MEMBER_HEADER, rows), "members", actor=SYSTEM)

    assert (result.rows, result.error_count, len(result.errors)) == (1005, 1005, 1000)
    assert result.errors[-1] == {"row": 1001, "column": "citizen_id",
                                 "message": "The citizen ID must be exactly 12 digits."}
