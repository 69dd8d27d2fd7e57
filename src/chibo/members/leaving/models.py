"""leaving: the models (FKs by name: this module is imported at the end of members.models).

Every record is dated and kept (append-only): an exemption and its return, a removal proposal
and the committee's decision, a resignation or a death, a complaint and its outcome. A record
is filled in once per step (the return, the decision, the outcome) and never deleted.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chibo.members.enums import (
    ComplaintOutcome,
    DepartureKind,
    DisciplineKind,
    ExemptionKind,
    RemovalGround,
    RemovalState,
)

__all__: list[str] = ["Complaint", "Departure", "Exemption", "Removal"]


class Exemption(models.Model):
    """Exemption from party work and meetings: the member's application, the cell's resolution,
    and later the return (the member asks, the cell resolves). A temporary exemption (working far
    away) has a planned end; it ends at the return."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="exemptions")
    unit = models.ForeignKey("org.Unit", verbose_name=_("cell"), on_delete=models.PROTECT, related_name="+",
                             db_index=False)
    kind = models.CharField(_("kind"), max_length=16, choices=ExemptionKind.choices)
    applied_on = models.DateField(_("application dated"))
    reason = models.CharField(_("reason"), max_length=255)
    resolved_on = models.DateField(_("exempted from"))
    resolution = models.CharField(_("cell resolution"), max_length=128)
    ends_on = models.DateField(_("planned end"), null=True, blank=True)
    status_before = models.CharField(max_length=16)  # restored at the return
    return_asked_on = models.DateField(_("return asked on"), null=True, blank=True)
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    return_resolution = models.CharField(_("return resolution"), max_length=128, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("exemption")
        ordering = ["resolved_on", "id"]
        indexes = [
            models.Index(fields=["member", "resolved_on"], name="exemption_member"),
            # the temporary exemptions still running, by planned end (the daily job)
            models.Index(fields=["ends_on"], name="exemption_open_ends",
                         condition=Q(returned_on__isnull=True, ends_on__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} exempted {self.resolved_on}"


class Removal(models.Model):
    """Removal from the list (xóa tên): the cell's proposal with its ground and the evidence the
    data gave (a JSON snapshot), then the competent committee's decision or refusal."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="removals")
    cell = models.ForeignKey("org.Unit", verbose_name=_("cell"), on_delete=models.PROTECT, related_name="+",
                             db_index=False)
    unit_path = models.CharField(max_length=255, editable=False)  # the cell's, for the committee's list
    ground = models.CharField(_("ground"), max_length=16, choices=RemovalGround.choices)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    note = models.CharField(_("the cell's account"), max_length=500, blank=True)
    proposed_on = models.DateField(_("cell resolution dated"))
    proposal = models.CharField(_("cell resolution"), max_length=128)
    state = models.CharField(_("state"), max_length=10, choices=RemovalState.choices, default=RemovalState.PROPOSED)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=128, blank=True)
    decided_by = models.ForeignKey("org.Unit", verbose_name=_("deciding committee"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    refusal = models.CharField(_("why not"), max_length=500, blank=True)
    status_before = models.CharField(max_length=16, blank=True)  # restored if the removal is annulled
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("removal from the list")
        ordering = ["proposed_on", "id"]
        indexes = [
            models.Index(fields=["member", "proposed_on"], name="removal_member"),
            models.Index(fields=["unit_path"], name="removal_pending",
                         condition=Q(state="proposed")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(state="proposed"),
                                    name="removal_one_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} removal {self.state} {self.proposed_on}"


class Departure(models.Model):
    """A resignation from the party (decided by the committee) or a death (reported by the cell)."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="departures")
    kind = models.CharField(_("kind"), max_length=10, choices=DepartureKind.choices)
    on = models.DateField(_("date"))
    cause = models.CharField(_("cause"), max_length=255, blank=True)
    decision = models.CharField(_("decision or report"), max_length=128, blank=True)
    unit = models.ForeignKey("org.Unit", verbose_name=_("recorded by"), on_delete=models.PROTECT,
                             related_name="+", db_index=False)
    status_before = models.CharField(max_length=16)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("departure")
        ordering = ["on", "id"]
        indexes = [models.Index(fields=["member", "on"], name="departure_member")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind} {self.on}"


class Complaint(models.Model):
    """A complaint against a removal or a sanction, and its outcome (one of the two is set)."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="complaints")
    removal = models.ForeignKey(Removal, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="complaints")
    discipline = models.ForeignKey("members.Discipline", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="complaints")
    lodged_on = models.DateField(_("lodged on"))
    text = models.CharField(_("what the member contests"), max_length=500)
    outcome = models.CharField(_("outcome"), max_length=10, choices=ComplaintOutcome.choices,
                               default=ComplaintOutcome.PENDING)
    decided_on = models.DateField(_("settled on"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=128, blank=True)
    body = models.CharField(_("settled by"), max_length=200, blank=True)
    changed_to = models.CharField(_("new sanction"), max_length=16, choices=DisciplineKind.choices, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("complaint")
        ordering = ["lodged_on", "id"]
        indexes = [models.Index(fields=["member", "lodged_on"], name="complaint_member")]
        constraints = [
            models.CheckConstraint(
                condition=Q(removal__isnull=False, discipline__isnull=True)
                | Q(removal__isnull=True, discipline__isnull=False),
                name="complaint_one_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} complaint {self.outcome} {self.lodged_on}"
