"""The fixed role vocabulary (ARCHITECTURE.md §1) and what each role may do."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Perm:
    UNITS_VIEW = "units.view"
    UNITS_CHANGE = "units.change"
    MEMBERS_VIEW = "members.view"
    MEMBERS_VIEW_SENSITIVE = "members.view_sensitive"
    MEMBERS_CHANGE = "members.change"
    MEMBERS_IMPORT = "members.import"
    MEMBERS_EXPORT = "members.export"
    AUDIT_VIEW = "audit.view"
    ADMISSIONS_RECORD = "admissions.record"  # the cell's steps of an admission case
    ADMISSIONS_DECIDE = "admissions.decide"  # the committee's
    HANDBOOK_ANSWER = "handbook.answer"  # answer and close the questions members send
    MEETINGS_MANAGE = "meetings.manage"  # schedule, invite, take attendance, record minutes
    TARGETS_SET = "targets.set"  # propose and edit targets and their breakdown
    TARGETS_APPROVE = "targets.approve"  # approve and lock them
    ACCOUNTS_MANAGE = "accounts.manage"
    LIBRARY_PUBLISH = "library.publish"  # publish documents to a subtree, assign them for study
    QUALITY_OPEN = "quality.open"  # open review periods, issue criteria frameworks
    QUALITY_ASSESS = "quality.assess"  # a collective's self-assessment, the cell's proposals, "4 good" records
    QUALITY_VERIFY = "quality.verify"  # the advisory body's verification
    QUALITY_DECIDE = "quality.decide"  # classify, recognise "4 good"
    MEMBERS_PROPOSE = "members.propose"  # the cell's resolutions: exemption, removal proposal, card handed over
    MEMBERS_DECIDE = "members.decide"  # the committee's decisions: transfer, removal, discipline, card, badge
    DUES_RECORD = "dues.record"  # the cell's payments, portal statements, closing a month
    DUES_MANAGE = "dues.manage"  # dues bases, exemptions and reductions, shares


class Role(models.TextChoices):
    MEMBER = "member", _("Member")
    CELL_SECRETARY = "cell_secretary", _("Cell secretary")
    BOARD_STAFF = "board_staff", _("Organization board staff")
    COMMITTEE_LEADER = "committee_leader", _("Committee leader")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")


_READ = {Perm.UNITS_VIEW, Perm.MEMBERS_VIEW}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.MEMBER: frozenset(),
    Role.CELL_SECRETARY: frozenset(_READ | {Perm.ADMISSIONS_RECORD, Perm.MEETINGS_MANAGE, Perm.HANDBOOK_ANSWER,
                                            Perm.QUALITY_ASSESS, Perm.MEMBERS_PROPOSE, Perm.DUES_RECORD}),
    Role.AUDITOR: frozenset(_READ | {Perm.AUDIT_VIEW}),
    Role.COMMITTEE_LEADER: frozenset(
        _READ | {Perm.MEMBERS_VIEW_SENSITIVE, Perm.MEMBERS_EXPORT, Perm.ADMISSIONS_DECIDE, Perm.AUDIT_VIEW,
                 Perm.TARGETS_APPROVE, Perm.MEETINGS_MANAGE, Perm.LIBRARY_PUBLISH, Perm.HANDBOOK_ANSWER,
                 Perm.QUALITY_ASSESS, Perm.QUALITY_DECIDE, Perm.MEMBERS_PROPOSE, Perm.MEMBERS_DECIDE,
                 Perm.DUES_MANAGE}
    ),
    Role.BOARD_STAFF: frozenset(
        _READ
        | {Perm.MEMBERS_VIEW_SENSITIVE, Perm.MEMBERS_CHANGE, Perm.MEMBERS_IMPORT,
           Perm.MEMBERS_EXPORT, Perm.UNITS_CHANGE, Perm.AUDIT_VIEW, Perm.ADMISSIONS_RECORD, Perm.TARGETS_SET,
           Perm.MEETINGS_MANAGE, Perm.LIBRARY_PUBLISH, Perm.HANDBOOK_ANSWER, Perm.QUALITY_OPEN,
           Perm.QUALITY_ASSESS, Perm.QUALITY_VERIFY, Perm.MEMBERS_PROPOSE, Perm.DUES_RECORD, Perm.DUES_MANAGE}
    ),
    Role.ADMIN: frozenset(
        _READ
        | {Perm.MEMBERS_VIEW_SENSITIVE, Perm.MEMBERS_CHANGE, Perm.MEMBERS_IMPORT,
           Perm.MEMBERS_EXPORT, Perm.UNITS_CHANGE, Perm.AUDIT_VIEW, Perm.ADMISSIONS_RECORD,
           Perm.ADMISSIONS_DECIDE, Perm.TARGETS_SET, Perm.TARGETS_APPROVE, Perm.MEETINGS_MANAGE,
           Perm.ACCOUNTS_MANAGE, Perm.LIBRARY_PUBLISH, Perm.HANDBOOK_ANSWER, Perm.QUALITY_OPEN,
           Perm.QUALITY_ASSESS, Perm.QUALITY_VERIFY, Perm.QUALITY_DECIDE, Perm.MEMBERS_PROPOSE,
           Perm.MEMBERS_DECIDE, Perm.DUES_RECORD, Perm.DUES_MANAGE}
    ),
}

STAFF_ROLES = frozenset(
    {Role.CELL_SECRETARY, Role.BOARD_STAFF, Role.COMMITTEE_LEADER, Role.AUDITOR, Role.ADMIN}
)
