"""Export jobs: a big export written by a background job, then downloaded by the user who asked."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportKind(models.TextChoices):
    MEMBERS = "members", _("Member list")
    REPORT = "report", _("Report")
    BADGES = "badges", _("Party badge list")


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", _("Excel workbook (XLSX)")
    CSV = "csv", _("CSV (any number of rows)")
    PDF = "pdf", _("PDF")


class ExportState(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Writing the file")
    DONE = "done", _("Ready to download")
    FAILED = "failed", _("Failed")


class ExportJob(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("asked by"))
    kind = models.CharField(_("what"), max_length=32, choices=ExportKind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    format = models.CharField(_("format"), max_length=8, choices=ExportFormat.choices)
    title = models.CharField(_("title"), max_length=255, blank=True)
    unit_path = models.CharField(max_length=255, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=ExportState.choices, default=ExportState.QUEUED)
    rows_done = models.IntegerField(default=0)
    rows_total = models.IntegerField(default=0)
    file = models.FileField(_("file"), upload_to="exports/%Y/%m/", blank=True, max_length=255)
    error = models.TextField(_("error message"), blank=True)
    language = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "created_at"], name="export_user_created")]

    def __str__(self) -> str:
        return f"{self.title or self.get_kind_display()} ({self.get_format_display()}, {self.get_state_display()})"

    @property
    def finished(self) -> bool:
        return self.state in (ExportState.DONE, ExportState.FAILED)

    @property
    def running(self) -> bool:
        return self.state == ExportState.RUNNING

    @property
    def percent(self) -> int:
        if self.state == ExportState.DONE:
            return 100
        return min(100, int(100 * self.rows_done / self.rows_total)) if self.rows_total else 0

    @property
    def download_name(self) -> str:
        """The file's name without the job number it is stored under."""
        name = (self.file.name or "").rsplit("/", 1)[-1]
        return name.removeprefix(f"{self.pk}-")

    def with_live_progress(self) -> ExportJob:
        """This job with ``rows_done``/``rows_total`` as the running worker last reported them
        (it reads in one transaction on PostgreSQL, where a save to this row would not show)."""
        if self.running:
            from chibo.reports.tasks import read_progress

            live = read_progress(self.pk)
            if live is not None:
                self.rows_done, self.rows_total = live
        return self
