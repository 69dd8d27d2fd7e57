"""Demo data of the party card, party age and badges (issue 13), in the demo commune:

- paper cards issued years ago to the demo cell's official members and handed over at a meeting;
  one lost last month (reported by the cell) and reissued as a chip card, one waiting to be
  handed over at the next meeting;
- the commune's chip-card exchange (Directive 51-CT/TW) opened three months ago, a third of the
  demo cell's cards exchanged;
- a member recorded seriously ill whose party age reaches a tier within the early window (when the
  commune has one), and the badges of the previous award day recorded for half of that list.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from chibo.accounts.policy import SYSTEM
from chibo.core.rulebook import rule
from chibo.demo.accounts import demo_units
from chibo.members.cards import badges, rules, services
from chibo.members.cards.enums import CardKind, CardReason
from chibo.members.cards.models import PartyCard
from chibo.members.enums import Status
from chibo.members.models import Member


def make_demo(as_of: dt.date) -> None:
    """Add the demo cards and badges (once: nothing when cards exist)."""
    if PartyCard.objects.exists():
        return
    units = demo_units()
    cell, commune = units["cell"], units["commune"]
    members = list(Member.objects.filter(unit=cell, status=Status.OFFICIAL).order_by("pk")[:12])
    if len(members) < 4:
        return
    day = lambda n: as_of - dt.timedelta(days=n)  # noqa: E731
    with transaction.atomic():
        cards = [services.issue_card(m, actor=SYSTEM, number=f"{m.pk:08d}", kind=CardKind.PAPER,
                                     issued_on=max(m.official_date or day(900), day(900)) + dt.timedelta(days=30),
                                     decision="12-QĐ/ĐU") for m in members[:-1]]
        for card in cards:
            services.hand_over(card, actor=SYSTEM, on=card.issued_on + dt.timedelta(days=14))
        services.report_loss(cards[0], actor=SYSTEM, on=day(35), note="Đánh rơi khi đi công tác")
        services.reissue_card(cards[0], actor=SYSTEM, number=f"9{members[0].pk:07d}", issued_on=day(20),
                              reason=CardReason.LOSS, decision="41-QĐ/ĐU")
        services.open_campaign(commune, actor=SYSTEM, name="Đổi thẻ đảng viên gắn chip", starts_on=day(90),
                               ends_on=day(90) + dt.timedelta(days=365))
        for i, card in enumerate(cards[1:4], start=1):
            new = services.reissue_card(card, actor=SYSTEM, number=f"8{members[i].pk:07d}", issued_on=day(60),
                                        reason=CardReason.EXCHANGE, decision="30-QĐ/ĐU")
            if i < 3:
                services.hand_over(new, actor=SYSTEM, on=day(45))
        services.issue_card(members[-1], actor=SYSTEM, number=f"7{members[-1].pk:07d}", issued_on=day(5),
                            decision="44-QĐ/ĐU")  # waiting for the next cell meeting
        _badges(commune, as_of)


def _badges(commune, as_of: dt.date) -> None:
    days = rule("members.badge_award_days", on=as_of)
    coming = rules.next_award_day(as_of, days)
    previous = rules.previous_award_day(coming, days)
    ill = _reaching_soon(commune, coming)
    if ill is not None:
        services.record_illness(ill, actor=SYSTEM, valid_from=as_of - dt.timedelta(days=200),
                                note="Giấy ra viện, bệnh viện tỉnh")
    due = list(badges.due_all(commune, previous))
    if due:
        services.award_badges(commune, actor=SYSTEM, day=previous, member_ids=[d.member_id for d in due[::2]],
                              decision="108-QĐ/TU")


def _reaching_soon(commune, day: dt.date) -> Member | None:
    """A member of the commune whose age reaches a tier in the 12 months after ``day``."""
    windows = [rules.Window(t, rules.reaches_on(t, day), rules.reaches_on(t, day.replace(year=day.year + 1)))
               for t in rule("members.badge_years", on=day) if t < 70]
    for w in windows:
        found = (Member.objects.filter(unit_path__gte=commune.path, unit_path__lt=commune.path_upper,
                                       status=Status.OFFICIAL, party_since__isnull=True,
                                       admission_date__gt=w.after, admission_date__lte=w.upto)
                 .order_by("pk").first())
        if found is not None:
            return found
    return None
