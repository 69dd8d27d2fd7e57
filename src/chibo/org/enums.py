from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    CENTRAL = "central", _("Central (Trung ương)")
    PROVINCE = "province", _("Provincial committee (Đảng bộ tỉnh/thành phố)")
    BLOC = "bloc", _("Bloc committee (Đảng bộ khối)")
    COMMUNE = "commune", _("Commune-level committee (Đảng bộ xã/phường/đặc khu)")
    AGENCY = "agency", _("Agency committee (Đảng bộ cơ quan cấp trên cơ sở)")
    GRASSROOTS_COMMITTEE = "grassroots_committee", _("Grassroots committee (Đảng bộ cơ sở)")
    GRASSROOTS_CELL = "grassroots_cell", _("Grassroots cell (Chi bộ cơ sở)")
    PARTIAL_COMMITTEE = "partial_committee", _("Partial committee (Đảng bộ bộ phận)")
    CELL = "cell", _("Cell (Chi bộ trực thuộc)")
    PARTY_GROUP = "party_group", _("Party group (Tổ đảng)")

    @classmethod
    def member_holding(cls) -> frozenset[str]:
        """Kinds where members are placed and meet: cells and grassroots cells."""
        return frozenset({cls.CELL, cls.GRASSROOTS_CELL})

    @classmethod
    def grassroots(cls) -> frozenset[str]:
        return frozenset({cls.GRASSROOTS_COMMITTEE, cls.GRASSROOTS_CELL})


class Sector(models.TextChoices):
    RESIDENTIAL = "residential", _("Village / residential area")
    STATE_AGENCY = "state_agency", _("State agency")
    PUBLIC_SERVICE = "public_service", _("Public-service unit")
    STATE_ENTERPRISE = "state_enterprise", _("State enterprise")
    NON_STATE_ENTERPRISE = "non_state_enterprise", _("Non-state enterprise")
    ARMED_FORCES = "armed_forces", _("Armed forces")
    SCHOOL = "school", _("School")
    OVERSEAS = "overseas", _("Overseas")
    MIXED = "mixed", _("Mixed / committee")


class UnitEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    RENAMED = "renamed", _("Renamed")
    MOVED = "moved", _("Moved")
    MERGED = "merged", _("Merged into another unit")
    ABSORBED = "absorbed", _("Absorbed other units")
    SPLIT = "split", _("Split")
    CLOSED = "closed", _("Closed")
