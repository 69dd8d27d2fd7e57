"""The demo, generate and serve commands, and the demo preset's history and accounts."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from chibo.accounts import policy
from chibo.accounts.models import RoleGrant, User
from chibo.accounts.roles import Perm
from chibo.core.errors import NotFound
from chibo.core.models import AuditEntry
from chibo.demo.presets import DEMO_PROVINCE, DEMO_SIBLING, province_code
from chibo.demo.serving import gunicorn_argv
from chibo.members import queries as member_queries
from chibo.members import tallies
from chibo.members.models import Member
from chibo.org import queries as org_queries
from chibo.org.enums import UnitEventKind, UnitKind
from chibo.org.models import Unit, UnitEvent

PERSONAS = ["admin", "commune", "member", "outsider", "province", "secretary"]


@pytest.fixture
def demo(db):
    """The demo, scaled down to 2,500 members (4 communes) to keep the tests quick."""
    out = StringIO()
    call_command("demo", "--no-serve", "--members", "2500", stdout=out)
    return out.getvalue()


def test_the_demo_command_loads_the_demo_and_prints_the_url_and_accounts(db):
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    for name in PERSONAS:
        assert f"\n  {name}" in out.getvalue()
    assert "http://127.0.0.1:8000/" in out.getvalue()
    assert 5_000 <= Member.objects.filter(status__in=("official", "probationary", "exempted")).count() <= 6_000
    provinces = Unit.objects.filter(kind=UnitKind.PROVINCE).order_by("path")
    assert [p.name for p in provinces] == [f"Tỉnh {DEMO_PROVINCE}", f"Tỉnh {DEMO_SIBLING}"]
    assert Unit.objects.filter(parent=provinces[0], kind=UnitKind.COMMUNE).count() == 10
    assert tallies.verify() == []


def test_the_six_demo_accounts_log_in_with_demo_and_have_working_grants(demo):
    users = {u.username: u for u in User.objects.filter(username__in=PERSONAS)}
    assert sorted(users) == PERSONAS
    assert all(u.check_password("demo") for u in users.values())
    province = Unit.objects.get(code=province_code(DEMO_PROVINCE))
    sibling = Unit.objects.get(code=province_code(DEMO_SIBLING))
    root = Unit.objects.get(parent__isnull=True)
    assert policy.scope_for(users["admin"], Perm.ACCOUNTS_MANAGE).roots == (root.path,)
    assert policy.scope_for(users["province"], Perm.MEMBERS_CHANGE).roots == (province.path,)
    assert policy.scope_for(users["outsider"], Perm.MEMBERS_VIEW).roots == (sibling.path,)
    commune = RoleGrant.objects.get(user=users["commune"]).unit
    assert commune.parent == province and commune.kind == UnitKind.COMMUNE
    assert policy.can(users["commune"], Perm.ADMISSIONS_DECIDE, commune.path)
    assert not policy.can(users["commune"], Perm.MEMBERS_CHANGE, commune.path)
    with pytest.raises(NotFound):
        org_queries.get_unit_for_user(users["outsider"], pk=commune.pk)


def test_the_secretary_and_the_member_belong_to_the_secretarys_cell(demo):
    secretary, member = User.objects.get(username="secretary"), User.objects.get(username="member")
    cell = RoleGrant.objects.get(user=secretary, role="cell_secretary").unit
    assert cell.kind in UnitKind.member_holding()
    assert secretary.member.unit == cell == member.member.unit
    assert secretary.member.status == member.member.status == "official"
    assert not RoleGrant.objects.filter(user=member).exists()
    visible = member_queries.members_for_user(secretary)
    assert visible.count() == Member.objects.filter(unit_path__startswith=cell.path).count()
    assert list(member_queries.members_for_user(member).values_list("pk", flat=True)) == [member.member_id]


def test_running_the_demo_again_keeps_the_data_and_resets_the_accounts(demo):
    members = Member.objects.count()
    User.objects.get(username="admin").set_password("something else entirely")
    call_command("demo", "--no-serve", stdout=StringIO())
    assert Member.objects.count() == members
    assert User.objects.get(username="admin").check_password("demo")
    assert RoleGrant.objects.filter(user__username__in=PERSONAS).count() == 5


def test_the_demo_history_is_made_through_the_services(demo):
    kinds = set(UnitEvent.objects.exclude(kind=UnitEventKind.CREATED).values_list("kind", flat=True))
    assert kinds == {UnitEventKind.MERGED, UnitEventKind.ABSORBED, UnitEventKind.RENAMED, UnitEventKind.MOVED,
                     UnitEventKind.SPLIT, UnitEventKind.CLOSED}
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"units.merged", "units.split", "members.transferred"} <= actions
    renamed = UnitEvent.objects.filter(kind=UnitEventKind.RENAMED).order_by("unit__path").first().unit
    assert renamed.name.startswith("Phường ") and renamed.kind == UnitKind.COMMUNE
    merged = Unit.objects.get(events__kind=UnitEventKind.MERGED)
    assert merged.successor.name == "Chi bộ thôn Đoàn Kết"
    assert Member.objects.filter(temp_unit__isnull=False).exists()


def test_the_demo_refuses_a_database_that_holds_other_data(tree):
    with pytest.raises(CommandError, match="demo data set"):
        call_command("demo", "--no-serve", stdout=StringIO())
    assert not User.objects.filter(username="admin").exists()


def test_generate_writes_a_scaled_preset_and_refuses_to_overwrite(db):
    out = StringIO()
    call_command("generate", "--preset", "province", "--members", "700", "--as-of", "2026-01-15",
                 "--seed", "3", stdout=out, stderr=StringIO(), verbosity=0)
    assert "Generated preset 'province' (seed 3, as of 2026-01-15)" in out.getvalue()
    assert Member.objects.filter(status__in=("official", "probationary", "exempted")).count() == 700
    with pytest.raises(CommandError, match="--replace"):
        call_command("generate", "--preset", "province", "--members", "700", stdout=StringIO(), verbosity=0)
    call_command("generate", "--preset", "demo", "--members", "300", "--replace", stdout=StringIO(), verbosity=0)
    assert Member.objects.filter(status__in=("official", "probationary", "exempted")).count() == 300
    assert tallies.verify() == []


def test_serve_runs_gunicorn_with_the_wsgi_app_and_two_workers():
    argv = gunicorn_argv(host="127.0.0.1", port=8123)
    assert argv[1:4] == ["-m", "gunicorn", "chibo.wsgi:application"]
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8123"
    assert argv[argv.index("--workers") + 1] == "2"


def test_generated_dates_are_relative_to_the_reference_day(db):
    call_command("generate", "--preset", "demo", "--members", "200", "--as-of", "2025-12-31",
                 stdout=StringIO(), verbosity=0)
    assert Member.objects.latest("ceremony_date").ceremony_date <= dt.date(2025, 12, 31)


def test_the_demo_cells_next_meeting_has_two_documents_to_read(demo):
    from chibo.meetings import queries as meeting_queries
    from chibo.meetings.models import Meeting

    member = User.objects.get(username="member")
    meeting = Meeting.objects.filter(unit=member.member.unit, document_links__isnull=False).distinct().get()
    assert meeting.state == "invited" and meeting.starts_at > timezone.now()
    to_read = meeting_queries.documents_to_read([meeting])[meeting.pk]
    assert [d.number for d in to_read] == ["21-NQ/TW", "15-KH/ĐU"]
    assert meeting.invitations.filter(member=member.member).exists()
    call_command("demo", "--no-serve", stdout=StringIO())  # again: nothing added
    assert meeting.document_links.count() == 2
