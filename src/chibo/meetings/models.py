"""Cell meetings: schedules, meetings, invitations with answers and attendance, scores, and the
library documents attached to a meeting for the members to read before it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    REGULAR = "regular", _("Regular monthly meeting")
    THEMATIC = "thematic", _("Thematic meeting")
    COMMITTEE = "committee", _("Committee meeting")
    STANDING = "standing", _("Standing committee meeting")


class State(models.TextChoices):
    PLANNED = "planned", _("Planned")
    INVITED = "invited", _("Invitations sent")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Schedule(models.Model):
    """When a cell's regular meeting takes place each month (e.g. the 4th, 19:30)."""

    unit = models.OneToOneField("org.Unit", on_delete=models.CASCADE, related_name="meeting_schedule")
    day = models.PositiveSmallIntegerField(_("day of the month"), help_text=_("1 to 28"))
    time = models.TimeField(_("time"))
    place = models.CharField(_("place"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("meeting schedule")

    def __str__(self) -> str:
        return f"{self.unit_id}: day {self.day} at {self.time}"


class Meeting(models.Model):
    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+",
                             db_index=False)
    unit_path = models.CharField(max_length=255, editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.REGULAR)
    starts_at = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    topic = models.CharField(_("topic"), max_length=255, blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    agenda_set_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PLANNED)
    code = models.CharField(max_length=8, blank=True)  # the check-in code shown at the meeting
    code_expires_at = models.DateTimeField(null=True, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    score = models.DecimalField(_("quality score"), max_digits=5, decimal_places=1, null=True, blank=True)
    scores = models.JSONField(default=dict, blank=True)  # criterion key → points, of the framework
    documents = models.ManyToManyField("library.Document", verbose_name=_("documents"), through="MeetingDocument",
                                       related_name="meetings", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("meeting")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["unit", "starts_at"], name="meeting_unit_start"),
            models.Index(fields=["unit_path", "starts_at"], name="meeting_path_start"),
        ]
        constraints = [models.UniqueConstraint(fields=["unit", "kind", "starts_at"], name="meeting_once")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.kind} {self.starts_at:%Y-%m-%d %H:%M}"


class MeetingDocument(models.Model):
    """A library document the secretary attached to a meeting; its audience covers the meeting's
    cell, so every member invited from the cell can read it."""

    # the unique (meeting, document) index serves the meeting's lookups
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="document_links", db_index=False)
    document = models.ForeignKey("library.Document", on_delete=models.PROTECT, related_name="meeting_links")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("meeting document")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "document"], name="meeting_document_once")]

    def __str__(self) -> str:
        return f"{self.meeting_id} → {self.document_id}"


class Answer(models.TextChoices):
    PENDING = "", _("No answer yet")
    ATTENDING = "attending", _("Attending")
    ABSENT = "absent", _("Absent, with a reason")


class Attendance(models.TextChoices):
    PRESENT = "present", _("Present")
    EXCUSED = "excused", _("Absent with a reason")
    UNEXCUSED = "unexcused", _("Absent without a reason")


class Invitation(models.Model):
    """One person invited to a meeting: a member (of the cell, or temporarily there) or a guest."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="invitations")
    guest = models.CharField(_("guest"), max_length=200, blank=True)
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices, default=Answer.PENDING,
                              blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    attendance = models.CharField(_("attendance"), max_length=10, choices=Attendance.choices, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    # check-in attempts with a wrong code; a default in the database too, for the bulk INSERT … SELECT
    wrong_codes = models.PositiveSmallIntegerField(default=0, db_default=0)

    class Meta:
        verbose_name = _("invitation")
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], condition=models.Q(member__isnull=False),
                                               name="invitation_once")]
        indexes = [models.Index(fields=["member", "meeting"], name="invitation_member")]

    def __str__(self) -> str:
        return f"{self.meeting_id}: {self.member_id or self.guest}"


class Draft(models.Model):
    """A draft resolution published to the cell before a meeting; its versions follow."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="drafts")
    title = models.CharField(_("title"), max_length=255)
    comments_until = models.DateTimeField(_("comments until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("draft resolution")

    def __str__(self) -> str:
        return self.title


class DraftVersion(models.Model):
    """One wording of a draft: its paragraphs are the text's blocks separated by blank lines.
    The adopted text is the last version, marked ``adopted``, kept beside the drafts."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    text = models.TextField(_("text"))
    adopted = models.BooleanField(_("adopted text"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("draft version")
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["draft", "number"], name="draft_version_number")]

    def __str__(self) -> str:
        return f"{self.draft_id} v{self.number}"


class Comment(models.Model):
    """A member's comment on one paragraph. ``anchor`` is the paragraph's fingerprint: a later
    version shows the comment at the paragraph with the same wording, or apart as a comment on
    an earlier wording (``quote`` keeps the words commented on)."""

    version = models.ForeignKey(DraftVersion, on_delete=models.CASCADE, related_name="comments")
    paragraph = models.PositiveSmallIntegerField()
    anchor = models.CharField(max_length=16)
    quote = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"))
    # set by the phone for each comment it sends: a comment sent again from the offline outbox is kept once
    client_key = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["version", "paragraph"], name="comment_version_paragraph")]
        constraints = [models.UniqueConstraint(fields=["author", "client_key"], condition=~models.Q(client_key=""),
                                               name="comment_sent_once")]

    def __str__(self) -> str:
        return f"{self.version_id}¶{self.paragraph}"
