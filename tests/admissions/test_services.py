"""The admission case through its stages, on the real registry."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.admissions import services, tallying
from chibo.admissions.models import AdmissionTally, Awaits
from chibo.admissions.stages import Stage
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.members.models import UnitMemberTally
from tests.factories.admissions import START, carry, facts_for, open_case
from tests.factories.registry import make_member


def test_a_case_goes_from_sympathizer_to_official_member(cast):
    case = open_case(cast.tree.k)
    assert (case.stage, case.awaits, case.next_due) == (Stage.SYMPATHIZER, Awaits.CELL, None)
    case = carry(case, Stage.OPINIONS)
    assert case.awaits == Awaits.COMMITTEE  # the committee verifies the background
    case = carry(case, Stage.ADMITTED)
    member = case.member
    assert member.status == "probationary" and member.full_name == "Vũ Thị Hạnh"
    assert member.unit_id == cast.tree.k.pk and member.admission_date == case.decision_on
    case = carry(case, Stage.OFFICIAL)
    member.refresh_from_db()
    assert member.status == "official"
    assert member.official_date == case.ceremony_on.replace(year=case.ceremony_on.year + 1)
    assert case.awaits == "" and case.next_due is None
    assert [s.stage for s in case.steps.all()] == [
        "sympathizer", "course", "application", "introduced", "opinions", "verified", "cell_voted",
        "committee_resolved", "admitted", "sworn_in", "probation_reviewed", "recognition_voted", "official"]
    assert tallying.verify() == []
    row = AdmissionTally.objects.get(unit=cast.tree.root, day=case.decision_on)
    assert (row.admitted, row.women, row.civil_servant) == (1, 1, 1)
    assert UnitMemberTally.objects.get(unit=cast.tree.k).official == 4


def test_a_grassroots_cell_skips_the_committee_resolution(cast):
    make_member(cast.tree.qk, "Hà Văn Sơn")
    case = carry(open_case(cast.tree.qk), Stage.CELL_VOTED)
    assert case.awaits == Awaits.COMMITTEE
    with pytest.raises(DomainError, match="cannot move to"):
        services.advance(case, actor=SYSTEM, to=Stage.COMMITTEE_RESOLVED, on=case.stage_on,
                         facts=facts_for(case, Stage.COMMITTEE_RESOLVED, case.stage_on))


def test_a_failed_vote_changes_nothing(cast):
    case = carry(open_case(cast.tree.k), Stage.VERIFIED)
    with pytest.raises(DomainError) as err:
        services.advance(case, actor=SYSTEM, to=Stage.CELL_VOTED, on=case.stage_on, facts={"yes": 1})
    assert "yes" in err.value.field_errors
    case.refresh_from_db()
    assert case.stage == Stage.VERIFIED and case.steps.count() == 6


def test_decision_deadline_and_extension(cast):
    case = carry(open_case(cast.tree.k), Stage.COMMITTEE_RESOLVED)
    assert case.next_due == services.rules.decision_due(case.cell_vote_on)
    late = case.next_due + dt.timedelta(days=1)
    with pytest.raises(DomainError) as err:
        services.advance(case, actor=SYSTEM, to=Stage.ADMITTED, on=late, facts={"number": "1-QĐ"})
    assert "extension_reason" in err.value.field_errors
    case = services.advance(case, actor=SYSTEM, to=Stage.ADMITTED, on=late,
                            facts={"number": "1-QĐ", "extension_reason": "Chờ kết quả thẩm tra bổ sung"})
    assert case.extended


def test_three_failed_recognition_votes_go_to_the_higher_committee(cast):
    case = carry(open_case(cast.tree.k), Stage.PROBATION_REVIEWED)
    day = services.rules.probation_end(case.ceremony_on)
    for n in (1, 2):
        case = services.advance(case, actor=SYSTEM, to=Stage.RECOGNITION_VOTED, on=day, facts={"yes": 1})
        assert (case.stage, case.failed_recognition_votes) == (Stage.PROBATION_REVIEWED, n)
    case = services.advance(case, actor=SYSTEM, to=Stage.RECOGNITION_VOTED, on=day, facts={"yes": 1})
    assert case.stage == Stage.ESCALATED and case.awaits == ""


def test_who_may_record_what(cast):
    case = open_case(cast.tree.k, actor=cast.secretary, on=START)
    case = services.advance(case, actor=cast.secretary, to=Stage.COURSE, on=START,
                            facts=facts_for(case, Stage.COURSE, START))
    case = carry(case, Stage.OPINIONS, actor=cast.secretary)
    with pytest.raises(PermissionDenied):  # the committee verifies
        carry(case, Stage.VERIFIED, actor=cast.secretary)
    with pytest.raises(NotFound):
        carry(case, Stage.VERIFIED, actor=cast.outsider)
    with pytest.raises(NotFound):
        carry(case, Stage.VERIFIED, actor=cast.member)
    assert carry(case, Stage.VERIFIED, actor=cast.commune).stage == Stage.VERIFIED


def test_the_same_person_cannot_have_two_open_cases_or_be_a_member(cast):
    case = open_case(cast.tree.k)
    with pytest.raises(DomainError) as err:
        services.open_case(actor=SYSTEM, cell=cast.tree.k2, on=START, data={
            "full_name": "Vũ Thị Hạnh", "sex": "F", "birth_date": case.birth_date, "citizen_id": case.citizen_id})
    assert "citizen_id" in err.value.field_errors
    with pytest.raises(DomainError):
        services.open_case(actor=SYSTEM, cell=cast.tree.k2, on=START, data={
            "full_name": "Đặng Văn An", "sex": "M", "birth_date": cast.plain_m.birth_date,
            "citizen_id": cast.plain_m.citizen_id})


def test_a_stale_move_is_refused(cast):
    case = open_case(cast.tree.k)
    services.advance(case, actor=SYSTEM, to=Stage.COURSE, on=START, facts=facts_for(case, Stage.COURSE, START),
                     expected=Stage.SYMPATHIZER)
    with pytest.raises(DomainError, match="meanwhile"):
        services.advance(case, actor=SYSTEM, to=Stage.COURSE, on=START,
                         facts=facts_for(case, Stage.COURSE, START), expected=Stage.SYMPATHIZER)


def test_removal_in_probation_leaves_the_registry(cast):
    case = carry(open_case(cast.tree.k), Stage.SWORN_IN)
    case = services.advance(case, actor=SYSTEM, to=Stage.REMOVED, on=case.stage_on, facts={"note": "Vi phạm tư cách"})
    case.member.refresh_from_db()
    assert case.member.status == "removed"
    assert UnitMemberTally.objects.get(unit=cast.tree.k).total == 3


def test_a_readmission_brings_back_the_former_members_own_record(cast):
    from chibo.members.services import change_status

    former = change_status(cast.other_m, actor=SYSTEM, status="removed", on=dt.date(2020, 3, 1))
    case = services.open_case(actor=SYSTEM, cell=cast.tree.k, on=START, data={
        "full_name": former.full_name, "sex": former.sex, "birth_date": former.birth_date,
        "citizen_id": former.citizen_id, "left_on": dt.date(2020, 3, 1), "occupation": "civil_servant"})
    case = carry(case, Stage.ADMITTED)
    assert case.member_id == former.pk
    former.refresh_from_db()
    assert (former.status, former.unit_id, former.admission_date) == ("probationary", cast.tree.k.pk, case.decision_on)
    assert UnitMemberTally.objects.get(unit=cast.tree.k).probationary == 1


def test_a_readmission_too_soon_is_refused_at_the_vote(cast):
    case = carry(open_case(cast.tree.k, left_on=dt.date(2023, 1, 1)), Stage.VERIFIED)
    with pytest.raises(DomainError) as err:
        carry(case, Stage.CELL_VOTED)
    assert "left_on" in err.value.field_errors


def _former_case(cast, status: str, left: dt.date, **typed):
    """A case for cast.other_m, who left the party as ``status`` on ``left`` (the registry),
    with what the case itself says of it (``typed``)."""
    from chibo.members.services import change_status

    former = change_status(cast.other_m, actor=SYSTEM, status=status, on=left)
    return former, services.open_case(actor=SYSTEM, cell=cast.tree.k, on=START, data={
        "full_name": former.full_name, "sex": former.sex, "birth_date": former.birth_date,
        "citizen_id": former.citizen_id, **typed})


def test_a_member_removed_21_months_ago_is_refused_at_the_vote_though_the_case_gives_no_leaving_day(cast):
    vote = START + dt.timedelta(days=42)  # carry's vote: six steps of a week after START
    _former, case = _former_case(cast, "removed", services.rules.add_months(vote, -21))
    case = carry(case, Stage.VERIFIED)
    with pytest.raises(DomainError) as err:
        carry(case, Stage.CELL_VOTED)
    assert err.value.field_errors["left_on"] == [
        "The member registry records that this person left the party on 14/01/2023 (Removed from the list): "
        "they can be readmitted from 14/01/2026, 36 months after leaving."]


def test_the_registrys_leaving_day_wins_over_the_one_the_case_gives(cast):
    vote = START + dt.timedelta(days=42)
    _former, case = _former_case(cast, "removed", services.rules.add_months(vote, -21),
                                 left_on=dt.date(2020, 1, 1))
    with pytest.raises(DomainError) as err:
        carry(carry(case, Stage.VERIFIED), Stage.CELL_VOTED)
    assert "14/01/2023" in err.value.field_errors["left_on"][0]


def test_a_member_who_resigned_is_refused_though_the_barred_ground_is_not_ticked(cast):
    _former, case = _former_case(cast, "resigned", dt.date(2015, 3, 1), left_on=dt.date(2015, 3, 1))
    with pytest.raises(DomainError) as err:
        carry(carry(case, Stage.VERIFIED), Stage.CELL_VOTED)
    assert err.value.field_errors["left_on"] == [
        "The member registry records that this person resigned from the party: a member who resigned cannot "
        "be readmitted."]
    case.refresh_from_db()
    assert case.stage == Stage.VERIFIED


def test_the_decision_checks_the_registry_again(cast):
    """The vote passed on the record as it stood; the record was corrected before the decision:
    the decision is refused and the former member stays out."""
    from chibo.members.models import Member

    former, case = _former_case(cast, "removed", dt.date(2020, 3, 1))
    case = carry(case, Stage.COMMITTEE_RESOLVED)
    left = services.rules.add_months(case.stage_on, -20)
    Member.objects.filter(pk=former.pk).update(status_since=left)  # the registry's correction
    with pytest.raises(DomainError) as err:
        carry(case, Stage.ADMITTED)
    assert err.value.message == "The former member was not readmitted."
    assert "36 months after leaving" in err.value.field_errors["left_on"][0]
    former.refresh_from_db()
    case.refresh_from_db()
    assert (former.status, former.unit_id, case.stage) == ("removed", cast.tree.k.pk, Stage.COMMITTEE_RESOLVED)


@pytest.mark.parametrize("left_on", [dt.date(9999, 12, 31), dt.date(1990, 1, 1)])
def test_a_leaving_date_in_the_future_or_before_birth_is_refused(cast, left_on):
    with pytest.raises(DomainError) as err:
        open_case(cast.tree.k, left_on=left_on)
    assert "left_on" in err.value.field_errors


def test_a_case_cannot_be_opened_in_the_future(cast):
    with pytest.raises(DomainError) as err:
        open_case(cast.tree.k, on=dt.date.today() + dt.timedelta(days=1))
    assert "on" in err.value.field_errors


def test_the_reason_for_a_late_decision_is_kept_on_the_step(cast):
    case = carry(open_case(cast.tree.k), Stage.COMMITTEE_RESOLVED)
    due = case.next_due
    late = due + dt.timedelta(days=3)
    services.advance(case, actor=SYSTEM, to=Stage.ADMITTED, on=late,
                     facts={"number": "1-QĐ", "extension_reason": "Chờ thẩm tra bổ sung"})
    step = case.steps.get(stage=Stage.ADMITTED)
    assert (step.deadline, step.extension_reason, step.consent_number, step.consent_on) == (
        due, "Chờ thẩm tra bổ sung", "", None)


def test_a_decision_past_the_longest_extension_needs_the_superior_committees_consent(cast):
    case = carry(open_case(cast.tree.k), Stage.COMMITTEE_RESOLVED)
    deadline = services.rules.decision_deadline(case.cell_vote_on)
    past_cap = services.rules.add_working_days(deadline.cap, 1)
    facts = {"number": "1-QĐ", "extension_reason": "Hồ sơ thất lạc"}
    with pytest.raises(DomainError) as err:
        services.advance(case, actor=SYSTEM, to=Stage.ADMITTED, on=past_cap, facts=facts)
    assert list(err.value.field_errors) == ["consent_number"]
    case.refresh_from_db()
    assert (case.stage, case.member_id) == (Stage.COMMITTEE_RESOLVED, None)
    case = services.advance(case, actor=SYSTEM, to=Stage.ADMITTED, on=past_cap,
                            facts={**facts, "consent_number": "45-CV/HU", "consent_on": past_cap})
    step = case.steps.get(stage=Stage.ADMITTED)
    assert (case.stage, case.extended, step.deadline, step.consent_number, step.consent_on) == (
        Stage.ADMITTED, True, deadline.due, "45-CV/HU", past_cap)


def test_a_late_ceremony_needs_the_superior_committees_consent(cast):
    case = carry(open_case(cast.tree.k), Stage.ADMITTED)
    due = services.rules.ceremony_due(case.decision_on)
    late = services.rules.add_working_days(due, 1)
    with pytest.raises(DomainError) as err:
        services.advance(case, actor=SYSTEM, to=Stage.SWORN_IN, on=late, facts={"extension_reason": "Ốm"})
    assert err.value.field_errors["consent_number"] == [
        f"The deadline was {due:%d/%m/%Y}: later, this step needs the consent of the directly superior committee. "
        "Record the number and date of its consent."]
    with pytest.raises(DomainError) as err:
        services.advance(case, actor=SYSTEM, to=Stage.SWORN_IN, on=late, facts={
            "extension_reason": "Ốm", "consent_number": "12-CV/ĐU", "consent_on": late + dt.timedelta(days=1)})
    assert list(err.value.field_errors) == ["consent_on"]
    case = services.advance(case, actor=SYSTEM, to=Stage.SWORN_IN, on=late, facts={
        "extension_reason": "Ốm", "consent_number": "12-CV/ĐU", "consent_on": due})
    step = case.steps.get(stage=Stage.SWORN_IN)
    assert (case.ceremony_on, step.deadline, step.extension_reason, step.consent_number, step.consent_on) == (
        late, due, "Ốm", "12-CV/ĐU", due)


def test_a_course_of_another_branch_is_refused(cast):
    from chibo.admissions.models import Course

    other = services.create_course(actor=SYSTEM, unit=cast.tree.qc, name="Lớp Tây Sơn", starts_on=START,
                                   ends_on=START)
    case = open_case(cast.tree.k)
    with pytest.raises(DomainError) as err:
        services.advance(case, actor=SYSTEM, to=Stage.COURSE, on=START,
                         facts={**facts_for(case, Stage.COURSE, START), "course": other.pk})
    assert "course" in err.value.field_errors
    assert Course.objects.count() == 1


def test_a_garbled_cursor_starts_the_list_over(cast):
    from chibo.admissions import queries

    carry(open_case(cast.tree.k), Stage.CELL_VOTED)
    assert len(queries.inbox(cast.commune, cast.tree.c, after="not-a-cursor").rows) == 1


def test_a_unit_merged_mid_year_counts_under_its_old_parent_before_and_its_successor_after(cast):
    """Admissions in K2 (under G) in March; in June G's cells move to the commune QC of the other
    province. Year-to-date sums of the daily rows follow the structure of each day."""
    from chibo.restructuring import services as restructuring

    make_member(cast.tree.k2, "Hà Văn Sơn")
    make_member(cast.tree.k2, "Lò Thị Mai", sex="F")
    case = carry(open_case(cast.tree.k2, on=dt.date(2024, 1, 8)), Stage.ADMITTED)
    march = case.decision_on
    june = dt.date(march.year, 6, 16)
    restructuring.move_unit(cast.tree.k2, actor=SYSTEM, new_parent=cast.tree.qc, on=june)
    before, after = june - dt.timedelta(days=1), dt.date(march.year, 12, 31)
    p, q = cast.tree.p, cast.tree.q
    assert (tallying.year_to_date(p, before)["admitted"], tallying.year_to_date(q, before)["admitted"]) == (1, 0)
    assert (tallying.year_to_date(p, after)["admitted"], tallying.year_to_date(q, after)["admitted"]) == (0, 1)
    assert tallying.year_to_date(cast.tree.root, after)["admitted"] == 1
    assert tallying.verify() == []


def test_a_readmitted_member_leaves_the_old_card_and_ceremony_behind(cast):
    from chibo.members.models import Member
    from chibo.members.services import change_status

    Member.objects.filter(pk=cast.other_m.pk).update(card_number="01234567", ceremony_place="Hội trường cũ")
    change_status(cast.other_m, actor=SYSTEM, status="expelled", on=dt.date(2020, 3, 1))
    former = Member.objects.get(pk=cast.other_m.pk)
    case = services.open_case(actor=SYSTEM, cell=cast.tree.k, on=START, data={
        "full_name": former.full_name, "sex": former.sex, "birth_date": former.birth_date,
        "citizen_id": former.citizen_id, "left_on": dt.date(2020, 3, 1)})
    case = carry(case, Stage.ADMITTED)
    case.member.refresh_from_db()
    assert (case.member.card_number, case.member.ceremony_place) == (None, "")


def test_a_late_ceremony_does_not_move_the_recognition_decision_deadline(cast):
    case = carry(open_case(cast.tree.k), Stage.ADMITTED)
    late = services.rules.ceremony_due(case.decision_on) + dt.timedelta(days=3)
    case = services.advance(case, actor=SYSTEM, to=Stage.SWORN_IN, on=late, facts={
        "extension_reason": "Ốm", "consent_number": "12-CV/ĐU", "consent_on": late})
    assert case.extended
    case = carry(case, Stage.RECOGNITION_VOTED)
    assert case.next_due == services.rules.recognition_decision_due(case.stage_on)  # not +30


def test_the_dossier_runs_for_the_rulebooks_months(cast):
    case = carry(open_case(cast.tree.k), Stage.APPLICATION)
    assert case.next_due == services.rules.add_months(case.dossier_since, 12)


def test_trying_known_citizen_ids_is_counted_and_stopped_for_the_day(cast):
    """A refusal because the citizen ID is a member's confirms the number: after the rulebook's five in
    a day, the secretary opens no case with a citizen ID (so a masked number cannot be found by trying)."""
    from django.utils import timezone

    from chibo.core.models import AuditEntry

    known, person = cast.plain_m.citizen_id, {"sex": cast.plain_m.sex, "birth_date": cast.plain_m.birth_date}
    for _ in range(5):
        with pytest.raises(DomainError) as err:
            open_case(cast.tree.k, actor=cast.secretary, citizen_id=known, **person)
        assert err.value.field_errors["citizen_id"] == ["This person is already a party member."]
    entries = AuditEntry.objects.filter(action="admissions.known_citizen_id", actor=cast.secretary)
    assert entries.count() == 5
    assert {e.payload["citizen_id"] for e in entries} == {"•" * 10 + known[-2:]}
    with pytest.raises(DomainError) as err:
        open_case(cast.tree.k, actor=cast.secretary, citizen_id="001300099999")  # unknown, still refused
    assert "no more cases with a citizen ID until tomorrow" in err.value.field_errors["citizen_id"][0]
    assert entries.count() == 5  # the refusal past the limit tells nothing, so it is not counted
    entries.update(at=timezone.now() - dt.timedelta(days=1))
    assert open_case(cast.tree.k, actor=cast.secretary, citizen_id="001300099999").citizen_id == "001300099999"
