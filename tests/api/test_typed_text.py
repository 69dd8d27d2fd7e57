"""Text sent to the API follows the rules for text a person typed: control and invisible characters
are a 422 on their field with their position (a NUL too, which PostgreSQL cannot store: never a
500), names and places cannot start like a formula; multi-line notes keep their line breaks."""

from __future__ import annotations

import pytest

from chibo.admissions.models import AdmissionCase, CaseStep
from chibo.admissions.stages import Stage
from chibo.members.models import Member
from tests.api.test_admissions import INVALID, new_case_body, step_body
from tests.api.test_members import _new_member
from tests.factories.admissions import carry, open_case


def control(code: str, position: int) -> str:
    return f"The text contains a control character ({code}) at position {position}: delete it and type the text again."


FORMULA = "A name or place cannot start with “-”: delete the sign at the start."


@pytest.mark.parametrize(("extra", "errors"), [
    ({"full_name": "Nguyễn Thị\x00 Hoa"}, {"full_name": [control("U+0000", 11)]}),
    ({"birth_place": "-cmd", "foreign_language": "-"}, {"birth_place": [FORMULA]}),
    ({"residence": "\u200b"}, {"residence": [
        "The text contains an invisible formatting character (U+200B) at position 1: delete it and type the text "
        "again."]}),
    ({"background_sheet_no": "\ue000"}, {"background_sheet_no": [
        "The text contains a character that is not in use (U+E000) at position 1: delete it and type the text "
        "again."]}),
])
def test_a_new_member_with_bad_text_is_a_422_on_its_field(api, cast, extra, errors):
    before = Member.objects.count()

    response = api.province.post("/members/", _new_member(cast.tree.k.pk, **extra))

    assert (response.status, response.json) == (422, {"detail": INVALID, "errors": errors})
    assert Member.objects.count() == before


def test_a_new_case_with_a_formula_name_or_an_escape_is_refused(api, cast):
    body = new_case_body(cast.tree.k.pk, full_name="-Lan", resolution="01\x1b")

    response = api.secretary.post("/admissions/cases", body)

    assert (response.status, response.json["errors"]) == (422, {
        "full_name": [FORMULA], "resolution": [control("U+001B", 3)]})
    assert not AdmissionCase.objects.exists()


def test_a_step_note_keeps_its_lines_but_not_a_bell(api, cast):
    case = carry(open_case(cast.tree.k), Stage.INTRODUCED)
    url = f"/admissions/cases/{case.pk}/steps"
    body = step_body(case, Stage.OPINIONS, case.stage_on)

    refused = api.secretary.post(url, body | {"facts": {"note": "Đồng ý\x07"}})
    accepted = api.secretary.post(url, body | {"facts": {"note": "Công đoàn: đồng ý.\n\t- Chi bộ nơi cư trú: đồng ý"}})

    assert (refused.status, refused.json["errors"]) == (422, {"facts.note": [control("U+0007", 7)]})
    assert accepted.status == 200
    assert CaseStep.objects.get(case=case, stage=Stage.OPINIONS).note == (
        "Công đoàn: đồng ý.\n\t- Chi bộ nơi cư trú: đồng ý")


def test_a_verified_relative_s_name_cannot_start_like_a_formula(api, cast):
    case = carry(open_case(cast.tree.k), Stage.OPINIONS)
    body = step_body(case, Stage.VERIFIED, case.stage_on)
    body["facts"]["verifications"][1]["name"] = "-Hòa"

    response = api.province.post(f"/admissions/cases/{case.pk}/steps", body)

    assert (response.status, response.json["errors"]) == (422, {"facts.verifications.1.name": [FORMULA]})
