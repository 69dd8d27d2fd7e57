"""cards: the models (FKs by name: this module is imported at the end of members.models).

The card register (``PartyCard``: every card ever issued, so a lost card's number is never used
again), the chip-card exchange campaigns (Directive 51-CT/TW), the "seriously ill" records the
early badge award rests on, and the badges awarded (``BadgeAward``, one per member and tier).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chibo.members.cards.enums import BadgeKind, CardKind, CardReason, CardState

__all__ = ["BadgeAward", "CardCampaign", "PartyCard", "SeriousIllness"]


class CardCampaign(models.Model):
    """A committee's chip-card exchange for its subtree, from ``starts_on`` to ``ends_on``."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("committee"), on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, editable=False)
    name = models.CharField(_("name"), max_length=200)
    directive = models.CharField(_("directive"), max_length=64, default="51-CT/TW")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("chip-card exchange")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["unit_path", "starts_on"], name="cardcampaign_path")]

    def __str__(self) -> str:
        return self.name


class PartyCard(models.Model):
    """One party card (thẻ đảng viên). ``unit_path`` is the holder's cell when it was issued (the
    register and the campaign's progress count it there)."""

    number = models.CharField(_("card number"), max_length=16, unique=True)
    member = models.ForeignKey("members.Member", verbose_name=_("member"), on_delete=models.PROTECT,
                               related_name="cards", db_index=False)  # indexed by card_member
    kind = models.CharField(_("kind"), max_length=8, choices=CardKind.choices, default=CardKind.CHIP)
    reason = models.CharField(_("reason"), max_length=12, choices=CardReason.choices, default=CardReason.FIRST)
    state = models.CharField(_("state"), max_length=12, choices=CardState.choices, default=CardState.ISSUED)
    state_since = models.DateField(_("state since"))
    issued_on = models.DateField(_("issued on"))
    issuer = models.ForeignKey("org.Unit", verbose_name=_("issuing committee"), on_delete=models.PROTECT,
                               related_name="+")
    decision = models.CharField(_("decision"), max_length=128, blank=True)
    unit_path = models.CharField(max_length=255, editable=False)
    handed_over_on = models.DateField(_("handed over on"), null=True, blank=True)
    meeting = models.ForeignKey("meetings.Meeting", verbose_name=_("meeting"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    replaces = models.OneToOneField("self", verbose_name=_("replaces"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="replaced_by")
    campaign = models.ForeignKey(CardCampaign, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="cards", db_index=False)  # indexed by card_campaign
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("party card")
        verbose_name_plural = _("party cards")
        ordering = ["-issued_on", "-id"]
        indexes = [
            models.Index(fields=["unit_path", "state"], name="card_path_state"),
            models.Index(fields=["member", "issued_on"], name="card_member"),
            models.Index(fields=["campaign", "unit_path", "state"], name="card_campaign"),
        ]
        constraints = [  # a member holds one current card at a time
            models.UniqueConstraint(fields=["member"], condition=Q(state__in=CardState.current()),
                                    name="card_one_current"),
        ]

    def __str__(self) -> str:
        return self.number


class SeriousIllness(models.Model):
    """The cell's record that a member is seriously ill from ``valid_from`` (until ``valid_to``):
    the ground of the early badge award."""

    member = models.ForeignKey("members.Member", verbose_name=_("member"), on_delete=models.PROTECT,
                               related_name="illnesses", db_index=False)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("serious illness")
        ordering = ["valid_from", "id"]
        indexes = [models.Index(fields=["member", "valid_from"], name="illness_member")]

    def __str__(self) -> str:
        return f"{self.member_id} ill from {self.valid_from}"


class BadgeAward(models.Model):
    """A party badge (Huy hiệu Đảng) of ``tier`` years awarded on ``award_day``."""

    member = models.ForeignKey("members.Member", verbose_name=_("member"), on_delete=models.PROTECT,
                               related_name="badges", db_index=False)  # the unique (member, tier)
    tier = models.PositiveSmallIntegerField(_("years"))
    award_day = models.DateField(_("award day"))
    kind = models.CharField(_("kind"), max_length=12, choices=BadgeKind.choices, default=BadgeKind.REGULAR)
    decision = models.CharField(_("decision"), max_length=128)
    issuer = models.ForeignKey("org.Unit", verbose_name=_("proposing committee"), on_delete=models.PROTECT,
                               related_name="+")
    unit_path = models.CharField(max_length=255, editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("party badge")
        ordering = ["award_day", "tier", "id"]
        indexes = [models.Index(fields=["unit_path", "award_day"], name="badge_path_day")]
        constraints = [models.UniqueConstraint(fields=["member", "tier"], name="badge_once_per_tier")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.tier} years {self.award_day}"
