"""Import jobs: an uploaded file, validated whole, applied all-or-nothing by a background job."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    UNITS = "units", _("Units")
    MEMBERS = "members", _("Members")
    DUES_PORTAL = "dues_portal", _("Party dues: the public-service portal's statement")


class ImportState(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    VALIDATING = "validating", _("Checking rows")
    WRITING = "writing", _("Writing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Rejected: nothing was written")


class ImportJob(models.Model):
    kind = models.CharField(_("what"), max_length=16, choices=ImportKind.choices)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    state = models.CharField(_("state"), max_length=16, choices=ImportState.choices, default=ImportState.QUEUED)
    rows_total = models.IntegerField(default=0)
    rows_done = models.IntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    error_count = models.IntegerField(default=0)
    message = models.TextField(blank=True)
    scope_path = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=8, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name} ({self.get_state_display()})"

    @property
    def running(self) -> bool:
        return self.state in (ImportState.VALIDATING, ImportState.WRITING)

    def with_live_progress(self) -> ImportJob:
        """This job with ``rows_done``/``rows_total`` as the running worker last reported them."""
        if self.running:
            from chibo.imports import progress

            live = progress.read(self.pk)
            if live is not None:
                self.rows_done, self.rows_total = live
        return self

    @property
    def percent(self) -> int:
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0
