"""Closed vocabularies of the quality review (DOMAIN.md §6)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FrameworkKind(models.TextChoices):
    COLLECTIVE = "collective", _("Collective review (100 points)")
    INDIVIDUAL = "individual", _("Individual review (100 points)")
    FOUR_GOOD = "four_good", _("“4 good” checklist (pass / fail)")
    MEETING = "meeting", _("Monthly meeting quality (points)")

    @classmethod
    def scored(cls) -> frozenset[str]:
        return frozenset({cls.COLLECTIVE, cls.INDIVIDUAL, cls.MEETING})


class Level(models.TextChoices):
    """From best to worst; the order matters (caps, "good or better")."""

    EXCELLENT = "excellent", _("Excellent completion")
    GOOD = "good", _("Good completion")
    COMPLETION = "completion", pgettext_lazy("quality level", "Completion")  # not the library's "Completion" (a rate)
    NON_COMPLETION = "non_completion", _("Non-completion")

    @classmethod
    def rank(cls, level: str) -> int:
        """0 for excellent … 3 for non-completion."""
        return list(cls.values).index(level)


class Step(models.TextChoices):
    """Where a review row is. A member's row goes open → self-assessed → proposed by the cell →
    verified → decided; an organization's skips the cell's proposal."""

    OPEN = "open", _("Waiting for the self-assessment")
    SELF_ASSESSED = "self_assessed", _("Self-assessed")
    PROPOSED = "proposed", _("Proposed by the cell")
    VERIFIED = "verified", _("Verified by the advisory body")
    DECIDED = "decided", _("Decided")
    NOT_CLASSIFIED = "not_classified", _("Reviewed, not classified")


class Exclusion(models.TextChoices):
    NONE = "", _("Classified")
    RECENT = "recent", _("Admitted less than the required months before the period's end")
    SUSPENDED = "suspended", _("Suspended from party activity")


class Form(models.TextChoices):
    """The self-review forms of HD 43-HD/BTCTW."""

    LEADER = "2A", _("Form 2A: members holding a leadership or management post")
    OFFICIAL = "2B", _("Form 2B: cadres, civil servants and public employees without a post")
    OTHER = "2C", _("Form 2C: other members")
