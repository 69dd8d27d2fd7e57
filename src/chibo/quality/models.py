"""The quality review (DOMAIN.md §6): criteria frameworks, review periods with a row per
organization and per member, the residence cell's comment, the per-unit result tallies, and the
"4 good" movement."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chibo.quality.enums import Exclusion, Form, FrameworkKind, Level, Step

# the steps a row waits at before its decision, by subject (an organization has no cell proposal)
PENDING_STEPS: dict[str, tuple[str, ...]] = {
    "org": (Step.OPEN, Step.SELF_ASSESSED, Step.VERIFIED),
    "member": (Step.OPEN, Step.SELF_ASSESSED, Step.PROPOSED, Step.VERIFIED),
}


class Framework(models.Model):
    """A list of criteria (data, not code). ``criteria`` is a list of
    ``{"key", "label", "label_en", "max", "parent"}``: top-level criteria carry the points (``max``;
    none on a pass / fail checklist), sub-criteria name their ``parent``. A committee's framework
    ``extends`` the one in force above it and may only add sub-criteria; the national defaults
    have no issuer."""

    kind = models.CharField(_("kind"), max_length=12, choices=FrameworkKind.choices)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    issuer = models.ForeignKey("org.Unit", verbose_name=_("issued by"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    extends = models.ForeignKey("self", verbose_name=_("adds to"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="extensions")
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=255, blank=True)
    criteria = models.JSONField(_("criteria"))
    # the "4 good" recognition rule: {"months_min": 9, "min_level": "good", "approvals": 2}
    rule = models.JSONField(_("recognition rule"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("criteria framework")
        ordering = ["kind", "-valid_from", "-version", "-id"]
        indexes = [models.Index(fields=["kind", "valid_from"], name="framework_kind_from")]
        constraints = [models.UniqueConstraint(fields=["kind", "issuer", "version"], name="framework_version_once")]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class Period(models.Model):
    """A review opened by a committee for its subtree: a year (``quarter`` 0) or a quarter."""

    issuer = models.ForeignKey("org.Unit", verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, editable=False)  # the issuer's path
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), default=0)
    ends_on = models.DateField(_("period ends on"))
    self_until = models.DateField(_("self-assessments until"))
    cell_until = models.DateField(_("cell proposals until"))
    verify_until = models.DateField(_("verification until"))
    decide_until = models.DateField(_("decisions until"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    units = models.PositiveIntegerField(default=0)
    members = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("review period")
        ordering = ["-year", "-quarter", "unit_path"]
        indexes = [models.Index(fields=["unit_path", "year"], name="period_path_year")]
        constraints = [models.UniqueConstraint(fields=["issuer", "year", "quarter"], name="period_once")]

    def __str__(self) -> str:
        return f"{self.year}" + (f" Q{self.quarter}" if self.quarter else "")


class Review(models.Model):
    """The steps every review row shares: self-assessment, verification, decision."""

    # Five million rows a year: only the indexes the reads use (declared on each model); the
    # foreign keys below are not indexed on their own (a user or a framework is never deleted,
    # and a period only with its rows, by the bench).
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+", db_index=False)
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField(default=0)
    unit_path = models.CharField(max_length=255, editable=False)
    decider = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", db_index=False)
    peer_group = models.CharField(max_length=64)  # the quota's group: kind or role, and the deciding unit
    framework = models.ForeignKey(Framework, null=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    step = models.CharField(_("step"), max_length=16, choices=Step.choices, default=Step.OPEN)
    self_text = models.TextField(_("self-review"), blank=True)
    self_scores = models.JSONField(default=dict, blank=True)
    self_score = models.DecimalField(_("self-assessed score"), max_digits=5, decimal_places=2, null=True, blank=True)
    self_at = models.DateTimeField(null=True, blank=True)
    verified_score = models.DecimalField(_("verified score"), max_digits=5, decimal_places=2, null=True, blank=True)
    verify_note = models.TextField(_("advisory body's note"), blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", db_index=False)
    final_score = models.DecimalField(_("final score"), max_digits=5, decimal_places=2, null=True, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, blank=True)
    capped_by = models.CharField(max_length=48, blank=True)  # the rulebook condition that lowered the level
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", db_index=False)

    class Meta:
        abstract = True


class UnitReview(Review):
    """An organization's review: its committee's self-assessment, then its superior's."""

    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", db_index=False)
    kind = models.CharField(max_length=24)  # the unit's kind when the period opened
    depth = models.PositiveSmallIntegerField()
    self_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", db_index=False)

    class Meta:
        verbose_name = _("organization review")
        constraints = [models.UniqueConstraint(fields=["unit", "year", "quarter"], name="unitreview_once")]
        indexes = [
            models.Index(fields=["unit_path", "year"], name="unitreview_path_year"),
            models.Index(fields=["decider", "year", "quarter"], name="unitreview_decider"),
            models.Index(fields=["step", "year", "unit_path"], name="unitreview_waiting",
                         condition=Q(step__in=PENDING_STEPS["org"])),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}"


