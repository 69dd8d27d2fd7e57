"""Text typed into the console's and the handbook's forms: control and invisible characters are
refused on their field with their position (a NUL too, which PostgreSQL cannot store: never a
500), names and places cannot start like a formula, and nothing is saved. Multi-line text keeps
its line breaks, tabs and signs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from chibo.admissions.stages import Stage
from chibo.console.admission_forms import StepForm
from chibo.handbook.models import Post, Thread
from chibo.members.models import Member
from chibo.org.models import Unit
from tests.console.test_forms import _form_data
from tests.factories.admissions import carry, open_case


def control(code: str, position: int) -> str:
    return f"The text contains a control character ({code}) at position {position}: delete it and type the text again."


def formula(sign: str) -> str:
    return f"A name or place cannot start with “{sign}”: delete the sign at the start."


def _create(login, cast, **fields):
    return login("province").post(reverse("console:member_create", args=[cast.tree.k2.pk]), _form_data(**fields))


@pytest.mark.parametrize(("fields", "errors"), [
    ({"full_name": "Hoàng\x00 Thị Lan"}, {"full_name": [control("U+0000", 6)]}),
    ({"full_name": "Hoàng Thị \x1bLan"}, {"full_name": [control("U+001B", 11)]}),
    ({"full_name": "Hoàng Thị Lan", "home_town": "\u202eĐông Sơn"}, {"home_town": [
        "The text contains an invisible formatting character (U+202E) at position 1: delete it and type the text "
        "again."]}),
    ({"full_name": "\u3164 \u3164"}, {"full_name": [
        "The text is made only of invisible characters: type it again with letters, or leave it empty."]}),
    ({"full_name": "=HYPERLINK(\"http://x.example\")"}, {"full_name": [formula("=")]}),
    ({"full_name": "Hoàng Thị Lan", "home_town": "+cmd|x", "residence": "@SUM(A1)", "birth_place": "-"},
     {"home_town": [formula("+")], "residence": [formula("@")], "birth_place": [formula("-")]}),
    ({"full_name": "Hoàng Thị Lan", "foreign_language": "Anh\tB1"}, {"foreign_language": [control("U+0009", 4)]}),
])
def test_the_member_form_refuses_bad_text_on_its_field_and_saves_nothing(cast, login, fields, errors):
    before = Member.objects.count()

    response = _create(login, cast, **fields)

    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert Member.objects.count() == before


def test_other_single_line_text_may_start_with_a_sign(cast, login):
    response = _create(login, cast, foreign_language="-", background_sheet_no="=12")
    assert response.status_code == 302
    member = Member.objects.get(full_name="Hoàng Thị Lan")
    assert (member.foreign_language, member.background_sheet_no) == ("-", "=12")


def test_a_unit_name_cannot_start_like_a_formula(cast, login):
    data = {"code": "K3", "name": "=K3", "kind": "cell", "sector": "school", "on": "2024-09-01"}
    response = login("province").post(reverse("console:unit_add", args=[cast.tree.g.pk]), data)
    assert response.context["form"].errors == {"name": [formula("=")]}
    assert not Unit.objects.filter(code="K3").exists()


def test_a_step_note_keeps_its_lines_but_not_a_bidi_override(cast):
    case = carry(open_case(cast.tree.k), Stage.INTRODUCED)
    data = {"to": Stage.OPINIONS, "expected": case.stage, "on": "2025-01-02"}
    ok = StepForm({**data, "note": "Công đoàn: đồng ý.\r\n\t- Chi bộ nơi cư trú: đồng ý 👨‍👩‍👧"}, case=case,
                  to=Stage.OPINIONS)
    assert ok.is_valid(), ok.errors
    bad = StepForm({**data, "note": "Đồng ý\u202e"}, case=case, to=Stage.OPINIONS)
    assert bad.errors == {"note": ["The text contains an invisible formatting character (U+202E) at position 7: "
                                   "delete it and type the text again."]}


def test_a_verified_relative_s_name_cannot_start_like_a_formula(cast):
    case = carry(open_case(cast.tree.k), Stage.OPINIONS)
    form = StepForm({"to": Stage.VERIFIED, "expected": case.stage, "on": "2025-01-02", "self_name": "@x",
                     "self_result": "clear"}, case=case, to=Stage.VERIFIED)
    assert form.errors == {"self_name": [formula("@")]}


def test_a_handbook_question_with_a_nul_is_refused_not_stored(cast, client):
    client.force_login(cast.member)
    response = client.post(reverse("handbook:ask"), {"unit": cast.tree.k.pk, "text": "Xin hỏi\x00 lịch họp"})
    assert response.status_code == 400
    assert response.context["form"].errors == {"text": [control("U+0000", 8)]}
    assert not Thread.objects.exists()


def test_a_handbook_question_may_hold_lines_and_start_with_a_sign(cast, client):
    client.force_login(cast.member)
    response = client.post(reverse("handbook:ask"), {"unit": cast.tree.k.pk, "text": "-- lịch họp\n= tháng 5?"})
    assert response.status_code == 302
    assert Post.objects.get().text == "-- lịch họp\n= tháng 5?"


def test_an_answer_in_the_console_with_an_escape_is_refused(cast, client):
    client.force_login(cast.member)
    client.post(reverse("handbook:ask"), {"unit": cast.tree.k.pk, "text": "Xin hỏi lịch họp"})
    thread = Thread.objects.get()
    client.force_login(cast.secretary)
    response = client.post(reverse("console:handbook_thread", args=[thread.pk]), {"text": "\x1b[31mĐỏ"})
    assert response.status_code == 400
    assert response.context["form"].errors == {"text": [control("U+001B", 1)]}
    assert thread.posts.count() == 1


# ---- pages that read posted values without a form ---------------------------------------------

def _meeting(cast):
    import datetime as dt

    from django.utils import timezone

    from chibo.meetings import services

    return services.create_meeting(actor=cast.secretary, unit=cast.tree.k, kind="regular",
                                   starts_at=timezone.make_aware(dt.datetime(2026, 12, 4, 19, 30)))


def test_a_meeting_s_agenda_with_a_nul_is_refused_with_the_message(cast, login):
    meeting = _meeting(cast)
    client = login("secretary")
    act = reverse("console:meeting_action", args=[meeting.pk])

    response = client.post(act, {"action": "agenda", "topic": "Chuyên đề\x00", "agenda": "1. …"}, follow=True)

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [control("U+0000", 10)]
    meeting.refresh_from_db()
    assert meeting.topic == ""


def test_a_meeting_place_cannot_start_like_a_formula_but_minutes_keep_their_lines(cast, login):
    meeting = _meeting(cast)
    client = login("secretary")
    act = reverse("console:meeting_action", args=[meeting.pk])

    refused = client.post(act, {"action": "agenda", "topic": "Chuyên đề", "place": "=cmd"}, follow=True)
    client.post(act, {"action": "agenda", "topic": "Chuyên đề", "agenda": "1. Báo cáo\r\n\t- tháng 11\r\n=2"})

    assert [str(m) for m in refused.context["messages"]] == [formula("=")]
    meeting.refresh_from_db()
    assert (meeting.topic, meeting.agenda, meeting.place) == ("Chuyên đề", "1. Báo cáo\r\n\t- tháng 11\r\n=2", "")
