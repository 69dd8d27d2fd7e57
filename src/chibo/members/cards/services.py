"""Every write of the card register and the badges, as a verb (ARCHITECTURE.md §2).

Who does what: the committee directly above the member's grassroots organization issues and
reissues cards (``MEMBERS_DECIDE`` on its path, :func:`issuer_for`); the cell hands a card over at
its meeting, records a loss and a serious illness (``MEMBERS_PROPOSE`` on the member's cell); a
committee opens a chip-card exchange for its subtree and awards the badges of its subtree
(``MEMBERS_DECIDE``). ``Member.card_number`` always holds the number of the card the member holds
(or is about to receive): these services keep it in step.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core import audit
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.members.cards import rules
from chibo.members.cards.enums import CardKind, CardReason, CardState
from chibo.members.cards.models import BadgeAward, CardCampaign, PartyCard, SeriousIllness
from chibo.members.enums import Status
from chibo.members.models import Member
from chibo.org import paths
from chibo.org.models import Unit

CARD_HOLDING = (Status.OFFICIAL, Status.EXEMPTED)
NUMBER = re.compile(r"^[0-9A-Z]{4,16}$")


def issuer_for(member: Member) -> Unit:
    """The committee directly above the member's grassroots organization (see ``rules``)."""
    chain = list(Unit.objects.filter(path__in=paths.ancestors(member.unit_path)).order_by("-path"))
    index = rules.issuer_index([u.kind for u in chain])
    if index is None:
        raise DomainError(_("No committee above this member's grassroots organization issues party cards: "
                            "place the cell in the tree first."))
    return chain[index]


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _see(actor: Any, member: Member) -> None:
    if not policy.can(actor, Perm.MEMBERS_VIEW, member.unit_path):
        raise NotFound("member")


def _may(actor: Any, perm: str, path: str, message: str) -> None:
    if not policy.can(actor, perm, path):
        raise PermissionDenied(message)


def clean_number(raw: str) -> str:
    return re.sub(r"[\s.\-]", "", raw or "").upper()


def _check_number(number: str, member: Member) -> None:
    if not NUMBER.match(number):
        raise DomainError(_("The card number was not accepted."),
                          {"number": [_("Type the number printed on the card: 4 to 16 digits or capital letters.")]})
    used = PartyCard.objects.filter(number=number).first()
    if used is not None:
        raise DomainError(_("The card number was not accepted."), {"number": [
            _("Number %(number)s was already given to a card (now: %(state)s). A card number is never used "
              "twice, even after a loss: take the next blank card.") % {"number": number,
                                                                         "state": used.get_state_display()}]})
    if Member.objects.filter(card_number=number).exclude(pk=member.pk).exists():
        raise DomainError(_("The card number was not accepted."),
                          {"number": [_("Another member's record already holds this card number.")]})


def _locked(member: Member) -> Member:
    return Member.objects.select_for_update().get(pk=member.pk)


def _campaign_for(member: Member, kind: str, on: dt.date) -> CardCampaign | None:
    """The chip-card exchange running on ``on`` over the member's cell (the nearest committee's)."""
    if kind != CardKind.CHIP:
        return None
    return (CardCampaign.objects.filter(unit_path__in=paths.ancestors(member.unit_path), starts_on__lte=on,
                                        ends_on__gte=on).order_by("-unit_path").first())


