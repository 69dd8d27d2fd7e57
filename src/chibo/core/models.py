"""The kernel's tables: the audit log and rulebook overrides."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# the audit actions of an export of a scope's data (indexed apart: "who can see my data")
EXPORT_ACTIONS = ("members.exported", "reports.exported")


class AuditEntry(models.Model):
    """One append-only line per write, full-profile view and export (ARCHITECTURE.md §3)."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=32, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    unit_path = models.CharField(_("unit path"), max_length=255, blank=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [
            models.Index(fields=["unit_path", "at"], name="audit_path_at"),
            # a subject's lines, newest first (a member's reads: "who can see my data")
            models.Index(fields=["object_type", "object_id", "at"], name="audit_subject"),
            # the exports of a scope in a period, without the scope's other lines
            models.Index(fields=["unit_path", "at"], name="audit_export_path_at",
                         condition=models.Q(action__in=EXPORT_ACTIONS)),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


class RuleOverride(models.Model):
    """A dated version of a rulebook figure added by an administrator."""

    key = models.CharField(_("rule"), max_length=80, db_index=True)
    value = models.JSONField(_("value"))
    effective_from = models.DateField(_("effective from"))
    source = models.CharField(_("source"), max_length=255, help_text=_("Regulation or decision number"))
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("rule version")
        verbose_name_plural = _("rulebook")
        constraints = [
            models.UniqueConstraint(fields=["key", "effective_from"], name="rule_override_key_date"),
        ]

    def __str__(self) -> str:
        return f"{self.key} from {self.effective_from}"
