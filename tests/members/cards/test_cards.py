"""The card register: official members only, unique numbers never reused, the committee above
the grassroots organization issues, the cell hands over and reports a loss, reissue."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.core.models import AuditEntry
from chibo.members.cards import queries, services
from chibo.members.cards.enums import CardReason, CardState
from chibo.members.cards.models import PartyCard
from chibo.members.models import Member
from tests.factories.registry import make_member

D = dt.date


def test_the_committee_above_the_grassroots_organization_issues(cast):
    assert services.issuer_for(cast.plain_m) == cast.tree.c  # K → G (grassroots committee) → C
    assert services.issuer_for(cast.far_m) == cast.tree.qc  # QK is itself a grassroots cell


def test_issue_sets_the_members_card_number_and_audits(cast, issued):
    assert issued.state == CardState.ISSUED and issued.issuer == cast.tree.c
    assert Member.objects.get(pk=cast.plain_m.pk).card_number == "100001"
    entry = AuditEntry.objects.get(action="members.card_issued")
    assert entry.payload["number"] == "100001" and entry.unit_path == cast.tree.k.path


def test_cards_are_issued_to_official_members_only(cast):
    probationer = make_member(cast.tree.k, "Hồ Văn Lộc", status="probationary")
    with pytest.raises(DomainError) as refused:
        services.issue_card(probationer, actor=SYSTEM, number="100002", issued_on=D(2026, 3, 2))
    assert "member" in refused.value.field_errors
    assert not PartyCard.objects.exists() and Member.objects.get(pk=probationer.pk).card_number is None


def test_a_number_is_never_used_twice_even_after_a_loss(cast, issued):
    services.report_loss(issued, actor=SYSTEM, on=D(2026, 4, 1))
    with pytest.raises(DomainError) as refused:
        services.issue_card(cast.other_m, actor=SYSTEM, number="100001", issued_on=D(2026, 4, 2))
    assert "number" in refused.value.field_errors
    with pytest.raises(DomainError):
        services.reissue_card(issued, actor=SYSTEM, number="1000 01", issued_on=D(2026, 4, 2),
                              reason=CardReason.LOSS)
    assert PartyCard.objects.count() == 1


def test_a_member_holds_one_card_at_a_time(cast, issued):
    with pytest.raises(DomainError):
        services.issue_card(cast.plain_m, actor=SYSTEM, number="100009", issued_on=D(2026, 3, 3))


def test_bad_numbers_are_refused(cast):
    for bad in ("", "12", "ABC-?", "1" * 17):
        with pytest.raises(DomainError):
            services.issue_card(cast.plain_m, actor=SYSTEM, number=bad, issued_on=D(2026, 3, 2))
    assert not PartyCard.objects.exists()


def test_only_the_issuing_committee_issues(cast):
    with pytest.raises(PermissionDenied):  # the province's board staff sees but does not decide
        services.issue_card(cast.plain_m, actor=cast.province, number="100003", issued_on=D(2026, 3, 2))
    with pytest.raises(PermissionDenied):
        services.issue_card(cast.plain_m, actor=cast.secretary, number="100003", issued_on=D(2026, 3, 2))
    with pytest.raises(NotFound):
        services.issue_card(cast.plain_m, actor=cast.outsider, number="100003", issued_on=D(2026, 3, 2))
    card = services.issue_card(cast.plain_m, actor=cast.commune, number="100003", issued_on=D(2026, 3, 2))
    assert card.number == "100003"


def test_the_cell_hands_over_then_loss_and_reissue(cast, issued):
    assert [c.number for c in queries.waiting(cast.tree.k)] == ["100001"]
    with pytest.raises(DomainError):
        services.hand_over(issued, actor=cast.secretary, on=D(2026, 3, 1))  # before it was issued
    services.hand_over(issued, actor=cast.secretary, on=D(2026, 3, 10))
    assert queries.waiting(cast.tree.k) == []
    with pytest.raises(DomainError):  # not reported lost yet
        services.reissue_card(issued, actor=cast.commune, number="100050", issued_on=D(2026, 4, 2),
                              reason=CardReason.LOSS)
    services.report_loss(issued, actor=cast.secretary, on=D(2026, 4, 1), note="mất khi đi công tác")
    assert Member.objects.get(pk=cast.plain_m.pk).card_number is None
    new = services.reissue_card(issued, actor=cast.commune, number="100050", issued_on=D(2026, 4, 20),
                                reason=CardReason.LOSS)
    assert new.replaces == issued and new.reason == CardReason.LOSS
    assert Member.objects.get(pk=cast.plain_m.pk).card_number == "100050"
    assert PartyCard.objects.get(number="100001").state == CardState.LOST
    with pytest.raises(DomainError):  # replaced once
        services.reissue_card(issued, actor=cast.commune, number="100051", issued_on=D(2026, 4, 20),
                              reason=CardReason.LOSS)


def test_exchange_marks_the_old_card_replaced_and_counts_in_the_campaign(cast, issued):
    services.hand_over(issued, actor=cast.secretary, on=D(2026, 3, 10))
    campaign = services.open_campaign(cast.tree.c, actor=cast.commune, name="Đổi thẻ 2026",
                                      starts_on=D(2026, 4, 1), ends_on=D(2026, 12, 31))
    chip = services.reissue_card(issued, actor=cast.commune, number="200001", issued_on=D(2026, 4, 5),
                                 reason=CardReason.EXCHANGE)
    assert chip.campaign == campaign
    assert PartyCard.objects.get(pk=issued.pk).state == CardState.REPLACED
    total, rows = queries.progress(campaign)
    assert (total.official, total.issued, total.handed_over) == (3, 1, 0)
    assert [(r.unit.code, r.issued, r.handed_over) for r in rows] == [("G", 1, 0)]
    services.hand_over(chip, actor=cast.secretary, on=D(2026, 4, 12))
    total, _rows = queries.progress(campaign)
    assert (total.handed_over, str(total.percent)) == (1, "33.3")


def test_campaign_refusals_change_nothing(cast):
    with pytest.raises(DomainError) as refused:
        services.open_campaign(cast.tree.c, actor=cast.commune, name=" ", starts_on=D(2026, 4, 1),
                               ends_on=D(2026, 4, 1))
    assert set(refused.value.field_errors) == {"name", "ends_on"}
    with pytest.raises(NotFound):
        services.open_campaign(cast.tree.c, actor=cast.secretary, name="x", starts_on=D(2026, 4, 1),
                               ends_on=D(2026, 5, 1))
    with pytest.raises(PermissionDenied):
        services.open_campaign(cast.tree.c, actor=cast.province, name="x", starts_on=D(2026, 4, 1),
                               ends_on=D(2026, 5, 1))
    assert not queries.campaigns_of(cast.tree.k)


def test_withdraw_on_leaving_clears_the_number(cast, issued):
    with pytest.raises(PermissionDenied):
        services.withdraw_card(issued, actor=cast.secretary, on=D(2026, 5, 1))
    services.withdraw_card(issued, actor=cast.commune, on=D(2026, 5, 1))
    assert PartyCard.objects.get(pk=issued.pk).state == CardState.REVOKED
    assert Member.objects.get(pk=cast.plain_m.pk).card_number is None
