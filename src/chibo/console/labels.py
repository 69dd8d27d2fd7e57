"""Human labels for codes the domain stores (tally columns, audit actions)."""

from __future__ import annotations

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from chibo.admissions.stages import Stage

TALLY_LABELS = {
    "total": _("Members"),
    "official": _("Official members"),
    "probationary": _("Probationary members"),
    "women": _("Women"),
    "exempted": _("Exempted from work and meetings"),
    "ethnic_minority": _("Ethnic minorities"),
    "religious": _("Religious"),
    "youth_union": _("Youth-union members"),
    "student": _("Students"),
    "non_state_enterprise": _("In non-state enterprises"),
    "residential": _("In residential areas"),
    "civil_servant": _("Civil servants"),
    "entrepreneur": _("Entrepreneurs"),
}

AUDIT_ACTIONS = {
    "members.viewed": _("Viewed a member's profile"),
    "members.created": _("Added a member"),
    "members.updated": _("Changed a member's profile"),
    "members.transferred": _("Transferred a member"),
    "members.transferred_all": _("Transferred all members of a unit"),
    "members.exported": _("Exported members"),
    "units.created": _("Created a unit"),
    "units.renamed": _("Renamed a unit"),
    "units.moved": _("Moved a unit"),
    "units.merged": _("Merged a unit into another"),
    "units.absorbed": _("A unit absorbed other units"),
    "units.split": _("Split a unit"),
    "units.closed": _("Closed a unit"),
    "imports.submitted": _("Uploaded an import file"),
    "imports.done": _("Import completed"),
    "accounts.two_factor_enabled": _("Turned on two-step verification"),
    "members.status_changed": _("Changed a member's status"),
    "members.readmitted": _("Readmitted a former member"),
    "admissions.opened": _("Put a person on the sympathizer list"),
    "admissions.updated": _("Corrected an applicant's details"),
    "admissions.viewed": _("Viewed an admission case"),
    "admissions.vote_failed": _("Recorded a recognition vote without two thirds"),
    "admissions.document_attached": _("Attached a scan to an admission case"),
    "admissions.form_printed": _("Printed an official admission form"),
    "admissions.course_created": _("Added an awareness course"),
    **{f"admissions.{stage.value}": format_lazy("{}: {}", _("Admission step"), stage.label) for stage in Stage},
}
