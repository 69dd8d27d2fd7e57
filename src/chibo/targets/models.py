"""Yearly targets per unit and indicator, and the revisions made after locking."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Indicator(models.TextChoices):
    ADMISSIONS = "admissions", _("New members admitted")
    COURSE = "course", _("Awareness-course participants")
    NEW_ORGS = "new_orgs", _("New party organizations in non-state enterprises")
    GRASSROOTS_GOOD = "grassroots_good", _("Grassroots organizations rated good or better (%)")

    @classmethod
    def percentages(cls) -> frozenset[str]:
        """Indicators whose target is a percentage (0 to 100), not a count."""
        return frozenset({cls.GRASSROOTS_GOOD})


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    LOCKED = "locked", _("Locked")


class Method(models.TextChoices):
    RATE = "rate", _("A rate of the members")
    LAST_YEAR = "last_year", _("Last year's result plus a number")
    HAND = "hand", _("By hand")


class Target(models.Model):
    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+",
                             db_index=False)
    unit_path = models.CharField(max_length=255, editable=False)
    year = models.PositiveSmallIntegerField(_("year"))
    indicator = models.CharField(_("indicator"), max_length=16, choices=Indicator.choices)
    value = models.PositiveIntegerField(_("target"))
    method = models.CharField(_("method"), max_length=12, choices=Method.choices, default=Method.HAND)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    approved_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("target")
        constraints = [models.UniqueConstraint(fields=["unit", "year", "indicator"], name="target_unit_year")]
        indexes = [models.Index(fields=["unit_path", "year"], name="target_path_year")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year} {self.indicator}: {self.value}"


class Revision(models.Model):
    """A change to a locked target: the old and new value and why."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="revisions")
    old_value = models.PositiveIntegerField()
    new_value = models.PositiveIntegerField()
    reason = models.TextField(_("reason"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("target revision")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.target_id}: {self.old_value} → {self.new_value}"


class MemberCount(models.Model):
    """A unit's active members (its whole subtree) on a day, copied from the live tallies: on
    1 January it is the base of the year's admission rate (Resolution 21: 3–4% of the members);
    the dashboards read it for past dates."""

    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    total = models.IntegerField(default=0)
    official = models.IntegerField(default=0)
    probationary = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("member count on a day")
        constraints = [models.UniqueConstraint(fields=["unit", "day"], name="member_count_unit_day")]

    def __str__(self) -> str:
        return f"{self.unit_id} on {self.day}: {self.total}"


class Cadence(models.TextChoices):
    MID_AND_END = "mid_end", _("On the 15th and the last day of each month")
    MONTHLY = "monthly", _("On the last day of each month")
    QUARTERLY = "quarterly", _("On the last day of each quarter")
    YEARLY = "yearly", _("On 31 December")


class ReportSchedule(models.Model):
    """When the progress report of a unit is taken (the job takes it on each cut-off day)."""

    unit = models.OneToOneField("org.Unit", on_delete=models.CASCADE, related_name="+")
    cadence = models.CharField(_("cadence"), max_length=12, choices=Cadence.choices, default=Cadence.MONTHLY)

    class Meta:
        verbose_name = _("report schedule")

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.cadence}"


class ProgressReport(models.Model):
    """A progress report as it was on its cut-off day: the figures are stored, so reopening it
    later shows the same numbers whatever happened since."""

    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+", db_index=False)
    cutoff = models.DateField(_("cut-off date"))
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = _("progress report")
        ordering = ["-cutoff", "-id"]
        constraints = [models.UniqueConstraint(fields=["unit", "cutoff"], name="progress_report_unit_cutoff")]

    def __str__(self) -> str:
        return f"{self.unit_id} at {self.cutoff}"
