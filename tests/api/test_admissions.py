"""Admission cases through the API: a whole case carried by the cell and the committee, the
persona matrix of every operation, refusals that change nothing, masking, paging, query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from chibo.accounts.policy import SYSTEM
from chibo.admissions import rules, services
from chibo.admissions.models import AdmissionCase, CaseStep
from chibo.admissions.stages import COMMITTEE_MOVES, PIPELINE, Stage, next_stages, under_committee
from chibo.api.admissions_schemas import CaseChanges, StepFacts
from chibo.core.models import AuditEntry
from chibo.members.models import Member
from tests.api.conftest import PERSONAS
from tests.factories.admissions import START, carry, case_data, facts_for, open_case

ALL = [*PERSONAS, "anonymous"]
NOT_RECORDED = "The step was not recorded: correct the fields marked below."
INVALID = "The request has invalid values: see the fields below."
NO_CASE = {"detail": "No such case.", "errors": {}}
FORBIDDEN = "You may view this case but not record this step."


def jsonable(value: Any) -> Any:
    """Facts and case data as JSON (dates as YYYY-MM-DD)."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value.isoformat() if isinstance(value, dt.date) else value


def new_case_body(cell_id: int, **extra: Any) -> dict[str, Any]:
    return jsonable({"cell": cell_id, "on": START, "resolution": "01-NQ/CB"} | case_data() | extra)


def step_body(case: AdmissionCase, to: str, on: dt.date, **extra: Any) -> dict[str, Any]:
    return jsonable({"to": to, "on": on, "expected": case.stage, "facts": facts_for(case, to, on)} | extra)


def recently(days_ago: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days_ago)


def _ids(response) -> list[int]:
    return [c["id"] for c in response.json["items"]]


# ------------------------------------------------------------------ a whole case


def test_a_case_goes_from_sympathizer_to_official_member_through_the_api(api, cast):
    k = cast.tree.k
    body = new_case_body(k.pk, helper=cast.plain_m.pk, phone="0912 000 333")

    opened = api.secretary.post("/admissions/cases", body)

    assert opened.status == 201
    case = AdmissionCase.objects.get(pk=opened.json["id"])
    assert (opened.json["stage"], opened.json["awaits"], opened.json["helper"], opened.json["cell"]) == (
        "sympathizer", "cell", {"id": cast.plain_m.pk, "full_name": "Đặng Văn An"},
        {"id": k.pk, "code": "K", "name": "Chi bộ Giáo viên 1"})
    recorded_by = {}
    while case.stage != Stage.OFFICIAL:
        to = next_stages(case.stage, under_committee=under_committee(case.cell))[0]
        day = case.stage_on + dt.timedelta(days=7)
        if to == Stage.RECOGNITION_VOTED:
            day = max(day, rules.probation_end(case.ceremony_on))
        persona = "commune" if to in COMMITTEE_MOVES else "secretary"
        response = getattr(api, persona).post(f"/admissions/cases/{case.pk}/steps", step_body(case, to, day))
        assert (response.status, response.json["stage"]) == (200, to), response.json
        recorded_by[to] = persona
        case = AdmissionCase.objects.select_related("cell").get(pk=case.pk)

    assert [s for s, p in recorded_by.items() if p == "commune"] == [
        "verified", "committee_resolved", "admitted", "official"]
    detail = api.province.get(f"/admissions/cases/{case.pk}").json
    member = Member.objects.get(pk=detail["member_id"])
    assert (member.status, member.full_name, member.unit_id) == ("official", "Vũ Thị Hạnh", k.pk)
    assert member.official_date == rules.official_date(case.ceremony_on)
    assert [s["stage"] for s in detail["steps"]] == list(PIPELINE)
    assert (detail["awaits"], detail["next_due"], detail["next_moves"], detail["overdue"]) == ("", None, [], False)
    assert [i["member"]["full_name"] for i in detail["introductions"]] == ["Trần Thị Bình", "Đặng Văn An"]
    assert [(v["relation"], v["result"]) for v in detail["verifications"]] == [("self", "clear"), ("father", "clear")]
    vote = next(s for s in detail["steps"] if s["stage"] == "cell_voted")
    assert (vote["yes"], vote["voters"], vote["needed"], vote["number"], vote["passed"]) == (3, 3, 2, "05-NQ/CB", True)
    actors = set(CaseStep.objects.filter(case=case).values_list("actor__username", flat=True))
    assert actors == {"secretary", "commune"}


