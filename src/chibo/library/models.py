"""The document library: party and state documents sent down the tree, bookmarks, study.

A document's audience is a unit and its whole subtree (``unit_path``): a member reads the
documents addressed to their cell or to any unit above it (DOMAIN.md §7).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chibo.library.enums import DocumentKind


class Document(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=DocumentKind.choices)
    number = models.CharField(_("number"), max_length=64, blank=True, help_text=_("e.g. 21-NQ/TW"))
    number_folded = models.CharField(max_length=64, editable=False)
    title = models.CharField(_("title"), max_length=500)
    title_folded = models.CharField(max_length=500, editable=False)
    issued_on = models.DateField(_("issued on"))
    issuing_body = models.CharField(_("issued by"), max_length=200)
    # indexed by document_path_issued (unit_path, issued_on); the audience is read by its path
    unit = models.ForeignKey("org.Unit", verbose_name=_("audience"), on_delete=models.PROTECT, related_name="+",
                             db_index=False)
    unit_path = models.CharField(max_length=255, editable=False)
    file = models.FileField(_("file"), upload_to="library/%Y/%m/", max_length=255)
    text = models.TextField(_("text"), blank=True, editable=False)
    text_folded = models.TextField(blank=True, editable=False)
    pages = models.PositiveIntegerField(_("pages"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [
            models.Index(fields=["unit_path", "issued_on"], name="document_path_issued"),
            models.Index(fields=["issued_on", "id"], name="document_issued"),
            models.Index(fields=["title_folded", "id"], name="document_title"),
            models.Index(fields=["number_folded", "id"], name="document_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()


class Bookmark(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="library_bookmarks")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="bookmarks")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bookmark")
        constraints = [models.UniqueConstraint(fields=["user", "document"], name="bookmark_once")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.document_id}"


class StudyAssignment(models.Model):
    """A committee asks every member of ``unit``'s subtree to study ``document`` by ``due_on``."""

    document = models.ForeignKey(Document, verbose_name=_("document"), on_delete=models.PROTECT,
                                 related_name="assignments")
    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+",
                             db_index=False)
    unit_path = models.CharField(max_length=255, editable=False)
    due_on = models.DateField(_("study by"))
    note = models.TextField(_("note"), blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("study assignment")
        indexes = [
            models.Index(fields=["unit_path", "due_on"], name="study_path_due"),
            models.Index(fields=["due_on"], name="study_due"),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} → {self.unit_id} by {self.due_on}"


class StudyConfirmation(models.Model):
    """A member says they studied the document; ``unit_path`` is their cell's path at that time."""

    assignment = models.ForeignKey(StudyAssignment, on_delete=models.CASCADE, related_name="confirmations")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, editable=False)
    confirmed_at = models.DateTimeField(_("confirmed at"), default=timezone.now)
    reflection = models.TextField(_("reflection"), blank=True)

    class Meta:
        verbose_name = _("study confirmation")
        indexes = [models.Index(fields=["assignment", "unit_path"], name="study_confirmation_path"),
                   models.Index(fields=["unit_path"], name="confirmation_path")]  # rewritten by a move
        constraints = [models.UniqueConstraint(fields=["assignment", "member"], name="study_confirmed_once")]

    def __str__(self) -> str:
        return f"{self.member_id} studied {self.assignment_id}"
