"""The unit tree and its history (ARCHITECTURE.md §6)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chibo.org import paths
from chibo.org.enums import Sector, UnitEventKind, UnitKind


class UnitQuerySet(models.QuerySet["Unit"]):
    def subtree(self, unit_or_path: Unit | str, *, field: str = "path") -> UnitQuerySet:
        """The unit and all its descendants, as an index range on ``path``."""
        path = unit_or_path if isinstance(unit_or_path, str) else unit_or_path.path
        return self.filter(**{f"{field}__gte": path, f"{field}__lt": paths.upper_bound(path)})

    def open_on(self, day: dt.date) -> UnitQuerySet:
        return self.filter(Q(opened_on__lte=day), Q(closed_on__isnull=True) | Q(closed_on__gt=day))

    def current(self) -> UnitQuerySet:
        return self.filter(closed_on__isnull=True)


class Unit(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255)
    name_folded = models.CharField(max_length=255, db_index=True, editable=False)
    kind = models.CharField(_("kind"), max_length=24, choices=UnitKind.choices)
    sector = models.CharField(_("sector"), max_length=24, choices=Sector.choices, default=Sector.MIXED)
    parent = models.ForeignKey(  # indexed by unit_parent_name (parent, name_folded)
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children", db_index=False,
    )
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(editable=False)
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    successor = models.ForeignKey(
        "self", verbose_name=_("successor"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="predecessors",
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        indexes = [models.Index(fields=["parent", "name_folded"], name="unit_parent_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @property
    def holds_members(self) -> bool:
        return self.kind in UnitKind.member_holding()

    @property
    def path_upper(self) -> str:
        return paths.upper_bound(self.path)

    def ancestor_paths(self) -> list[str]:
        return paths.ancestors(self.path)


class UnitPathPeriod(models.Model):
    """Where a unit stood in the tree from ``valid_from`` until ``valid_to`` (exclusive).

    "Units as of date D" reads these: a subtree as of D is a path range over the periods valid
    on D, so a unit merged in June rolls up under its old parent before June and under its
    successor after.
    """

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="path_periods")
    parent = models.ForeignKey(Unit, null=True, on_delete=models.PROTECT, related_name="+")
    path = models.CharField(max_length=255)
    name = models.CharField(max_length=255)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("unit position")
        indexes = [
            models.Index(fields=["path", "valid_from"], name="unitperiod_path"),
            models.Index(fields=["unit", "valid_from"], name="unitperiod_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.name} at {self.path} from {self.valid_from}"


class UnitEvent(models.Model):
    """A dated restructuring event, with the decision that authorised it."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("event"), max_length=16, choices=UnitEventKind.choices)
    on = models.DateField(_("date"))
    decision = models.CharField(_("decision"), max_length=128, blank=True)
    details = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("unit event")
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.on}"