def test_the_detail_has_every_field(api, cast):
    case = carry(open_case(cast.tree.k), Stage.INTRODUCED)
    case.refresh_from_db()

    detail = api.province.get(f"/admissions/cases/{case.pk}").json

    assert {k: v for k, v in detail.items() if k not in ("steps", "introductions")} == {
        "id": case.pk, "full_name": "Vũ Thị Hạnh", "cell": {"id": cast.tree.k.pk, "code": "K",
                                                            "name": "Chi bộ Giáo viên 1"},
        "stage": "introduced", "stage_label": "Introduced", "stage_on": case.stage_on.isoformat(),
        "awaits": "cell", "next_due": case.next_due.isoformat(), "overdue": case.next_due < timezone.localdate(),
        "member_id": None, "sex": "F", "birth_date": "2000-05-10", "citizen_id": case.citizen_id, "phone": "",
        "email": "", "ethnicity": "01", "religion": "none", "home_town": "", "residence": "",
        "education_grade": 12, "qualification": "none", "occupation": "civil_servant", "youth_union": False,
        "education_exception": "", "exception_approved": False, "over_60_approved": False, "left_on": None,
        "excluded_ground": False, "masked": False, "helper": None, "course": None,
        "certificate_no": f"GCN-{case.pk}", "certificate_issuer": "Trung tâm Chính trị",
        "certificate_date": case.certificate_date.isoformat(), "dossier_since": case.dossier_since.isoformat(),
        "youth_union_path": False, "cell_vote_on": None, "decision_no": "", "decision_on": None,
        "ceremony_on": None, "failed_recognition_votes": 0, "extended": False, "verifications": [],
        "next_moves": [
            {"stage": "opinions", "label": "Opinions gathered", "permission": "admissions.record", "allowed": True},
            {"stage": "withdrawn", "label": "Withdrawn", "permission": "admissions.record", "allowed": True},
            {"stage": "not_admitted", "label": "Not admitted", "permission": "admissions.decide",
             "allowed": False}],
        "documents": [],
    }
    assert detail["steps"][1] == {
        "id": detail["steps"][1]["id"], "stage": "course", "stage_label": "Awareness course attended",
        "passed": True, "on": "2024-09-09", "number": f"GCN-{case.pk}", "yes": None, "voters": None,
        "needed": None, "note": ""}
    assert detail["introductions"][0]["together_since"] == "2020-01-01"


# ------------------------------------------------------------------ the persona matrix

LIST = {"admin": 2, "province": 1, "commune": 1, "secretary": 1, "member": 0, "outsider": 1}
READ = {"admin": 200, "province": 200, "commune": 200, "secretary": 200, "member": 404, "outsider": 404,
        "anonymous": 401}
# the commune's committee leader decides but does not record the cell's steps
CREATE = {"admin": 201, "province": 201, "commune": 403, "secretary": 201, "member": 404, "outsider": 404,
          "anonymous": 401}
RECORD = {"admin": 200, "province": 200, "commune": 403, "secretary": 200, "member": 404, "outsider": 404,
          "anonymous": 401}
DECIDE = {"admin": 200, "province": 403, "commune": 200, "secretary": 403, "member": 404, "outsider": 404,
          "anonymous": 401}
INBOX = {"admin": 200, "province": 403, "commune": 200, "secretary": 403, "member": 403, "outsider": 403,
         "anonymous": 401}
OVERDUE = {"admin": 200, "province": 200, "commune": 200, "secretary": 200, "member": 403, "outsider": 200,
           "anonymous": 401}


@pytest.mark.parametrize("persona", ALL)
def test_case_list_follows_the_persona_matrix(api, cast, persona):
    open_case(cast.tree.k)
    open_case(cast.tree.qk)

    response = getattr(api, persona).get("/admissions/cases")

    if persona == "anonymous":
        assert response.status == 401
    else:
        assert (response.status, len(response.json["items"])) == (200, LIST[persona])


@pytest.mark.parametrize("persona", ALL)
def test_case_detail_follows_the_persona_matrix(api, cast, persona):
    case = open_case(cast.tree.k)

    response = getattr(api, persona).get(f"/admissions/cases/{case.pk}")

    assert response.status == READ[persona]
    if response.status == 404:
        assert response.json == NO_CASE