@transaction.atomic
def issue_card(member: Member, *, actor: Any, number: str, issued_on: dt.date, kind: str = CardKind.CHIP,
               decision: str = "", reason: str = CardReason.FIRST, replaces: PartyCard | None = None) -> PartyCard:
    """Issue a party card to an official member: the committee above the grassroots organization."""
    _see(actor, member)
    issuer = issuer_for(member)
    _may(actor, Perm.MEMBERS_DECIDE, issuer.path,
         _("Party cards are issued by %(committee)s.") % {"committee": issuer.name})
    member = _locked(member)
    number = clean_number(number)
    if member.status not in CARD_HOLDING:
        raise DomainError(_("Party cards are issued to official members only."),
                          {"member": [_("%(name)s is %(status)s: a card is issued once they are an official "
                                        "member.") % {"name": member.full_name,
                                                       "status": member.get_status_display().lower()}]})
    if kind not in CardKind.values:
        raise DomainError(_("Choose the kind of card."), {"kind": [_("Paper or chip card.")]})
    current = PartyCard.objects.filter(member=member, state__in=CardState.current()).first()
    if current is not None and current != replaces:
        raise DomainError(_("This member already holds card %(number)s: to replace it, reissue it.")
                          % {"number": current.number})
    _check_number(number, member)
    if replaces is not None and replaces.state in CardState.current():
        PartyCard.objects.filter(pk=replaces.pk).update(state=CardState.REPLACED, state_since=issued_on)
    card = PartyCard.objects.create(
        number=number, member=member, kind=kind, reason=reason, state=CardState.ISSUED, state_since=issued_on,
        issued_on=issued_on, issuer=issuer, decision=decision[:128], unit_path=member.unit_path,
        replaces=replaces, campaign=_campaign_for(member, kind, issued_on))
    member.card_number = number
    member.save(update_fields=["card_number", "updated_at"])
    audit.record("members.card_issued", actor=actor, obj=card, unit_path=member.unit_path,
                 payload={"member": member.pk, "number": number, "kind": kind, "reason": reason,
                          "on": issued_on.isoformat(), "replaces": replaces.number if replaces else None})
    return card


def reissue_card(card: PartyCard, *, actor: Any, number: str, issued_on: dt.date, reason: str,
                 kind: str = CardKind.CHIP, decision: str = "") -> PartyCard:
    """A new card in place of ``card``: after its loss (reported first), for damage, or the
    chip-card exchange. The old number stays in the register and is never used again."""
    card = PartyCard.objects.select_related("member").get(pk=card.pk)
    _see(actor, card.member)
    if reason not in (CardReason.LOSS, CardReason.DAMAGE, CardReason.EXCHANGE):
        raise DomainError(_("Choose why the card is reissued."), {"reason": [_("Loss, damage or exchange.")]})
    if reason == CardReason.LOSS and card.state != CardState.LOST:
        raise DomainError(_("Card %(number)s is not reported lost: the cell reports the loss first.")
                          % {"number": card.number}, {"reason": [_("Or choose damage or exchange.")]})
    if reason != CardReason.LOSS and card.state not in CardState.current():
        raise DomainError(_("Card %(number)s is no longer held (%(state)s): only a held card is exchanged or "
                            "replaced for damage.") % {"number": card.number, "state": card.get_state_display()})
    if PartyCard.objects.filter(replaces=card).exists():
        raise DomainError(_("Card %(number)s was already replaced.") % {"number": card.number})
    return issue_card(card.member, actor=actor, number=number, issued_on=issued_on, kind=kind, decision=decision,
                      reason=reason, replaces=card)


def _card_for_cell(card: PartyCard, actor: Any) -> PartyCard:
    card = PartyCard.objects.select_for_update().get(pk=card.pk)
    member = Member.objects.get(pk=card.member_id)
    _see(actor, member)
    _may(actor, Perm.MEMBERS_PROPOSE, member.unit_path, _("The cell records this (its secretary)."))
    card.member = member
    return card


