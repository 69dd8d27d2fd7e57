"""The member registry: profiles, dated placements, per-unit tallies."""

from __future__ import annotations

from django.db import models
from django.db.models import Case, F, Func, Q, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, Length, Replace, StrIndex, Substr
from django.db.models.lookups import GreaterThanOrEqual
from django.utils.translation import gettext_lazy as _

from chibo.members.enums import (
    ETHNICITY_CHOICES,
    ETHNICITY_KINH,
    DisciplineKind,
    GapKind,
    Occupation,
    PlacementKind,
    PoliticalTheory,
    Qualification,
    Religion,
    Sex,
    Status,
)

SENSITIVE_FIELDS = ("citizen_id", "phone", "ethnicity", "religion")


def _after_first_word(field: str | Combinable) -> Substr:
    """The text after the first space (all of it when there is none)."""
    return Substr(field, StrIndex(field, Value(" ")) + 1)


def _from_word(field: str, number: int, *, words_at_least: int) -> Case:
    """The text from word ``number`` on, for texts of at least ``words_at_least`` words (else NULL)."""
    text: str | Combinable = field
    for _skipped in range(number - 1):
        text = _after_first_word(text)
    spaces = Length(field) - Length(Replace(field, Value(" "), Value("")))
    return Case(When(GreaterThanOrEqual(spaces, words_at_least - 1), then=text), default=None)


def _last_word(field: str) -> Substr:
    """The text after the last space: ``rtrim(x, <x's other characters>)`` leaves x up to its
    last space (SQL that SQLite and PostgreSQL both run)."""
    up_to_last_space = Func(F(field), Replace(field, Value(" "), Value("")), function="RTRIM")
    return Substr(field, Length(up_to_last_space) + 1)