@pytest.mark.parametrize("persona", ALL)
def test_case_create_follows_the_persona_matrix(api, cast, persona):
    response = getattr(api, persona).post("/admissions/cases", new_case_body(cast.tree.k.pk))

    assert response.status == CREATE[persona]
    assert AdmissionCase.objects.count() == (1 if response.status == 201 else 0)
    if response.status == 403:
        assert response.json == {"detail": FORBIDDEN, "errors": {}}
    if response.status == 404:
        assert response.json == {"detail": "No such unit.", "errors": {}}


@pytest.mark.parametrize("persona", ALL)
def test_case_update_follows_the_persona_matrix(api, cast, persona):
    case = open_case(cast.tree.k)

    response = getattr(api, persona).patch(f"/admissions/cases/{case.pk}", {"phone": "0911 222 333"})

    case.refresh_from_db()
    assert response.status == RECORD[persona]
    assert case.phone == ("0911222333" if response.status == 200 else "")
    if response.status == 404:
        assert response.json == NO_CASE


@pytest.mark.parametrize("persona", ALL)
def test_a_cell_step_follows_the_persona_matrix(api, cast, persona):
    case = open_case(cast.tree.k)

    response = getattr(api, persona).post(f"/admissions/cases/{case.pk}/steps", step_body(case, "course", START))

    case.refresh_from_db()
    assert response.status == RECORD[persona]
    assert case.stage == ("course" if response.status == 200 else "sympathizer")
    if response.status == 403:
        assert response.json == {"detail": FORBIDDEN, "errors": {}}


@pytest.mark.parametrize("persona", ALL)
def test_a_committee_step_follows_the_persona_matrix(api, cast, persona):
    case = carry(open_case(cast.tree.k), Stage.OPINIONS)
    day = case.stage_on

    response = getattr(api, persona).post(f"/admissions/cases/{case.pk}/steps", step_body(case, "verified", day))

    case.refresh_from_db()
    assert response.status == DECIDE[persona]
    assert case.stage == ("verified" if response.status == 200 else "opinions")
    if response.status == 404:
        assert response.json == NO_CASE


@pytest.mark.parametrize("persona", ALL)
def test_the_inbox_follows_the_persona_matrix(api, cast, persona):
    carry(open_case(cast.tree.k), Stage.CELL_VOTED)

    response = getattr(api, persona).get("/admissions/inbox")

    assert response.status == INBOX[persona]
    if response.status == 200:
        assert len(response.json["items"]) == 1


@pytest.mark.parametrize("persona", ALL)
def test_the_overdue_report_follows_the_persona_matrix(api, cast, persona):
    carry(open_case(cast.tree.k), Stage.CELL_VOTED)

    response = getattr(api, persona).get("/admissions/overdue")

    assert response.status == OVERDUE[persona]
    if response.status == 200:
        assert len(response.json["items"]) == (0 if persona == "outsider" else 1)


# ------------------------------------------------------------------ masking and audit


def test_the_secretary_sees_the_sensitive_fields_masked_and_each_read_is_audited(api, cast):
    case = open_case(cast.tree.k, phone="0912000333", religion="buddhism")

    secretary = api.secretary.get(f"/admissions/cases/{case.pk}").json
    commune = api.commune.get(f"/admissions/cases/{case.pk}").json

    sensitive = ("citizen_id", "phone", "ethnicity", "religion", "masked")
    assert {k: secretary[k] for k in sensitive} == {
        "citizen_id": "••••••••" + case.citizen_id[-4:], "phone": "091•••••33", "ethnicity": "•••",
        "religion": "•••", "masked": True}
    assert {k: commune[k] for k in sensitive} == {
        "citizen_id": case.citizen_id, "phone": "0912000333", "ethnicity": "01", "religion": "buddhism",
        "masked": False}
    same = [k for k in secretary if k not in sensitive and k != "next_moves"]
    assert {k: secretary[k] for k in same} == {k: commune[k] for k in same}
    views = AuditEntry.objects.filter(action="admissions.viewed", object_id=str(case.pk)).order_by("id")
    assert [(e.actor_id, e.payload) for e in views] == [
        (cast.secretary.pk, {"sensitive": False}), (cast.commune.pk, {"sensitive": True})]