@transaction.atomic
def hand_over(card: PartyCard, *, actor: Any, on: dt.date, meeting: Any = None) -> PartyCard:
    """The cell hands the card to the member (at its meeting, ``meeting`` when recorded)."""
    card = _card_for_cell(card, actor)
    if card.state != CardState.ISSUED:
        raise DomainError(_("Card %(number)s is %(state)s: only an issued card is handed over.")
                          % {"number": card.number, "state": card.get_state_display().lower()})
    if on < card.issued_on:
        raise DomainError(_("The card was not handed over."),
                          {"on": [_("A card is handed over on or after the day it was issued (%(day)s).")
                                  % {"day": card.issued_on.strftime("%d/%m/%Y")}]})
    if meeting is not None and meeting.unit_id != card.member.unit_id:
        raise DomainError(_("The card was not handed over."),
                          {"meeting": [_("Choose a meeting of the member's own cell.")]})
    card.state, card.state_since, card.handed_over_on, card.meeting = CardState.HANDED_OVER, on, on, meeting
    card.save(update_fields=["state", "state_since", "handed_over_on", "meeting"])
    audit.record("members.card_handed_over", actor=actor, obj=card, unit_path=card.member.unit_path,
                 payload={"number": card.number, "on": on.isoformat(), "meeting": getattr(meeting, "pk", None)})
    return card


@transaction.atomic
def report_loss(card: PartyCard, *, actor: Any, on: dt.date, note: str = "") -> PartyCard:
    """The cell records the member's report that the card was lost (the number is kept, blocked)."""
    card = _card_for_cell(card, actor)
    if card.state not in CardState.current():
        raise DomainError(_("Card %(number)s is %(state)s: only a held card can be lost.")
                          % {"number": card.number, "state": card.get_state_display().lower()})
    if on < card.issued_on:
        raise DomainError(_("The loss was not recorded."),
                          {"on": [_("The day of the loss is on or after the day the card was issued.")]})
    card.state, card.state_since, card.note = CardState.LOST, on, note[:255]
    card.save(update_fields=["state", "state_since", "note"])
    Member.objects.filter(pk=card.member_id, card_number=card.number).update(card_number=None)
    audit.record("members.card_lost", actor=actor, obj=card, unit_path=card.member.unit_path,
                 payload={"number": card.number, "on": on.isoformat()})
    return card


@transaction.atomic
def withdraw_card(card: PartyCard, *, actor: Any, on: dt.date, state: str = CardState.REVOKED,
                  note: str = "") -> PartyCard:
    """The committee takes a card back: revoked (the member left the party) or returned."""
    card = PartyCard.objects.select_for_update().select_related("issuer").get(pk=card.pk)
    member = Member.objects.get(pk=card.member_id)
    _see(actor, member)
    _may(actor, Perm.MEMBERS_DECIDE, card.issuer.path,
         _("Party cards are taken back by %(committee)s.") % {"committee": card.issuer.name})
    if state not in (CardState.REVOKED, CardState.RETURNED) or card.state not in CardState.current():
        raise DomainError(_("Only a held card is revoked or returned."))
    card.state, card.state_since, card.note = state, on, note[:255]
    card.save(update_fields=["state", "state_since", "note"])
    Member.objects.filter(pk=member.pk, card_number=card.number).update(card_number=None)
    audit.record("members.card_withdrawn", actor=actor, obj=card, unit_path=member.unit_path,
                 payload={"number": card.number, "state": state, "on": on.isoformat()})
    return card


@transaction.atomic
def open_campaign(unit: Unit, *, actor: Any, name: str, starts_on: dt.date, ends_on: dt.date,
                  directive: str = "51-CT/TW") -> CardCampaign:
    """A committee opens the chip-card exchange for its subtree."""
    if not policy.can(actor, Perm.UNITS_VIEW, unit.path):
        raise NotFound("unit")
    _may(actor, Perm.MEMBERS_DECIDE, unit.path, _("A committee opens the exchange for its own subtree."))
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Give the exchange a name (for example: Đổi thẻ đảng viên gắn chip 2026).")]
    if ends_on <= starts_on:
        errors["ends_on"] = [_("The exchange ends after it starts.")]
    if unit.holds_members:
        errors["unit"] = [_("A committee opens the exchange, not a cell.")]
    if errors:
        raise DomainError(_("The exchange was not opened."), errors)
    campaign = CardCampaign.objects.create(unit=unit, unit_path=unit.path, name=name.strip()[:200],
                                           directive=directive.strip()[:64] or "51-CT/TW", starts_on=starts_on,
                                           ends_on=ends_on, opened_by=_user(actor))
    audit.record("members.card_campaign_opened", actor=actor, obj=campaign, unit_path=unit.path,
                 payload={"name": campaign.name, "from": starts_on.isoformat(), "to": ends_on.isoformat()})
    return campaign


