"""The transfer forms' unit picker: units of any province by name or code, for those who may send."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.console.conftest import statuses

URL = reverse("console:transfer_units")


def test_only_those_who_may_send_a_transfer_use_the_picker(client, cast):
    seen = statuses(client, cast, f"{URL}?to_unit=Bac")
    assert seen == {"admin": 200, "province": 200, "commune": 200, "secretary": 403, "member": 403,
                    "outsider": 200}


@pytest.mark.parametrize("typed", ["thôn bắc", "Bac", "QK", "qk"])
def test_a_unit_of_another_province_is_found_by_a_word_of_its_name_or_its_code(client, cast, typed):
    client.force_login(cast.province)  # board staff of P: QK is in province Q
    page = client.get(URL, {"to_unit": typed}).content.decode()
    assert '<option value="QK">Chi bộ thôn Bắc — Xã Tây Sơn</option>' in page


def test_nothing_typed_finds_nothing_and_closed_units_are_left_out(client, cast):
    client.force_login(cast.province)
    assert client.get(URL, {"to_unit": "  "}).content.decode().strip() == ""
    cast.tree.qk.closed_on = cast.tree.qk.opened_on
    cast.tree.qk.save(update_fields=["closed_on"])
    assert "QK" not in client.get(URL, {"to_unit": "QK"}).content.decode()


def test_the_decision_form_asks_the_picker_as_it_is_typed(client, cast):
    client.force_login(cast.province)
    page = client.get(reverse("console:transfer_create", args=[cast.plain_m.pk])).content.decode()
    assert f'hx-get="{URL}"' in page and 'list="to_unit-units"' in page and '<datalist id="to_unit-units">' in page