def test_next_moves_say_who_may_record_them(api, cast):
    case = carry(open_case(cast.tree.k), Stage.OPINIONS)

    def moves(persona):
        return [(m["stage"], m["permission"], m["allowed"])
                for m in getattr(api, persona).get(f"/admissions/cases/{case.pk}").json["next_moves"]]

    assert moves("secretary") == [("verified", "admissions.decide", False), ("withdrawn", "admissions.record", True),
                                  ("not_admitted", "admissions.decide", False)]
    assert moves("commune") == [("verified", "admissions.decide", True), ("withdrawn", "admissions.record", False),
                                ("not_admitted", "admissions.decide", True)]


# ------------------------------------------------------------------ refusals


def test_a_refused_step_changes_nothing(api, cast):
    case = carry(open_case(cast.tree.k), Stage.VERIFIED)
    steps_before = case.steps.count()
    audit_before = AuditEntry.objects.exclude(action="admissions.viewed").count()
    body = step_body(case, "cell_voted", case.stage_on) | {"facts": {"yes": 1, "number": "05-NQ/CB"}}

    response = api.secretary.post(f"/admissions/cases/{case.pk}/steps", body)

    case.refresh_from_db()
    assert (response.status, response.json) == (422, {"detail": NOT_RECORDED, "errors": {
        "facts.yes": ["1 of 3 official members voted yes; 2 are needed (two thirds of all official members)."]}})
    assert (case.stage, case.steps.count(), case.cell_vote_on) == ("verified", steps_before, None)
    assert AuditEntry.objects.exclude(action="admissions.viewed").count() == audit_before


def test_a_stale_expected_stage_is_refused(api, cast):
    case = open_case(cast.tree.k)
    body = step_body(case, "course", START)
    assert api.secretary.post(f"/admissions/cases/{case.pk}/steps", body).status == 200

    again = api.province.post(f"/admissions/cases/{case.pk}/steps", body)

    assert (again.status, again.json) == (422, {
        "detail": "This case was moved to “Awareness course attended” meanwhile: reload the page.", "errors": {}})
    assert case.steps.count() == 2


@pytest.mark.parametrize(("to", "errors"), [
    ("course", {"facts.certificate_no": ["This field is required."],
                "facts.certificate_issuer": ["This field is required."]}),
    ("withdrawn", {"facts.note": ["This field is required."]}),
])
def test_the_step_rules_come_back_on_the_facts(api, cast, to, errors):
    case = open_case(cast.tree.k)

    response = api.secretary.post(f"/admissions/cases/{case.pk}/steps", {"to": to, "on": "2024-09-03"})

    assert (response.status, response.json) == (422, {"detail": NOT_RECORDED, "errors": errors})


def test_a_move_the_stage_does_not_allow_is_refused(api, cast):
    case = open_case(cast.tree.k)

    response = api.secretary.post(f"/admissions/cases/{case.pk}/steps", {"to": "application", "on": "2024-09-03"})

    assert (response.status, response.json) == (422, {
        "detail": "A case at “Sympathizer” cannot move to “Application received”.", "errors": {}})


def test_a_step_dated_in_the_future_or_before_the_last_is_refused(api, cast):
    case = open_case(cast.tree.k)
    url = f"/admissions/cases/{case.pk}/steps"

    future = api.secretary.post(url, step_body(case, "course", timezone.localdate() + dt.timedelta(days=1)))
    before = api.secretary.post(url, step_body(case, "course", START - dt.timedelta(days=1)))

    assert future.json["errors"] == {"on": ["Enter today's date or an earlier one."]}
    assert before.json["errors"] == {"on": ["Enter a date on or after the previous step."]}


def test_step_bodies_are_checked_for_shape(api, cast):
    case = open_case(cast.tree.k)

    response = api.secretary.post(f"/admissions/cases/{case.pk}/steps", {
        "to": "elsewhere", "on": "2024-02-30", "colour": "red",
        "facts": {"yes": -1, "certificate_no": "x" * 41, "verifications": [{"relation": "uncle"}],
                  "introducers": [{"member": "Bình"}], "mood": "good"}})

    assert (response.status, response.json["detail"]) == (422, INVALID)
    assert set(response.json["errors"]) == {
        "to", "on", "colour", "facts.yes", "facts.certificate_no", "facts.verifications.0.relation",
        "facts.verifications.0.name", "facts.verifications.0.result", "facts.introducers.0.member",
        "facts.introducers.0.together_since", "facts.mood"}
    assert response.json["errors"]["facts.yes"] == ["Enter a number of at least 0."]


