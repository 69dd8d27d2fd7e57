"""Closed vocabularies of the member profile (DOMAIN.md §3)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    PROBATIONARY = "probationary", _("Probationary")
    OFFICIAL = "official", _("Official")
    EXEMPTED = "exempted", _("Exempted from work and meetings")
    REMOVED = "removed", _("Removed from the list")
    EXPELLED = "expelled", _("Expelled")
    RESIGNED = "resigned", _("Resigned")
    DECEASED = "deceased", _("Deceased")

    @classmethod
    def active(cls) -> tuple[str, ...]:
        """Statuses counted as members of a unit."""
        return (cls.PROBATIONARY, cls.OFFICIAL, cls.EXEMPTED)


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


# The 54 ethnic groups in the General Statistics Office's order (code 01 = Kinh), plus other.
ETHNIC_GROUPS: list[tuple[str, str]] = [
    (f"{i:02d}", name)
    for i, name in enumerate(
        [
            "Kinh", "Tày", "Thái", "Hoa", "Khmer", "Mường", "Nùng", "Mông", "Dao", "Gia Rai",
            "Ngái", "Ê Đê", "Ba Na", "Xơ Đăng", "Sán Chay", "Cơ Ho", "Chăm", "Sán Dìu", "Hrê",
            "Mnông", "Ra Glai", "Xtiêng", "Bru Vân Kiều", "Thổ", "Giáy", "Cơ Tu", "Giẻ Triêng",
            "Mạ", "Khơ Mú", "Co", "Tà Ôi", "Chơ Ro", "Kháng", "Xinh Mun", "Hà Nhì", "Chu Ru",
            "Lào", "La Chí", "La Ha", "Phù Lá", "La Hủ", "Lự", "Lô Lô", "Chứt", "Mảng", "Pà Thẻn",
            "Cơ Lao", "Cống", "Bố Y", "Si La", "Pu Péo", "Brâu", "Ơ Đu", "Rơ Măm",
        ],
        start=1,
    )
]
ETHNICITY_KINH = "01"
ETHNICITY_OTHER = "99"
ETHNICITY_CHOICES: list[tuple[str, str]] = [*ETHNIC_GROUPS, (ETHNICITY_OTHER, _("Other"))]  # type: ignore[list-item]


class Religion(models.TextChoices):
    NONE = "none", _("None")
    BUDDHISM = "buddhism", _("Buddhism")
    CATHOLICISM = "catholicism", _("Catholicism")
    PROTESTANTISM = "protestantism", _("Protestantism")
    CAO_DAI = "cao_dai", _("Cao Đài")
    HOA_HAO = "hoa_hao", _("Hòa Hảo Buddhism")
    ISLAM = "islam", _("Islam")
    OTHER = "other", _("Other religion")


class Qualification(models.TextChoices):
    NONE = "none", _("None")
    VOCATIONAL = "vocational", _("Vocational")
    COLLEGE = "college", _("College")
    UNIVERSITY = "university", _("University")
    MASTER = "master", _("Master")
    DOCTORATE = "doctorate", _("Doctorate")


class PoliticalTheory(models.TextChoices):
    NONE = "none", _("None")
    ELEMENTARY = "elementary", _("Elementary (sơ cấp)")
    INTERMEDIATE = "intermediate", _("Intermediate (trung cấp)")
    ADVANCED = "advanced", _("Advanced (cao cấp)")


class Occupation(models.TextChoices):
    CIVIL_SERVANT = "civil_servant", _("Civil servant / state employee")
    ENTERPRISE_EMPLOYEE = "enterprise_employee", _("Enterprise employee")
    ENTREPRENEUR = "entrepreneur", _("Entrepreneur / business owner")
    WORKER = "worker", _("Worker")
    FARMER = "farmer", _("Farmer / fisher")
    STUDENT = "student", _("Student")
    ARMED_FORCES = "armed_forces", _("Army / police")
    TEACHER = "teacher", _("Teacher")
    HEALTH = "health", _("Health worker")
    RETIRED = "retired", _("Retired")
    FREELANCE = "freelance", _("Self-employed")
    OTHER = "other", _("Other")


class PlacementKind(models.TextChoices):
    OFFICIAL = "official", _("Official")
    TEMPORARY = "temporary", _("Temporary")


class AgeBand(models.TextChoices):
    UNDER_30 = "lt30", _("Under 30")
    FROM_30_TO_45 = "30-45", _("30–45")
    FROM_46_TO_60 = "46-60", _("46–60")
    OVER_60 = "gt60", _("Over 60")


class DisciplineKind(models.TextChoices):
    """Party discipline short of expulsion (the lifecycle work adds expulsion and its workflow)."""

    REPRIMAND = "reprimand", _("Reprimand")
    WARNING = "warning", _("Warning")
    DISMISSAL = "dismissal", _("Dismissal from post")
    EXPULSION = "expulsion", _("Expulsion")


class GapKind(models.TextChoices):
    """Periods that do not count in party age (DOMAIN.md §3)."""

    REMOVED = "removed", _("Removed from the list")
    EXPELLED = "expelled", _("Expelled")
    LOST_CONTACT = "lost_contact", _("Lost contact with the party")
    TRANSFER = "transfer", _("Transfer not completed in time")


# ---- leaving (issue 13): exemption, removal, discipline, resignation, death, complaints ----------

class ExemptionKind(models.TextChoices):
    """Exemption from party work and meetings (miễn công tác và sinh hoạt đảng), decided by the cell."""

    AGE_HEALTH = "age_health", _("Exempted for age and poor health")
    WORKING_AWAY = "working_away", _("Temporarily exempted while working far away")


class RemovalGround(models.TextChoices):
    """The grounds for removing a member from the list (xóa tên, DOMAIN.md §3)."""

    ABSENCES = "absences", _("Absent from cell meetings without reason 3 times in a year")
    UNPAID_DUES = "unpaid_dues", _("Dues unpaid without reason for 3 months in a year")
    NON_COMPLETION = "non_completion", _("Did not complete their tasks 2 years running")
    NOT_RECOGNISED = "not_recognised", _("Probationary member not qualifying for recognition")
    NO_PROGRESS = "no_progress", _("No progress 12 months after being educated")


class RemovalState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed by the cell")
    DECIDED = "decided", _("Removed by the committee")
    REJECTED = "rejected", _("Not removed (the committee refused)")


class DepartureKind(models.TextChoices):
    RESIGNED = "resigned", _("Resigned from the party")
    DECEASED = "deceased", _("Deceased")


class ComplaintOutcome(models.TextChoices):
    PENDING = "pending", _("Pending")
    UPHELD = "upheld", _("Decision upheld")
    ANNULLED = "annulled", _("Decision annulled")
    CHANGED = "changed", _("Sanction changed")
