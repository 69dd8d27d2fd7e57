"""The party card's and the badges' vocabularies (DOMAIN.md §3)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CardKind(models.TextChoices):
    PAPER = "paper", pgettext_lazy("party card", "Paper card")
    CHIP = "chip", pgettext_lazy("party card", "Chip card")


class CardState(models.TextChoices):
    """A card's life: issued by the committee, handed over at a cell meeting; then lost, replaced
    (by a reissue or the chip-card exchange), revoked (the member left) or returned."""

    ISSUED = "issued", pgettext_lazy("party card", "Issued, waiting to be handed over")
    HANDED_OVER = "handed_over", pgettext_lazy("party card", "Handed over")
    LOST = "lost", pgettext_lazy("party card", "Lost")
    REPLACED = "replaced", pgettext_lazy("party card", "Replaced")
    REVOKED = "revoked", pgettext_lazy("party card", "Revoked")
    RETURNED = "returned", pgettext_lazy("party card", "Returned")

    @classmethod
    def current(cls) -> tuple[str, ...]:
        """The states of the card a member holds (or is about to receive)."""
        return (cls.ISSUED, cls.HANDED_OVER)


class CardReason(models.TextChoices):
    FIRST = "first", pgettext_lazy("party card", "First issue")
    LOSS = "loss", pgettext_lazy("party card", "Reissue after a loss")
    DAMAGE = "damage", pgettext_lazy("party card", "Reissue of a damaged card")
    EXCHANGE = "exchange", pgettext_lazy("party card", "Exchange for a chip card")


class BadgeKind(models.TextChoices):
    REGULAR = "regular", _("On time")
    EARLY = "early", _("Early (seriously ill)")
    POSTHUMOUS = "posthumous", _("Posthumous")