def test_the_course_must_be_one_of_the_cells_committees(api, cast):
    case = open_case(cast.tree.k)
    ours = services.create_course(actor=SYSTEM, unit=cast.tree.c, name="Lớp nhận thức 9/2024",
                                  starts_on=dt.date(2024, 9, 3), ends_on=dt.date(2024, 9, 5))
    theirs = services.create_course(actor=SYSTEM, unit=cast.tree.qc, name="Lớp Tây Sơn",
                                    starts_on=dt.date(2024, 9, 3), ends_on=dt.date(2024, 9, 5))
    url = f"/admissions/cases/{case.pk}/steps"

    refused = api.secretary.post(url, step_body(case, "course", START) | {"facts": {
        "certificate_no": "GCN-1", "certificate_issuer": "TTCT", "course": theirs.pk}})
    missing = api.secretary.post(url, step_body(case, "course", START) | {"facts": {
        "certificate_no": "GCN-1", "certificate_issuer": "TTCT", "course": 10**9}})
    accepted = api.secretary.post(url, step_body(case, "course", START) | {"facts": {
        "certificate_no": "GCN-1", "certificate_issuer": "TTCT", "course": ours.pk}})

    expected = {"facts.course": ["Choose a course run by the cell's committee or one above it."]}
    assert (refused.status, refused.json["errors"]) == (422, expected)
    assert (missing.status, missing.json["errors"]) == (422, expected)
    assert (accepted.status, accepted.json["course"]) == (200, {"id": ours.pk, "name": "Lớp nhận thức 9/2024"})


# ------------------------------------------------------------------ open and correct


def test_opening_applies_the_identity_rules(api, cast):
    body = new_case_body(cast.tree.k.pk, citizen_id="001095000123", phone="12", helper=cast.other_m.pk)
    existing = new_case_body(cast.tree.k.pk, citizen_id=cast.plain_m.citizen_id, full_name="Đặng Văn An",
                             sex="M", birth_date="1990-07-09")

    response = api.province.post("/admissions/cases", body)
    member = api.province.post("/admissions/cases", existing)

    assert (response.status, response.json["detail"]) == (422, "The case was not opened: correct the fields "
                                                                "marked below.")
    assert set(response.json["errors"]) == {"citizen_id", "phone"}
    assert member.json["errors"] == {"citizen_id": ["This person is already a party member."]}
    assert AdmissionCase.objects.count() == 0


def test_a_case_opens_in_a_cell_with_a_helper_of_that_cell(api, cast):
    t = cast.tree
    not_a_cell = api.province.post("/admissions/cases", new_case_body(t.g.pk))
    helper_elsewhere = api.admin.post("/admissions/cases", new_case_body(t.k2.pk, helper=cast.plain_m.pk))
    helper_unseen = api.province.post("/admissions/cases", new_case_body(t.k.pk, helper=cast.far_m.pk))

    assert not_a_cell.json["errors"] == {"cell": ["Choose an open cell."]}
    assert helper_elsewhere.json["errors"] == {"helper": ["The helper must be an official member of the cell."]}
    assert (helper_unseen.status, helper_unseen.json) == (404, {"detail": "No such member.", "errors": {}})


def test_opening_needs_the_identity_fields(api, cast):
    response = api.secretary.post("/admissions/cases", {"cell": cast.tree.k.pk})

    assert response.json["errors"] == {f: ["This field is required."]
                                       for f in ("on", "full_name", "sex", "birth_date", "citizen_id")}


