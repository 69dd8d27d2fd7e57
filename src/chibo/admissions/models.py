"""Admission cases: one record per person moving toward membership (docs/decisions/0002)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chibo.admissions.stages import Stage
from chibo.members.enums import ETHNICITY_CHOICES, ETHNICITY_KINH, Occupation, Qualification, Religion, Sex


class EducationException(models.TextChoices):
    NONE = "", _("None")
    PRIMARY_HARDSHIP_AREA = "primary_hardship_area", _("Primary school, in a hardship area")
    PRIMARY_FISHERMAN = "primary_fisherman", _("Primary school, fisherman at sea")
    LITERATE_ELDER = "literate_elder", _("Literate village elder or head")


class Awaits(models.TextChoices):
    CELL = "cell", _("The cell")
    COMMITTEE = "committee", _("The committee")
    NOBODY = "", _("Nobody (closed)")


class Course(models.Model):
    """An awareness course (lớp bồi dưỡng nhận thức về Đảng) run by a committee."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("organizing committee"), on_delete=models.PROTECT,
                             related_name="+")
    unit_path = models.CharField(max_length=255, editable=False)
    name = models.CharField(_("course"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        verbose_name = _("awareness course")
        indexes = [models.Index(fields=["unit_path", "starts_on"], name="course_path_start")]

    def __str__(self) -> str:
        return self.name


class AdmissionCase(models.Model):
    # identity: the names of the Member fields the admission decision copies
    full_name = models.CharField(_("full name"), max_length=120)
    name_folded = models.CharField(max_length=120, editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("date of birth"))
    citizen_id = models.CharField(_("citizen ID"), max_length=12)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=2, choices=ETHNICITY_CHOICES, default=ETHNICITY_KINH)
    religion = models.CharField(_("religion"), max_length=16, choices=Religion.choices, default=Religion.NONE)
    home_town = models.CharField(_("home town"), max_length=255, blank=True)
    residence = models.CharField(_("residence"), max_length=255, blank=True)
    education_grade = models.PositiveSmallIntegerField(_("general education (grade)"), default=12)
    qualification = models.CharField(_("professional qualification"), max_length=16,
                                     choices=Qualification.choices, default=Qualification.NONE)
    occupation = models.CharField(_("occupation"), max_length=24, choices=Occupation.choices,
                                  default=Occupation.OTHER)
    youth_union = models.BooleanField(_("youth-union member"), default=False)
    # eligibility facts
    education_exception = models.CharField(_("education exception"), max_length=24, blank=True,
                                           choices=EducationException.choices, default="")
    exception_approved = models.BooleanField(_("exception approved by the province"), default=False)
    over_60_approved = models.BooleanField(_("over-60 approval recorded"), default=False)
    left_on = models.DateField(_("left the party on (readmission)"), null=True, blank=True)
    excluded_ground = models.BooleanField(_("left on a ground that bars readmission"), default=False)
    # where the case stands
    cell = models.ForeignKey("org.Unit", verbose_name=_("cell"), on_delete=models.PROTECT, related_name="+",
                             db_index=False)
    unit_path = models.CharField(max_length=255, editable=False)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.SYMPATHIZER)
    stage_on = models.DateField(_("stage reached on"))
    awaits = models.CharField(_("awaits"), max_length=10, choices=Awaits.choices, default=Awaits.CELL,
                              blank=True)
    next_due = models.DateField(_("next step due"), null=True, blank=True)
    helper = models.ForeignKey("members.Member", verbose_name=_("helper member"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    course = models.ForeignKey(Course, verbose_name=_("awareness course"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="participants")
    certificate_no = models.CharField(_("certificate number"), max_length=40, blank=True)
    certificate_issuer = models.CharField(_("certificate issued by"), max_length=200, blank=True)
    certificate_date = models.DateField(_("certificate date"), null=True, blank=True)
    dossier_since = models.DateField(_("dossier dated"), null=True, blank=True)
    youth_union_path = models.BooleanField(_("introduced by the youth union"), default=False)
    cell_vote_on = models.DateField(_("cell resolution date"), null=True, blank=True)
    decision_no = models.CharField(_("admission decision number"), max_length=40, blank=True)
    decision_on = models.DateField(_("admission decision date"), null=True, blank=True)
    ceremony_on = models.DateField(_("ceremony date"), null=True, blank=True)
    failed_recognition_votes = models.PositiveSmallIntegerField(default=0)
    extended = models.BooleanField(_("deadline extended"), default=False)
    member = models.OneToOneField("members.Member", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="admission_case")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("admission case")
        verbose_name_plural = _("admission cases")
        indexes = [
            models.Index(fields=["cell", "stage"], name="case_cell_stage"),
            models.Index(fields=["awaits", "unit_path", "next_due"], name="case_awaits_path_due"),
            models.Index(fields=["next_due", "unit_path"], name="case_due_path",
                         condition=models.Q(next_due__isnull=False)),
            models.Index(fields=["citizen_id"], name="case_citizen_id"),
            models.Index(fields=["unit_path"], name="case_path"),  # a unit's move rewrites the range
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def dossier_deadline(self) -> bool:
        """Before the cell votes, ``next_due`` is the day the dossier goes stale (12 months), not
        a deadline of the regulations."""
        return self.stage in DOSSIER_STAGES


DOSSIER_STAGES = frozenset({Stage.APPLICATION, Stage.INTRODUCED, Stage.OPINIONS, Stage.VERIFIED})


class CaseStep(models.Model):
    """One recorded step of a case: append-only, the case's timeline."""

    case = models.ForeignKey(AdmissionCase, on_delete=models.CASCADE, related_name="steps")
    # the case's cell when the step was recorded (a merge moves open cases to the successor;
    # the tallies' recount attributes each step to the cell it happened in)
    cell = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             db_index=False)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    passed = models.BooleanField(default=True)  # False: a recognition vote without two thirds
    on = models.DateField(_("date"))
    number = models.CharField(_("resolution or decision number"), max_length=40, blank=True)
    yes = models.PositiveIntegerField(_("yes votes"), null=True, blank=True)
    voters = models.PositiveIntegerField(_("members counted"), null=True, blank=True)
    needed = models.PositiveIntegerField(_("votes needed"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    # a step the regulations give a deadline (decision, ceremony, recognition decision): the deadline,
    # and for a late step why, and the directly superior committee's consent where it is needed
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    consent_number = models.CharField(_("superior committee's consent (number)"), max_length=40, blank=True)
    consent_on = models.DateField(_("superior committee's consent (date)"), null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("case step")
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.stage} on {self.on}"


class Introduction(models.Model):
    case = models.ForeignKey(AdmissionCase, on_delete=models.CASCADE, related_name="introductions")
    member = models.ForeignKey("members.Member", verbose_name=_("introducing member"), on_delete=models.PROTECT,
                               related_name="+")
    together_since = models.DateField(_("together since"))
    on = models.DateField(_("introduced on"))

    class Meta:
        verbose_name = _("introduction")

    def __str__(self) -> str:
        return f"{self.member_id} introduces case {self.case_id}"


class Relation(models.TextChoices):
    SELF = "self", _("The applicant")
    FATHER = "father", _("Father")
    MOTHER = "mother", _("Mother")
    GUARDIAN = "guardian", _("Guardian")
    FATHER_IN_LAW = "father_in_law", _("Father-in-law")
    MOTHER_IN_LAW = "mother_in_law", _("Mother-in-law")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Adult child")


class VerificationResult(models.TextChoices):
    CLEAR = "clear", _("Clear")
    CONCERN = "concern", _("Concern found")
    SKIPPED = "skipped", _("Skipped: a member with a complete declaration")


class Verification(models.Model):
    case = models.ForeignKey(AdmissionCase, on_delete=models.CASCADE, related_name="verifications")
    relation = models.CharField(_("relation"), max_length=16, choices=Relation.choices)
    name = models.CharField(_("name"), max_length=120)
    result = models.CharField(_("result"), max_length=10, choices=VerificationResult.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("verification")

    def __str__(self) -> str:
        return f"{self.relation} {self.name}: {self.result}"


def _document_path(instance: CaseDocument, filename: str) -> str:
    return f"admissions/{instance.case_id}/{filename}"


class CaseDocument(models.Model):
    """A scan attached to a case (application, background sheet, resolution…)."""

    case = models.ForeignKey(AdmissionCase, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=_document_path)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("case document")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.title


ADMISSION_COLUMNS = (
    "course", "admitted", "official", "women", "ethnic_minority", "religious", "youth_union", "student",
    "non_state_enterprise", "residential", "civil_servant", "entrepreneur",
)


class AdmissionTally(models.Model):
    """Per unit and day, for the unit's subtree as it stood that day: course participants,
    admissions (by the DOMAIN §5 categories) and recognitions.

    The sum of a unit's rows from 1 January to a day D is the year's count under the structure of
    D: when a unit moves, its year-to-date counts leave its old ancestors and join the new ones on
    the day of the move (``tallying.move_between``). Kept by the services; ``python -m chibo
    tallies --verify`` checks them."""

    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    course = models.IntegerField(default=0)
    admitted = models.IntegerField(default=0)
    official = models.IntegerField(default=0)
    women = models.IntegerField(default=0)
    ethnic_minority = models.IntegerField(default=0)
    religious = models.IntegerField(default=0)
    youth_union = models.IntegerField(default=0)
    student = models.IntegerField(default=0)
    non_state_enterprise = models.IntegerField(default=0)
    residential = models.IntegerField(default=0)
    civil_servant = models.IntegerField(default=0)
    entrepreneur = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("admission tally")
        constraints = [models.UniqueConstraint(fields=["unit", "day"], name="admission_tally_unit_day")]

    def __str__(self) -> str:
        return f"admissions of unit {self.unit_id} on {self.day}"
