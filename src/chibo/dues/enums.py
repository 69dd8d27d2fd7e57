"""Closed vocabularies of party dues (Regulation 01-QĐ/TW, 2026; DOMAIN.md §8)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """How a member's monthly dues are computed (the rule ``dues.rates``)."""

    # xgettext:no-python-format
    SALARIED = "salaried", _("Salaried (1% of the previous month's social-insurance salary)")
    # xgettext:no-python-format
    PENSIONER = "pensioner", _("Pensioner (0.5% of the pension)")
    STUDENT = "student", _("Student (fixed amount)")
    OTHER = "other", _("Other members (fixed amount)")
    OVERSEAS = "overseas", _("Working or studying abroad (fixed amount)")

    @classmethod
    def with_income(cls) -> frozenset[str]:
        """Categories whose amount is a share of a reported income."""
        return frozenset({cls.SALARIED, cls.PENSIONER})


class ReliefKind(models.TextChoices):
    EXEMPTION = "exemption", _("Exemption")
    REDUCTION = "reduction", _("Reduction")


class ReliefGround(models.TextChoices):
    PARTY_AGE = "party_age", _("Party age of 50 years or more")
    SOCIAL_PENSION = "social_pension", _("Receives a social pension")
    POOR_HOUSEHOLD = "poor_household", _("Poor household")
    SERIOUS_ILLNESS = "serious_illness", _("Serious illness")
    HARDSHIP = "hardship", _("Economic hardship (reduction)")


class Method(models.TextChoices):
    CASH = "cash", _("Cash to the cell")
    PORTAL = "portal", _("National public-service portal")


class MonthState(models.TextChoices):
    """A member's month in the register."""

    PAID = "paid", _("Paid")
    UNPAID = "unpaid", _("Unpaid")
    PARTLY = "partly", _("Partly paid")
    EXEMPT = "exempt", _("Exempt")
    NOT_DUE = "not_due", _("Not a member this month")
    OPEN = "open", _("Not yet due")