@transaction.atomic
def record_illness(member: Member, *, actor: Any, valid_from: dt.date, note: str = "") -> SeriousIllness:
    """The cell records that a member is seriously ill (the ground of an early badge)."""
    _see(actor, member)
    _may(actor, Perm.MEMBERS_PROPOSE, member.unit_path, _("The cell records this (its secretary)."))
    if SeriousIllness.objects.filter(member=member, valid_to__isnull=True).exists():
        raise DomainError(_("This member is already recorded as seriously ill."))
    illness = SeriousIllness.objects.create(member=member, valid_from=valid_from, note=note[:255],
                                            recorded_by=_user(actor))
    audit.record("members.illness_recorded", actor=actor, obj=member, unit_path=member.unit_path,
                 payload={"from": valid_from.isoformat()})
    return illness


@transaction.atomic
def end_illness(illness: SeriousIllness, *, actor: Any, on: dt.date) -> SeriousIllness:
    illness = SeriousIllness.objects.select_for_update().select_related("member").get(pk=illness.pk)
    _see(actor, illness.member)
    _may(actor, Perm.MEMBERS_PROPOSE, illness.member.unit_path, _("The cell records this (its secretary)."))
    if illness.valid_to is not None or on < illness.valid_from:
        raise DomainError(_("The illness record was not closed."),
                          {"on": [_("The record is open and ends on or after it began.")]})
    illness.valid_to = on
    illness.save(update_fields=["valid_to"])
    audit.record("members.illness_ended", actor=actor, obj=illness.member, unit_path=illness.member.unit_path,
                 payload={"on": on.isoformat()})
    return illness


@transaction.atomic
def award_badges(unit: Unit, *, actor: Any, day: dt.date, member_ids: Iterable[int], decision: str) -> list[BadgeAward]:
    """Record the badges of ``day`` for the chosen members of the list (all or nothing: each must
    still be due in ``unit``'s subtree)."""
    from chibo.members.cards import badges

    if not policy.can(actor, Perm.UNITS_VIEW, unit.path):
        raise NotFound("unit")
    _may(actor, Perm.MEMBERS_DECIDE, unit.path, _("The committee records the badges it awards."))
    wanted = sorted(set(member_ids))
    if not decision.strip():
        raise DomainError(_("The badges were not recorded."), {"decision": [_("Give the number of the decision.")]})
    if not wanted:
        raise DomainError(_("The badges were not recorded."), {"member": [_("Tick the members awarded.")]})
    due = {row.member_id: row for row in badges.due_for_members(unit, day, wanted)}
    missing = [pk for pk in wanted if pk not in due]
    if missing:
        raise DomainError(_("The badges were not recorded: %(n)d of the members ticked are not due a badge on "
                            "this day (already awarded, or no longer on the list). Reload the list.")
                          % {"n": len(missing)})
    awards = BadgeAward.objects.bulk_create([
        BadgeAward(member_id=row.member_id, tier=row.tier, award_day=day, kind=row.kind, decision=decision[:128],
                   issuer=unit, unit_path=row.unit_path, recorded_by=_user(actor))
        for row in due.values()])
    audit.record("members.badges_awarded", actor=actor, obj=unit, unit_path=unit.path,
                 payload={"day": day.isoformat(), "count": len(awards), "decision": decision[:128],
                          "members": wanted[:500]})
    return awards