def test_correcting_changes_only_the_fields_sent_until_the_decision(api, cast):
    case = open_case(cast.tree.k)

    response = api.secretary.patch(f"/admissions/cases/{case.pk}", {"residence": "Thôn Đông", "email": "h@x.vn"})
    bad = api.secretary.patch(f"/admissions/cases/{case.pk}", {"birth_date": "2015-01-01", "sex": None})
    admitted = carry(case, Stage.ADMITTED)
    late = api.province.patch(f"/admissions/cases/{admitted.pk}", {"residence": "Thôn Tây"})

    assert (response.status, response.json["residence"], response.json["email"], response.json["full_name"]) == (
        200, "Thôn Đông", "h@x.vn", "Vũ Thị Hạnh")
    assert (bad.status, bad.json["errors"]) == (422, {"sex": ["Choose one of: 'M', 'F'."]})
    assert (late.status, late.json) == (422, {
        "detail": "After the admission decision, correct the member's record instead.", "errors": {}})
    assert AuditEntry.objects.filter(action="admissions.updated", object_id=str(case.pk)).count() == 1


def test_the_patch_schema_has_exactly_the_identity_fields():
    assert set(CaseChanges.model_fields) == set(services.IDENTITY_FIELDS)
    assert set(StepFacts.model_fields) == {
        "certificate_no", "certificate_issuer", "course", "introducers", "youth_union_path",
        "youth_union_resolution", "note", "verifications", "yes", "number", "committee_members",
        "extension_reason", "consent_number", "consent_on", "place", "course_done", "self_review", "helper_review"}


# ------------------------------------------------------------------ filters and paging


@pytest.fixture
def board(cast):
    """Five cases in K and K2: two overdue (dossier stale), one awaiting the committee on time,
    one just opened (no deadline), one withdrawn."""
    t = cast.tree
    stale = carry(open_case(t.k, full_name="Lò Văn A"), Stage.APPLICATION)
    stale_k2 = carry(open_case(t.k2, full_name="Lò Văn B"), Stage.COURSE)
    stale_k2 = services.advance(stale_k2, actor=SYSTEM, to=Stage.APPLICATION, on=START + dt.timedelta(days=20))
    fresh = carry(open_case(t.k, full_name="Lò Văn C", on=recently(60)), Stage.OPINIONS)
    new = open_case(t.k, full_name="Lò Văn D", on=recently(5))
    gone = services.advance(open_case(t.k, full_name="Lò Văn E"), actor=SYSTEM, to=Stage.WITHDRAWN, on=START,
                            facts={"note": "Chuyển công tác"})
    return {"stale": stale, "stale_k2": stale_k2, "fresh": fresh, "new": new, "gone": gone}


def test_list_filters(api, cast, board):
    def ids(**params):
        return _ids(api.province.get("/admissions/cases", **params))

    b = board
    assert ids() == [b[k].pk for k in ("stale", "stale_k2", "fresh", "new", "gone")]
    assert ids(unit=cast.tree.k2.pk) == [b["stale_k2"].pk]
    assert ids(stage="application") == [b["stale"].pk, b["stale_k2"].pk]
    assert ids(awaits="committee") == [b["fresh"].pk]
    assert ids(awaits="cell") == [b["stale"].pk, b["stale_k2"].pk, b["new"].pk]  # by deadline, none last
    assert ids(overdue="true") == [b["stale"].pk, b["stale_k2"].pk]
    assert ids(overdue="false") == [b["fresh"].pk, b["new"].pk, b["gone"].pk]
    assert api.province.get("/admissions/cases", unit=cast.tree.qk.pk).json == {"detail": "No such unit.",
                                                                                 "errors": {}}


def test_list_items(api, cast, board):
    item = api.province.get("/admissions/cases", unit=cast.tree.k2.pk).json["items"][0]

    case = board["stale_k2"]
    assert item == {"id": case.pk, "full_name": "Lò Văn B", "cell": {"id": cast.tree.k2.pk, "code": "K2",
                                                                      "name": "Chi bộ Giáo viên 2"},
                    "stage": "application", "stage_label": "Application received", "stage_on": "2024-09-22",
                    "awaits": "cell", "next_due": "2025-09-22", "overdue": True, "member_id": None}


@pytest.mark.parametrize("params", [{}, {"awaits": "cell"}, {"overdue": "false"}])
def test_list_pages_with_a_cursor(api, cast, board, params):
    whole = _ids(api.province.get("/admissions/cases", **params))
    seen, after = [], None
    while True:
        page = api.province.get("/admissions/cases", limit=1, **params, **({"after": after} if after else {}))
        seen += _ids(page)
        after = page.json["next"]
        if after is None:
            break

    assert seen == whole and len(whole) >= 3