class MemberReview(Review):
    """A member's review: self-assessment in the handbook, the cell's proposal with its vote, the
    advisory body's verification, the decision."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="reviews", db_index=False)
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", db_index=False)  # the cell
    form = models.CharField(_("form"), max_length=2, choices=Form.choices, default=Form.OTHER)
    excluded = models.CharField(max_length=12, choices=Exclusion.choices, blank=True, default="")
    admitted_year = models.PositiveSmallIntegerField(null=True)
    is_first = models.BooleanField(default=False)  # the member's first classified annual review
    self_level = models.CharField(_("proposed level"), max_length=16, choices=Level.choices, blank=True)
    cell_score = models.DecimalField(_("cell's score"), max_digits=5, decimal_places=2, null=True, blank=True)
    votes_for = models.PositiveSmallIntegerField(_("votes for"), null=True, blank=True)
    votes_present = models.PositiveSmallIntegerField(_("members present"), null=True, blank=True)
    cell_meeting = models.ForeignKey("meetings.Meeting", verbose_name=_("review meeting"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+", db_index=False)
    cell_note = models.TextField(_("cell's comment"), blank=True)
    cell_at = models.DateTimeField(null=True, blank=True)
    cell_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", db_index=False)

    class Meta:
        verbose_name = _("member review")
        constraints = [models.UniqueConstraint(fields=["member", "year", "quarter"], name="memberreview_once")]
        indexes = [
            models.Index(fields=["unit", "year", "quarter"], name="memberreview_cell"),
            models.Index(fields=["unit_path", "year"], name="memberreview_path_year"),
            models.Index(fields=["decider", "year", "quarter"], name="memberreview_decider"),
            models.Index(fields=["admitted_year", "unit_path"], name="memberreview_admitted",
                         condition=Q(is_first=True)),
            models.Index(fields=["cell_meeting"], name="memberreview_meeting", condition=Q(cell_meeting__isnull=False)),
            # the progress page's late rows: those still waiting at a step, in tree order
            models.Index(fields=["step", "year", "unit_path"], name="memberreview_waiting",
                         condition=Q(step__in=PENDING_STEPS["member"])),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.year}"


class ResidenceComment(models.Model):
    """Regulation 213-QĐ/TW: the cell where a working member resides comments on them yearly.
    Asked by the member's cell, answered by the residence cell (in any province)."""

    review = models.OneToOneField(MemberReview, on_delete=models.CASCADE, related_name="residence_comment")
    residence_unit = models.ForeignKey("org.Unit", verbose_name=_("residence cell"), on_delete=models.PROTECT,
                                       related_name="+")
    residence_path = models.CharField(max_length=255, editable=False)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(auto_now_add=True)
    text = models.TextField(_("comment"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("residence cell's comment")
        indexes = [models.Index(fields=["residence_path", "asked_at"], name="residence_comment_path")]

    def __str__(self) -> str:
        return f"{self.review_id} ← {self.residence_unit_id}"


TALLY_COLUMNS = tuple(
    f"{subject}_{column}"
    for subject in ("org", "grassroots", "member")
    for column in ("total", *Level.values)
) + ("member_not_classified",) + tuple(f"{s}_{step}" for s, steps in PENDING_STEPS.items() for step in steps)


class QualityTally(models.Model):
    """Review rows, the rows waiting at each step and the decided levels of a unit's whole subtree
    for a year (``quarter`` 0) or a quarter: ``org`` every organization, ``grassroots`` grassroots
    organizations only, ``member`` members. Kept by the services, checked by ``tallies --verify``."""

    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+", db_index=False)
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField(default=0)
    org_total = models.IntegerField(default=0)
    org_excellent = models.IntegerField(default=0)
    org_good = models.IntegerField(default=0)
    org_completion = models.IntegerField(default=0)
    org_non_completion = models.IntegerField(default=0)
    grassroots_total = models.IntegerField(default=0)
    grassroots_excellent = models.IntegerField(default=0)
    grassroots_good = models.IntegerField(default=0)
    grassroots_completion = models.IntegerField(default=0)
    grassroots_non_completion = models.IntegerField(default=0)
    member_total = models.IntegerField(default=0)
    member_excellent = models.IntegerField(default=0)
    member_good = models.IntegerField(default=0)
    member_completion = models.IntegerField(default=0)
    member_non_completion = models.IntegerField(default=0)
    member_not_classified = models.IntegerField(default=0)
    # the rows still waiting, by step (the review's progress page reads these)
    org_open = models.IntegerField(default=0)
    org_self_assessed = models.IntegerField(default=0)
    org_verified = models.IntegerField(default=0)
    member_open = models.IntegerField(default=0)
    member_self_assessed = models.IntegerField(default=0)
    member_proposed = models.IntegerField(default=0)
    member_verified = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("review tally")
        constraints = [models.UniqueConstraint(fields=["unit", "year", "quarter"], name="quality_tally_once")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}/{self.quarter}"

    def as_dict(self) -> dict[str, int]:
        return {c: getattr(self, c) for c in TALLY_COLUMNS}


class FourGoodRegistration(models.Model):
    """A cell's (or grassroots committee's) registration for the "4 good" movement for a run of
    years, with its secretary's signed commitment."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+",
                             db_index=False)
    unit_path = models.CharField(max_length=255, editable=False)
    first_year = models.PositiveSmallIntegerField(_("from year"))
    last_year = models.PositiveSmallIntegerField(_("to year"))
    signed_on = models.DateField(_("signed on"))
    signed_by = models.CharField(_("signed by"), max_length=120)
    commitment = models.TextField(_("commitment"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("“4 good” registration")
        indexes = [models.Index(fields=["unit_path", "first_year"], name="fourgood_reg_path")]
        constraints = [models.UniqueConstraint(fields=["unit", "first_year"], name="fourgood_reg_once")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.first_year}–{self.last_year}"


class FourGoodMonth(models.Model):
    """The pass / fail checklist a cell fills after its monthly meeting: sub-criterion key → passed."""

    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", db_index=False)
    unit_path = models.CharField(max_length=255, editable=False)
    month = models.DateField()  # the first day of the month
    meeting = models.ForeignKey("meetings.Meeting", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="+")
    checks = models.JSONField(default=dict)
    passed = models.JSONField(default=list)  # the top-level criteria passed that month
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("“4 good” monthly checklist")
        indexes = [models.Index(fields=["unit_path", "month"], name="fourgood_month_path")]
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="fourgood_month_once")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%Y-%m}"


class FourGoodApproval(models.Model):
    """The cell's vote approving its half-year results (``half`` 1 or 2)."""

    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", db_index=False)
    unit_path = models.CharField(max_length=255, editable=False)
    year = models.PositiveSmallIntegerField()
    half = models.PositiveSmallIntegerField()
    voted_on = models.DateField(_("voted on"))
    votes_for = models.PositiveSmallIntegerField(_("votes for"))
    votes_present = models.PositiveSmallIntegerField(_("members present"))
    meeting = models.ForeignKey("meetings.Meeting", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("“4 good” half-year approval")
        indexes = [models.Index(fields=["unit_path", "year"], name="fourgood_approval_path")]
        constraints = [models.UniqueConstraint(fields=["unit", "year", "half"], name="fourgood_approval_once")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}/{self.half}"


class FourGoodRecognition(models.Model):
    """A committee recognised the unit as "4 good" for the year, by the framework's rule."""

    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", db_index=False)
    unit_path = models.CharField(max_length=255, editable=False)
    year = models.PositiveSmallIntegerField()
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="+")
    decided_on = models.DateField(_("decided on"))
    decision = models.CharField(_("decision"), max_length=128, blank=True)
    evidence = models.JSONField(default=dict)  # months passed per criterion, the level, the approvals
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("“4 good” recognition")
        indexes = [models.Index(fields=["unit_path", "year"], name="fourgood_recognition_path")]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="fourgood_recognition_once")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}"
