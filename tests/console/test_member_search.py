"""The member list's search box: a citizen ID is searched only where the user may see it."""

from django.urls import reverse


def _search(client, unit, text):
    response = client.get(reverse("console:unit", args=[unit.pk]), {"q": text})
    return response, [m.full_name for m in response.context["page"].rows]


def test_a_secretary_cannot_confirm_a_masked_citizen_id_by_searching_for_it(cast, login):
    response, found = _search(login("secretary"), cast.tree.k, cast.plain_m.citizen_id)
    assert found == []
    assert response.context["filter_form"].fields["q"].label == "Full name"
    assert "You may not see citizen IDs here, so you cannot search by them: search by name instead." in (
        response.content.decode())


def test_the_province_finds_a_member_by_citizen_id(cast, login):
    response, found = _search(login("province"), cast.tree.k, cast.plain_m.citizen_id)
    assert found == ["Đặng Văn An"]
    assert response.context["filter_form"].fields["q"].label == "Name or citizen ID"


def test_a_secretary_still_finds_members_by_name(cast, login):
    response, found = _search(login("secretary"), cast.tree.k, "dang van")
    assert found == ["Đặng Văn An"]
    assert "search by name instead" not in response.content.decode()