class Member(models.Model):
    # identity
    full_name = models.CharField(_("full name"), max_length=120)
    name_folded = models.CharField(max_length=120, editable=False)
    # computed by the database from name_folded, for searches by a later word as index ranges:
    # the name without its first word ("van an" of "nguyen van an") and its last word ("an")
    name_tail = models.GeneratedField(expression=_after_first_word("name_folded"),
                                      output_field=models.CharField(max_length=120), db_persist=True)
    given_folded = models.GeneratedField(expression=_last_word("name_folded"),
                                         output_field=models.CharField(max_length=120), db_persist=True)
    # the middle words the three above do not start at: the name from its third word when that
    # word is not the last ("thu huong" of "nguyen thi thu huong"), and from its fourth word in
    # the rarer names of five words or more (NULL otherwise; both partially indexed)
    name_inner = models.GeneratedField(expression=_from_word("name_folded", 3, words_at_least=4),
                                       output_field=models.CharField(max_length=120, null=True), db_persist=True)
    name_rest = models.GeneratedField(expression=_from_word("name_folded", 4, words_at_least=5),
                                      output_field=models.CharField(max_length=120, null=True), db_persist=True)
    birth_name = models.CharField(_("birth name"), max_length=120, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("date of birth"))
    citizen_id = models.CharField(_("citizen ID"), max_length=12)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=2, choices=ETHNICITY_CHOICES, default=ETHNICITY_KINH)
    religion = models.CharField(_("religion"), max_length=16, choices=Religion.choices, default=Religion.NONE)
    home_town = models.CharField(_("home town"), max_length=255, blank=True)
    birth_place = models.CharField(_("place of birth"), max_length=255, blank=True)
    residence = models.CharField(_("residence"), max_length=255, blank=True)
    # education and work
    education_grade = models.PositiveSmallIntegerField(_("general education (grade)"), default=12)
    qualification = models.CharField(
        _("professional qualification"), max_length=16, choices=Qualification.choices, default=Qualification.NONE
    )
    political_theory = models.CharField(
        _("political theory"), max_length=16, choices=PoliticalTheory.choices, default=PoliticalTheory.NONE
    )
    foreign_language = models.CharField(_("foreign language"), max_length=64, blank=True)
    occupation_before = models.CharField(
        _("occupation before joining"), max_length=24, choices=Occupation.choices, blank=True
    )
    occupation = models.CharField(
        _("occupation now"), max_length=24, choices=Occupation.choices, default=Occupation.OTHER
    )
    youth_union = models.BooleanField(_("youth-union member"), default=False)
    is_army = models.BooleanField(_("army"), default=False)
    is_police = models.BooleanField(_("police"), default=False)
    is_retired = models.BooleanField(_("retired"), default=False)
    # party data
    admission_date = models.DateField(_("admission decision date"), null=True, blank=True)
    ceremony_date = models.DateField(_("admission ceremony date"), null=True, blank=True)
    ceremony_place = models.CharField(_("admission ceremony place"), max_length=255, blank=True)
    official_date = models.DateField(_("official member date"), null=True, blank=True)
    # the day party age counts from: the first admission decision moved later by the closed gaps
    # (members.party_age); NULL while it is the admission date itself (no gap closed yet)
    party_since = models.DateField(_("party age counted from"), null=True, blank=True)
    card_number = models.CharField(_("party card number"), max_length=16, null=True, blank=True, unique=True)
    background_sheet_no = models.CharField(_("background sheet number"), max_length=32, blank=True)
    # status and placement
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PROBATIONARY)
    status_since = models.DateField(_("status since"), null=True, blank=True)
    # indexed by member_unit_name (unit, name_folded); a separate FK index would only duplicate it
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("cell"), on_delete=models.PROTECT, related_name="members", db_index=False
    )
    unit_path = models.CharField(max_length=255, editable=False)
    temp_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("temporary cell"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="temporary_members",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        indexes = [
            models.Index(fields=["name_folded", "id"], name="member_name"),
            models.Index(fields=["unit_path", "name_folded"], name="member_path_name"),
            models.Index(fields=["unit", "name_folded"], name="member_unit_name"),
            models.Index(fields=["name_tail", "id"], name="member_name_tail"),
            models.Index(fields=["given_folded", "id"], name="member_given_name"),
            models.Index(fields=["name_inner", "id"], name="member_name_inner",
                         condition=Q(name_inner__isnull=False)),
            models.Index(fields=["name_folded", "id"], name="member_long_name",
                         condition=Q(name_rest__isnull=False)),
            # the badge lists: members whose party age reaches a tier on an award day (a range)
            models.Index(Coalesce("party_since", "admission_date"), name="member_party_since"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["citizen_id"], condition=~Q(status="deceased"), name="member_citizen_id_living",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def is_active(self) -> bool:
        return self.status in Status.active()


class Placement(models.Model):
    """A dated period of a member's activity in a cell (official or temporary)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="placements")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="placements", db_index=False)
    kind = models.CharField(max_length=12, choices=PlacementKind.choices, default=PlacementKind.OFFICIAL)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("placement")
        indexes = [models.Index(fields=["unit", "valid_from"], name="placement_unit")]
        ordering = ["valid_from", "id"]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.unit_id} from {self.valid_from}"


TALLY_COLUMNS = (
    "total", "probationary", "official", "exempted", "women", "ethnic_minority", "religious",
    "youth_union", "student", "non_state_enterprise", "residential", "civil_servant",
    "entrepreneur",
)


class UnitMemberTally(models.Model):
    """Active members of a unit's whole subtree, by status and DOMAIN §5 category.

    Kept current by the member services (``tallies.apply``) and re-computable with
    ``python -m chibo tallies --verify``.
    """

    unit = models.OneToOneField("org.Unit", primary_key=True, on_delete=models.CASCADE, related_name="tally")
    total = models.IntegerField(default=0)
    probationary = models.IntegerField(default=0)
    official = models.IntegerField(default=0)
    exempted = models.IntegerField(default=0)
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
        verbose_name = _("member tally")

    def __str__(self) -> str:
        return f"tally of unit {self.unit_id}: {self.total}"

    def as_dict(self) -> dict[str, int]:
        return {c: getattr(self, c) for c in TALLY_COLUMNS}


class Discipline(models.Model):
    """A disciplinary decision against a member, with the body that decided it (dated, append-only)."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="disciplines")
    kind = models.CharField(_("sanction"), max_length=16, choices=DisciplineKind.choices)
    decided_on = models.DateField(_("decided on"))
    body = models.CharField(_("deciding body"), max_length=200)
    decision = models.CharField(_("decision"), max_length=128, blank=True)
    # the deciding committee or cell (``body`` is its name as the decision gives it), the violation,
    # and for an expulsion whether its ground (corruption, serious crime) bars readmission for ever
    unit = models.ForeignKey("org.Unit", verbose_name=_("deciding unit"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("violation"), max_length=255, blank=True)
    bars_readmission = models.BooleanField(_("the ground bars readmission"), default=False)
    status_before = models.CharField(max_length=16, blank=True)  # restored if an expulsion is annulled
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("discipline")
        ordering = ["decided_on", "id"]
        indexes = [models.Index(fields=["member", "decided_on"], name="discipline_member")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind} {self.decided_on}"


class Suspension(models.Model):
    """A member suspended from party activity from ``valid_from`` until ``valid_to`` (open while none)."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="suspensions")
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=128, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("suspension")
        ordering = ["valid_from", "id"]
        indexes = [models.Index(fields=["member", "valid_from"], name="suspension_member")]

    def __str__(self) -> str:
        return f"{self.member_id} from {self.valid_from}"


class MembershipGap(models.Model):
    """A period that does not count in party age (DOMAIN.md §3): removed or expelled until
    readmitted, lost contact, a transfer not completed in time. Open while ``valid_to`` is empty."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="gaps")
    kind = models.CharField(_("kind"), max_length=16, choices=GapKind.choices)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True, help_text=_("the first day counted again"))
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("gap in party age")
        ordering = ["valid_from", "id"]
        indexes = [models.Index(fields=["member", "valid_from"], name="gap_member")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind} {self.valid_from}–{self.valid_to or ''}"


# the lifecycle's records, one module per concept (each imports only enums; FKs by name)
from chibo.members.cards.models import *  # noqa: E402,F403
from chibo.members.leaving.models import *  # noqa: E402,F403
from chibo.members.transfers.models import *  # noqa: E402,F403
