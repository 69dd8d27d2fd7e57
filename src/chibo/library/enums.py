"""Closed vocabularies of the document library (DOMAIN.md §7)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    RESOLUTION = "resolution", _("Resolution")
    DIRECTIVE = "directive", _("Directive")
    REGULATION = "regulation", _("Regulation")
    INSTRUCTION = "instruction", _("Instruction")
    CONCLUSION = "conclusion", _("Conclusion")
    PLAN = "plan", _("Plan")
