"""The card register's scoped reads: a unit's cards, the cards waiting for a cell meeting, a
campaign's progress by subordinate unit, a member's card, party age and badges."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core.errors import NotFound
from chibo.members import party_age
from chibo.members.cards.enums import CardState
from chibo.members.cards.models import BadgeAward, CardCampaign, PartyCard, SeriousIllness
from chibo.members.models import Member, UnitMemberTally
from chibo.org.models import Unit

PAGE_SIZE = 50


def cards_for_user(user: Any) -> QuerySet[PartyCard]:
    """The cards of the members the user may see (by the holder's cell now)."""
    return PartyCard.objects.filter(policy.scope_for(user, Perm.MEMBERS_VIEW).q("member__unit_path"))


def get_card_for_user(user: Any, pk: int) -> PartyCard:
    card = cards_for_user(user).select_related("member__unit", "issuer", "meeting", "replaces").filter(pk=pk).first()
    if card is None:
        raise NotFound("card")
    return card


def register(user: Any, unit: Unit, *, number: str = "", state: str = "", after: int | None = None,
             size: int = PAGE_SIZE) -> tuple[list[PartyCard], int | None]:
    """A page of the cards of ``unit``'s members (newest first; keyset on the id), searched by the
    number's beginning and the state."""
    qs = cards_for_user(user).filter(member__unit_path__gte=unit.path, member__unit_path__lt=unit.path_upper)
    if number:
        qs = qs.filter(number__startswith=number)
    if state in CardState.values:
        qs = qs.filter(state=state)
    if after is not None:
        qs = qs.filter(pk__lt=after)
    rows = list(qs.select_related("member__unit").order_by("-pk")[: size + 1])
    return rows[:size], (rows[size - 1].pk if len(rows) > size else None)


def waiting(cell: Unit) -> list[PartyCard]:
    """The cards issued to the cell's members and not handed over yet (the meeting hands them over)."""
    return list(PartyCard.objects.filter(member__unit=cell, state=CardState.ISSUED)
                .select_related("member").order_by("member__name_folded", "pk"))


def campaigns_of(unit: Unit) -> list[CardCampaign]:
    """The exchanges opened at ``unit`` or above it (they cover its subtree)."""
    from chibo.org import paths

    return list(CardCampaign.objects.filter(unit_path__in=paths.ancestors(unit.path)).select_related("unit"))


def get_campaign_for_user(user: Any, pk: int) -> CardCampaign:
    campaign = CardCampaign.objects.select_related("unit").filter(pk=pk).first()
    if campaign is None or not policy.can(user, Perm.UNITS_VIEW, campaign.unit_path):
        raise NotFound("campaign")
    return campaign


@dataclass(frozen=True)
class Progress:
    unit: Unit
    official: int
    issued: int  # chip cards of the exchange, issued (handed over or not)
    handed_over: int

    @property
    def percent(self) -> Decimal | None:
        if not self.official:
            return None
        return (Decimal(100 * self.handed_over) / self.official).quantize(Decimal("0.1"))


def progress(campaign: CardCampaign, unit: Unit | None = None) -> tuple[Progress, list[Progress]]:
    """The exchange's progress in ``unit`` (the campaign's own unit by default) and in each of its
    open subordinate units: official members (the tallies), chip cards issued and handed over (one
    GROUP BY on index ``card_campaign``)."""
    unit = unit or campaign.unit
    children = list(Unit.objects.filter(parent=unit, closed_on__isnull=True).order_by("name_folded", "pk"))
    tallies = {t.unit_id: t.official + t.exempted for t in
               UnitMemberTally.objects.filter(unit_id__in=[unit.pk, *[c.pk for c in children]])}
    width = len(unit.path) + 5
    held = (CardState.ISSUED, CardState.HANDED_OVER)
    counts = (PartyCard.objects.filter(campaign=campaign, state__in=held, unit_path__gte=unit.path,
                                       unit_path__lt=unit.path_upper)
              .annotate(child=Substr("unit_path", 1, width)).values("child")
              .annotate(issued=Count("pk"), handed=Count("pk", filter=Q(state=CardState.HANDED_OVER))))
    by_child = {c["child"]: (c["issued"], c["handed"]) for c in counts}
    rows = [Progress(c, tallies.get(c.pk, 0), *by_child.get(c.path, (0, 0))) for c in children]
    total = Progress(unit, tallies.get(unit.pk, 0), sum(v[0] for v in by_child.values()),
                     sum(v[1] for v in by_child.values()))
    return total, rows


@dataclass(frozen=True)
class MemberCards:
    card: PartyCard | None
    history: list[PartyCard]
    age: party_age.PartyAge | None
    badges: list[BadgeAward]
    illness: SeriousIllness | None


def of_member(member: Member, on: dt.date) -> MemberCards:
    """The member page's panel and the handbook card: the cards, party age, badges, illness."""
    history = list(PartyCard.objects.filter(member=member).order_by("-issued_on", "-pk"))
    current = next((c for c in history if c.state in CardState.current()), None)
    return MemberCards(
        card=current, history=history, age=party_age.of_member(member, on),
        badges=list(BadgeAward.objects.filter(member=member).order_by("tier")),
        illness=SeriousIllness.objects.filter(member=member, valid_to__isnull=True).first())
