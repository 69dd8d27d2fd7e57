"""Party dues (Regulation 01-QĐ/TW, DOMAIN.md §8): the ledger.

Money is integer VND everywhere (``BigIntegerField``); a month is stored as its first day. Dated
periods (bases, reliefs) run from ``valid_from`` (a month's first day) to ``valid_to``, the first
month no longer covered (NULL: open), so "the one in force for month M" is one range test that
the month close also writes in SQL.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chibo.dues.enums import Category, Method, ReliefGround, ReliefKind


class Basis(models.Model):
    """A member's dues basis from a month on: the category and the reported income (VND)."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="dues_bases")
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    income = models.BigIntegerField(_("reported income (VND)"), default=0)
    valid_from = models.DateField(_("from month"))
    valid_to = models.DateField(_("until (first month not covered)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dues basis")
        verbose_name_plural = _("dues bases")
        indexes = [models.Index(fields=["member", "valid_from"], name="dues_basis_member_from")]
        constraints = [
            models.UniqueConstraint(fields=["member", "valid_from"], name="dues_basis_one_per_month"),
            models.CheckConstraint(condition=Q(income__gte=0), name="dues_basis_income_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.category} {self.income} from {self.valid_from:%Y-%m}"



class Relief(models.Model):
    """An exemption or a reduction (30/50/70%) decided for a member over whole months."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="dues_reliefs")
    kind = models.CharField(_("kind"), max_length=12, choices=ReliefKind.choices)
    ground = models.CharField(_("ground"), max_length=16, choices=ReliefGround.choices)
    percent = models.PositiveSmallIntegerField(_("reduction (%)"), default=100)
    valid_from = models.DateField(_("from month"))
    valid_to = models.DateField(_("until (first month not covered)"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=128)
    decided_on = models.DateField(_("decided on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dues exemption or reduction")
        verbose_name_plural = _("dues exemptions and reductions")
        indexes = [models.Index(fields=["member", "valid_from"], name="dues_relief_member_from")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind} {self.percent}% from {self.valid_from:%Y-%m}"



class Statement(models.Model):
    """A statement of the national public-service portal, imported once (its file's digest)."""

    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    digest = models.CharField(max_length=64)
    file_name = models.CharField(max_length=255)
    rows = models.IntegerField(default=0)
    added = models.IntegerField(default=0)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("portal statement")
        verbose_name_plural = _("portal statements")

    def __str__(self) -> str:
        return self.file_name



class Payment(models.Model):
    """One month's dues paid by a member (a cash receipt covering several months is several rows)."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="dues_payments")
    month = models.DateField(_("month"))
    amount = models.BigIntegerField(_("amount (VND)"))
    method = models.CharField(_("paid by"), max_length=8, choices=Method.choices)
    receipt = models.CharField(_("receipt number"), max_length=64, blank=True)
    portal_ref = models.CharField(_("portal transaction"), max_length=64, null=True, blank=True, unique=True)
    paid_on = models.DateField(_("paid on"))
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", db_index=False)
    statement = models.ForeignKey(Statement, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dues payment")
        verbose_name_plural = _("dues payments")
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="dues_payment_one_per_month"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="dues_payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.month:%Y-%m} {self.amount}"



class MonthClose(models.Model):
    """A cell's month, closed: frozen figures and the cell's share (reopened by the committee)."""

    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", db_index=False)
    unit_path = models.CharField(max_length=255)
    month = models.DateField(_("month"))
    members = models.IntegerField(default=0)
    exempt = models.IntegerField(default=0)
    unpaid_members = models.IntegerField(default=0)
    due = models.BigIntegerField(default=0)
    paid = models.BigIntegerField(default=0)
    unpaid = models.BigIntegerField(default=0)
    retained = models.BigIntegerField(default=0)
    remitted = models.BigIntegerField(default=0)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(auto_now_add=True)
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("closed month")
        verbose_name_plural = _("closed months")
        indexes = [models.Index(fields=["month", "unit_path"], name="dues_close_month_path"),
                   # a restructuring rewrites the paths of a moved subtree (restructuring.stored_paths)
                   models.Index(fields=["unit_path"], name="dues_close_path")]
        constraints = [
            models.UniqueConstraint(fields=["unit", "month"], condition=Q(reopened_at__isnull=True),
                                    name="dues_close_one_open_per_month"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%Y-%m}"



class MonthLine(models.Model):
    """A member's frozen month in a closed month: due, paid, and the state."""

    close = models.ForeignKey(MonthClose, on_delete=models.CASCADE, related_name="lines", db_index=False)
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+", db_index=False)
    due = models.BigIntegerField()
    paid = models.BigIntegerField()
    state = models.CharField(max_length=8)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["close", "member"], name="dues_line_one_per_member")]
        indexes = [models.Index(fields=["member"], name="dues_line_member")]

    def __str__(self) -> str:
        return f"{self.close_id} {self.member_id} {self.state}"



class Arrear(models.Model):
    """A member's unpaid closed months of a year (kept by the month close): the arrears list."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+", db_index=False)
    year = models.PositiveSmallIntegerField()
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+", db_index=False)
    unit_path = models.CharField(max_length=255)
    months = models.IntegerField(default=0)
    amount = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="dues_arrear_one_per_year")]
        indexes = [models.Index(fields=["year", "unit_path", "member"], name="dues_arrear_year_path"),
                   # a restructuring rewrites the paths of a moved subtree (restructuring.stored_paths)
                   models.Index(fields=["unit_path"], name="dues_arrear_path")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.year}: {self.months}"



class ArrearsTally(models.Model):
    """Per unit and year, over its whole subtree: members in arrears, unpaid months and amount."""

    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+", db_index=False)
    year = models.PositiveSmallIntegerField()
    members = models.IntegerField(default=0)
    months = models.IntegerField(default=0)
    amount = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="dues_tally_one_per_year")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}: {self.members}"
