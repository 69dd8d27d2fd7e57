"""The handbook's own records: who uses it (adoption), and the two-way channel's threads.

The channel lives here rather than in a domain app of its own: it has no rules beyond "a member
writes to their cell or a committee above it, and staff who see that unit answer" (see
``services``); the console reads it through ``queries`` only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

POST_MAX_LENGTH = 2000
SUBJECT_MAX_LENGTH = 160


class HandbookUse(models.Model):
    """When a user first and last opened the handbook (``last_at`` moves at most hourly)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE,
                                related_name="handbook_use")
    first_at = models.DateTimeField(_("first used"), default=timezone.now)
    last_at = models.DateTimeField(_("last used"), default=timezone.now)

    class Meta:
        verbose_name = _("handbook use")
        verbose_name_plural = _("handbook use")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.first_at:%Y-%m-%d} – {self.last_at:%Y-%m-%d}"


class Thread(models.Model):
    """A question or opinion a member sends to their cell or a committee above it (hỏi – đáp)."""

    member = models.ForeignKey("members.Member", verbose_name=_("member"), on_delete=models.CASCADE,
                               related_name="handbook_threads")
    unit = models.ForeignKey("org.Unit", verbose_name=_("addressed to"), on_delete=models.PROTECT,
                             related_name="handbook_threads")
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX_LENGTH)
    created_at = models.DateTimeField(_("asked"), default=timezone.now)
    last_post_at = models.DateTimeField(_("last message"), default=timezone.now)
    # the member wrote last: the unit owes an answer
    awaiting_reply = models.BooleanField(_("awaiting a reply"), default=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("question thread")
        verbose_name_plural = _("question threads")
        indexes = [
            models.Index(fields=["member", "last_post_at"], name="thread_member_recent"),
            models.Index(fields=["unit", "closed_at", "last_post_at"], name="thread_unit_open"),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Post(models.Model):
    """One message in a thread, by the member or by an officer answering for the unit."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT,
                               related_name="+")
    text = models.TextField(_("text"), max_length=POST_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)
    by_member = models.BooleanField(default=True)
    # set by the page that sent it: a message replayed from the phone's outbox is stored once
    client_key = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("chat message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["author", "client_key"], condition=~Q(client_key=""),
                                    name="post_sent_once"),
            models.CheckConstraint(condition=LessThanOrEqual(Length("text"), POST_MAX_LENGTH),
                                   name="post_text_length"),
        ]

    def __str__(self) -> str:
        return self.text[:60]

