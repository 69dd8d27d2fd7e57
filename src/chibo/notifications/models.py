"""The in-app inbox and each user's choice of e-mail (docs/decisions/0002)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    DEADLINE_SOON = "deadline_soon", _("A deadline is approaching")
    OVERDUE = "overdue", _("A deadline has passed")
    DECISION = "decision", _("A decision was made")
    PROBATION_ENDING = "probation_ending", _("Probation is ending")
    AWAITING = "awaiting", _("A case awaits the committee")
    STUDY_ASSIGNED = "study_assigned", _("A document to study")
    STUDY_DUE = "study_due", _("A study is due soon")
    QUESTION = "question", _("A member asked a question")
    REPLY = "reply", _("An answer to your question")
    INVITATION = "invitation", _("An invitation to a meeting")
    RESIDENCE_COMMENT = "residence_comment", _("A residence cell's comment on a member")
    TRANSFER = "transfer", _("A transfer of party activity")
    MEMBERSHIP = "membership", _("A decision on your membership")
    DUES = "dues", _("Party dues")


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=255, blank=True)
    # the same event never reaches a user twice (a job run again the same day adds nothing)
    key = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "created_at"], name="notification_inbox")]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once")]

    def __str__(self) -> str:
        return self.title


class EmailMode(models.TextChoices):
    EACH = "each", _("One e-mail per notification")
    DIGEST = "digest", _("One e-mail a day (digest)")
    OFF = "off", _("No e-mail (in the app only)")


class Preference(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE,
                                related_name="notification_preference")
    email = models.CharField(_("e-mail"), max_length=8, choices=EmailMode.choices, default=EmailMode.DIGEST)
    muted = models.JSONField(_("kinds not wanted"), default=list, blank=True)

    class Meta:
        verbose_name = _("notification preference")

    def __str__(self) -> str:
        return f"{self.user}: {self.email}"