def test_an_unreadable_cursor_starts_from_the_beginning(api, cast, board):
    first = _ids(api.province.get("/admissions/cases", limit=2))
    for cursor in ("!!!", "WzFd", "WyJpZCIsIC0xXQ", "WyJkdWUiLCAiMjAyNC0xMy0wMSIsIDFd", "bnVsbA"):
        response = api.province.get("/admissions/cases", limit=2, awaits="cell", after=cursor)
        assert response.status == 200
        assert _ids(api.province.get("/admissions/cases", limit=2, after=cursor)) == first


def test_the_inbox_lists_what_awaits_the_committee_soonest_first(api, cast, board):
    voted = carry(open_case(cast.tree.k, full_name="Lò Văn F", on=recently(70)), Stage.CELL_VOTED)

    inbox = api.commune.get("/admissions/inbox")
    in_k2 = api.commune.get("/admissions/inbox", unit=cast.tree.k2.pk)
    paged = api.commune.get("/admissions/inbox", limit=1)
    second = api.commune.get("/admissions/inbox", limit=1, after=paged.json["next"])

    assert inbox.json["unit"] == {"id": cast.tree.c.pk, "code": "C", "name": "Xã Đông Sơn"}
    assert _ids(inbox) == sorted([board["fresh"].pk, voted.pk], key=lambda pk: AdmissionCase.objects.get(
        pk=pk).next_due)
    assert _ids(in_k2) == []
    assert _ids(paged) + _ids(second) == _ids(inbox) and second.json["next"] is None
    assert api.commune.get("/admissions/inbox", unit=cast.tree.qk.pk).json == {"detail": "No such unit.",
                                                                               "errors": {}}
    assert _ids(api.commune.get("/admissions/inbox", after="2024-99-99:1")) == _ids(inbox)


def test_the_overdue_report_counts_by_subunit(api, cast, board):
    t = cast.tree

    commune = api.commune.get("/admissions/overdue").json
    grassroots = api.province.get("/admissions/overdue", unit=t.g.pk).json

    assert commune["unit"]["code"] == "C"
    assert [c["id"] for c in commune["items"]] == [board["stale"].pk, board["stale_k2"].pk]
    assert all(c["overdue"] for c in commune["items"])
    assert commune["by_child"] == [{"unit": {"id": t.g.pk, "code": "G", "name": "Đảng bộ Trường THCS Đông Sơn"},
                                    "count": 2}]
    assert [(c["unit"]["code"], c["count"]) for c in grassroots["by_child"]] == [("K", 1), ("K2", 1)]


# ------------------------------------------------------------------ query counts


def test_the_list_takes_the_same_queries_for_one_or_many_cases(api, cast, django_assert_max_num_queries):
    open_case(cast.tree.k)
    api.commune.get("/admissions/cases")  # warm-up: the token's "last used" stamp
    for count in (1, 6):
        with django_assert_max_num_queries(4):  # token, grants, the unit, the page
            response = api.commune.get("/admissions/cases", unit=cast.tree.k.pk, awaits="cell")
        assert len(response.json["items"]) == count
        for _n in range(5):
            open_case(cast.tree.k, on=recently(3))


def test_the_detail_takes_the_same_queries_for_a_new_or_a_finished_case(api, cast, django_assert_max_num_queries):
    new = open_case(cast.tree.k)
    done = carry(open_case(cast.tree.k), Stage.OFFICIAL)
    for title in ("Đơn xin vào Đảng", "Lý lịch"):
        services.attach_document(done, actor=SYSTEM, title=title,
                                 upload=SimpleUploadedFile("scan.pdf", b"%PDF-1.4", content_type="application/pdf"))
    api.province.get(f"/admissions/cases/{new.pk}")  # warm-up
    sizes = []
    for case in (new, done):
        # token, grants, the case, steps, verifications, documents, introductions, the audit line
        with django_assert_max_num_queries(8):
            response = api.province.get(f"/admissions/cases/{case.pk}")
        sizes.append((len(response.json["steps"]), len(response.json["introductions"]),
                      len(response.json["documents"])))
    assert sizes == [(1, 0, 0), (13, 2, 2)]
    assert response.json["documents"][0]["url"].startswith("/admissions/documents/")
