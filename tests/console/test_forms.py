"""Create/edit forms: valid input goes through the services; invalid input saves nothing."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from chibo.core.models import AuditEntry
from chibo.members.models import Member, UnitMemberTally
from chibo.org.models import Unit, UnitEvent
from tests.factories.registry import member_data


def _post_data(data: dict) -> dict:
    out = {}
    for key, value in data.items():
        if isinstance(value, dt.date):
            out[key] = value.isoformat()
        elif value is None:
            out[key] = ""
        elif value is True:
            out[key] = "on"
        elif value is not False:
            out[key] = value
    return out


def _form_data(**overrides) -> dict:
    base = {"ethnicity": "01", "religion": "none", "education_grade": "12", "qualification": "none",
            "political_theory": "none", "occupation": "teacher"}
    data = member_data("Hoàng Thị Lan", sex="F", birth_date=dt.date(1992, 8, 20)) | overrides
    return base | _post_data(data)


def test_create_member_in_a_cell(cast, login):
    response = login("province").post(reverse("console:member_create", args=[cast.tree.k2.pk]), _form_data())
    member = Member.objects.get(full_name="Hoàng Thị Lan")
    assert response.status_code == 302
    assert response["Location"] == reverse("console:member", args=[member.pk])
    assert (member.unit, member.status, member.occupation) == (cast.tree.k2, "official", "teacher")
    assert UnitMemberTally.objects.get(unit=cast.tree.k2).women == 1
    assert AuditEntry.objects.filter(action="members.created", object_id=str(member.pk)).count() == 1


def test_create_member_with_a_bad_citizen_id_saves_nothing(cast, login):
    before = Member.objects.count()
    response = login("province").post(reverse("console:member_create", args=[cast.tree.k2.pk]),
                                      _form_data(citizen_id="12345"))
    assert response.status_code == 200
    assert response.context["form"].errors["citizen_id"] == ["The citizen ID must be exactly 12 digits."]
    assert "The member was not saved: correct the fields marked below." in response.content.decode()
    assert Member.objects.count() == before
    assert UnitMemberTally.objects.get(unit=cast.tree.k2).total == 0


def test_create_member_with_a_duplicate_citizen_id_saves_nothing(cast, login):
    response = login("province").post(reverse("console:member_create", args=[cast.tree.k2.pk]),
                                      _form_data(citizen_id=cast.sec_m.citizen_id,
                                                 birth_date=cast.sec_m.birth_date))
    assert response.context["form"].errors["citizen_id"] == [
        "Another living member already has this citizen ID."
    ]
    assert not Member.objects.filter(full_name="Hoàng Thị Lan").exists()


def test_create_member_with_malformed_date_is_a_form_error(cast, login):
    data = _form_data() | {"birth_date": "20/13/1992"}
    response = login("province").post(reverse("console:member_create", args=[cast.tree.k2.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors["birth_date"] == ["Enter a valid date."]
    assert not Member.objects.filter(full_name="Hoàng Thị Lan").exists()


def test_create_member_in_a_committee_is_refused(cast, login):
    response = login("province").post(reverse("console:member_create", args=[cast.tree.g.pk]), _form_data())
    assert response.context["form"].non_field_errors() == [
        "The member was not saved: correct the fields marked below.",
        "Members are placed in a cell or a grassroots cell.",
    ]
    assert not Member.objects.filter(full_name="Hoàng Thị Lan").exists()


def _edit_data(member: Member, **changes) -> dict:
    from chibo.members.services import PROFILE_FIELDS

    return _post_data({f: getattr(member, f) for f in PROFILE_FIELDS} | changes)


def test_edit_member(cast, login):
    member = cast.plain_m
    response = login("province").post(reverse("console:member_edit", args=[member.pk]),
                                      _edit_data(member, phone="0911222333", residence="Thôn Đông"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.phone, member.residence) == ("0911222333", "Thôn Đông")
    entry = AuditEntry.objects.filter(action="members.updated").get()
    assert entry.payload == {"phone": "•••", "residence": "Thôn Đông"}


def test_edit_member_with_invalid_phone_saves_nothing(cast, login):
    member = cast.plain_m
    response = login("province").post(reverse("console:member_edit", args=[member.pk]),
                                      _edit_data(member, phone="12", residence="Thôn Đông"))
    assert response.status_code == 200
    assert response.context["form"].errors["phone"] == [
        "Enter a Vietnamese phone number, e.g. 0912345678 or +84912345678."
    ]
    member.refresh_from_db()
    assert (member.phone, member.residence) == ("0987654321", "")


def test_edit_form_shows_current_values_and_audits_the_view(cast, login):
    AuditEntry.objects.all().delete()
    response = login("province").get(reverse("console:member_edit", args=[cast.plain_m.pk]))
    assert response.context["form"]["citizen_id"].value() == cast.plain_m.citizen_id
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["members.viewed"]


# --- unit operations -----------------------------------------------------------------------------


def test_add_child_unit(cast, login):
    data = {"code": "K3", "name": "Chi bộ Giáo viên 3", "kind": "cell", "sector": "school",
            "on": "2024-09-01", "decision": "45-QĐ/ĐU"}
    response = login("province").post(reverse("console:unit_add", args=[cast.tree.g.pk]), data)
    unit = Unit.objects.get(code="K3")
    assert response["Location"] == reverse("console:unit", args=[unit.pk])
    assert (unit.parent, unit.opened_on) == (cast.tree.g, dt.date(2024, 9, 1))
    assert UnitEvent.objects.get(unit=unit).decision == "45-QĐ/ĐU"


def test_add_child_unit_with_duplicate_code_saves_nothing(cast, login):
    data = {"code": "K2", "name": "Chi bộ trùng mã", "kind": "cell", "sector": "school", "on": "2024-09-01"}
    response = login("province").post(reverse("console:unit_add", args=[cast.tree.g.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["Another unit already has the code K2."]
    assert not Unit.objects.filter(name="Chi bộ trùng mã").exists()


def test_rename_unit(cast, login):
    data = {"name": "Chi bộ Tổ Toán", "on": "2025-01-02", "decision": "7-QĐ"}
    login("province").post(reverse("console:unit_rename", args=[cast.tree.k.pk]), data)
    assert Unit.objects.get(pk=cast.tree.k.pk).name == "Chi bộ Tổ Toán"


def test_rename_without_a_date_is_a_form_error(cast, login):
    response = login("province").post(reverse("console:unit_rename", args=[cast.tree.k.pk]), {"name": "X"})
    assert response.context["form"].errors["on"] == ["This field is required."]
    assert Unit.objects.get(pk=cast.tree.k.pk).name == "Chi bộ Giáo viên 1"


def test_move_to_a_unit_outside_the_managed_tree_is_refused(cast, login):
    data = {"parent": "QC", "on": "2025-01-02"}
    response = login("province").post(reverse("console:unit_move", args=[cast.tree.g.pk]), data)
    assert response.context["form"].errors["parent"] == [
        "No unit with this code in the part of the tree you manage."
    ]
    assert Unit.objects.get(pk=cast.tree.g.pk).parent == cast.tree.c


def test_move_under_own_subunit_shows_the_service_message(cast, login):
    data = {"parent": "K", "on": "2025-01-02"}
    response = login("province").post(reverse("console:unit_move", args=[cast.tree.g.pk]), data)
    assert response.context["form"].errors["parent"] == ["Choose a unit outside this unit's subtree."]
    assert response.context["form"].non_field_errors() == [
        "A unit cannot be moved under itself or one of its own subunits."
    ]


def test_merge_moves_members_and_closes_the_unit(cast, login):
    data = {"into": "K2", "on": "2025-03-01", "decision": "12-QĐ/ĐU"}
    response = login("province").post(reverse("console:unit_merge", args=[cast.tree.k.pk]), data)
    assert response["Location"] == reverse("console:unit", args=[cast.tree.k2.pk])
    k = Unit.objects.get(pk=cast.tree.k.pk)
    assert (k.closed_on, k.successor_id) == (dt.date(2025, 3, 1), cast.tree.k2.pk)
    assert Member.objects.filter(unit=cast.tree.k2).count() == 3


def test_close_a_unit_with_members_is_refused(cast, login):
    response = login("province").post(reverse("console:unit_close", args=[cast.tree.k.pk]), {"on": "2025-03-01"})
    assert response.context["form"].non_field_errors() == [
        "Transfer this unit's members first, or merge it into another unit."
    ]
    assert Unit.objects.get(pk=cast.tree.k.pk).closed_on is None


def test_close_an_empty_unit(cast, login):
    login("province").post(reverse("console:unit_close", args=[cast.tree.k2.pk]), {"on": "2025-03-01"})
    assert Unit.objects.get(pk=cast.tree.k2.pk).closed_on == dt.date(2025, 3, 1)
