"""The kernel's tables: the audit log, rulebook overrides and the job ledger."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
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


class JobState(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class Job(models.Model):
    """One background job in the job ledger (``chibo.core.jobs``): the row is the truth, the queue
    (Redis or huey's SQLite file) only carries its id to a worker."""

    name = models.CharField(_("job"), max_length=200)
    args = models.JSONField(_("arguments"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("most attempts"), default=3)
    # dedupes a periodic job's slot ("name:2026-12-07T06:10") and "once" jobs
    key = models.CharField(_("key"), max_length=255, null=True, blank=True, unique=True)
    enqueued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    sent_at = models.DateTimeField(_("last sent at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    worker = models.CharField(_("worker"), max_length=255, blank=True)  # host:pid
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [
            # the sweeper: running jobs by heartbeat, queued jobs by last sending (partial: small)
            models.Index(fields=["heartbeat_at"], name="job_running_heartbeat",
                         condition=models.Q(state="running")),
            models.Index(fields=["sent_at"], name="job_queued_sent", condition=models.Q(state="queued")),
            # the metrics: the queue's depth and its oldest job
            models.Index(fields=["enqueued_at"], name="job_queued_enqueued", condition=models.Q(state="queued")),
            # `python -m chibo jobs`: the failed ones, newest first
            models.Index(fields=["finished_at"], name="job_failed_finished", condition=models.Q(state="failed")),
            models.Index(fields=["finished_at"], name="job_done_finished", condition=models.Q(state="done")),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.name} ({self.state})"
