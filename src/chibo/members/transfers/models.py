"""transfers: the models (FKs by name: this module is imported at the end of members.models)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chibo.members.transfers.enums import LetterType, Reason, State, TransferKind

__all__: list[str] = ["Transfer"]

OPEN = Q(state__in=State.in_transit()) | Q(kind=TransferKind.TEMPORARY, state=State.ACCEPTED)


class Transfer(models.Model):
    """One transfer of a member's party activity, from the decision to the acceptance (and, for a
    temporary one, the return): dated, with the sending cell (``from_path``: the sender's scope) and
    the receiving unit the sender named (``to_path``: the receiver's scope)."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="transfers",
                               db_index=False)
    kind = models.CharField(_("kind"), max_length=12, choices=TransferKind.choices)
    reason = models.CharField(_("reason"), max_length=24, choices=Reason.choices)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.DECIDED)
    from_unit = models.ForeignKey("org.Unit", verbose_name=_("sending cell"), on_delete=models.PROTECT,
                                  related_name="+", db_index=False)
    from_path = models.CharField(max_length=255, editable=False)
    to_unit = models.ForeignKey("org.Unit", verbose_name=_("receiving unit"), on_delete=models.PROTECT,
                                related_name="+", db_index=False)
    to_path = models.CharField(max_length=255, editable=False)
    cell = models.ForeignKey("org.Unit", verbose_name=_("receiving cell"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+", db_index=False)
    decision_number = models.CharField(_("decision number"), max_length=64, blank=True)
    decided_on = models.DateField(_("decided on"))
    decided_by = models.CharField(_("deciding body"), max_length=200)
    letter_type = models.CharField(_("letter type"), max_length=16, choices=LetterType.choices)
    letter_number = models.CharField(_("letter number"), max_length=32, blank=True)
    left_on = models.DateField(_("letter handed over on"), null=True, blank=True)
    presented_on = models.DateField(_("letter presented on"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    temporary_until = models.DateField(_("temporary until"), null=True, blank=True)
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)
    start_by = models.DateField(_("start by"))
    present_by = models.DateField(_("present by"), null=True, blank=True)
    late_days = models.PositiveIntegerField(_("days late (not counted in party age)"), default=0)
    batch = models.CharField(max_length=32, blank=True, db_index=False)
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("transfer of party activity")
        verbose_name_plural = _("transfers of party activity")
        indexes = [
            models.Index(fields=["member", "decided_on"], name="transfer_member"),
            models.Index(fields=["from_path", "id"], name="transfer_from"),
            models.Index(fields=["to_path", "id"], name="transfer_to"),
            models.Index(fields=["state", "start_by"], name="transfer_start_by"),
            models.Index(fields=["state", "present_by"], name="transfer_present_by"),
            models.Index(fields=["state", "temporary_until"], name="transfer_until"),
            models.Index(fields=["batch"], name="transfer_batch", condition=~Q(batch="")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=OPEN, name="transfer_one_open"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.from_unit_id} → {self.to_unit_id} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in State.in_transit() or (self.kind == TransferKind.TEMPORARY
                                                     and self.state == State.ACCEPTED)
