"""Closed vocabularies of a transfer of party activity (chuyển sinh hoạt đảng, DOMAIN.md §3)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TransferKind(models.TextChoices):
    OFFICIAL = "official", pgettext_lazy("transfer", "Official")
    TEMPORARY = "temporary", pgettext_lazy("transfer", "Temporary")


class Reason(models.TextChoices):
    JOB_CHANGE = "job_change", _("Change of job")
    RETIREMENT = "retirement", _("Retirement")
    RESIDENCE = "residence", _("Change of residence")
    WORK_AWAY = "work_away", _("Working away")
    STUDY = "study", _("Study")
    ORGANIZATION_CLOSED = "organization_closed", _("Organization closed")
    OTHER = "other", _("Other reason")


class LetterType(models.TextChoices):
    """The four introduction letters (giấy giới thiệu sinh hoạt đảng), by how far the member goes."""

    GRASSROOTS = "grassroots", _("Within the grassroots organization")
    PROVINCE = "province", _("Within the province")
    OTHER_PROVINCE = "other_province", _("To another province")
    TEMPORARY = "temporary", _("Temporary")


class State(models.TextChoices):
    DECIDED = "decided", _("Decided, letter not handed over")
    LEFT = "left", _("Letter handed over")
    PRESENTED = "presented", _("Letter presented")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")
    CANCELLED = "cancelled", _("Cancelled")

    @classmethod
    def in_transit(cls) -> tuple[str, ...]:
        """Decided but not yet accepted: the member still counts where they were."""
        return (cls.DECIDED, cls.LEFT, cls.PRESENTED)

    @classmethod
    def closed(cls) -> tuple[str, ...]:
        return (cls.RETURNED, cls.CANCELLED)


class Step(models.TextChoices):
    """The steps after the decision, as the console's forms and the audit name them."""

    HAND_OVER = "hand_over", _("Hand the letter over")
    PRESENT = "present", _("Record the letter presented")
    ACCEPT = "accept", _("Accept")
    RETURN = "return", _("Record the return")
    CANCEL = "cancel", _("Cancel")
