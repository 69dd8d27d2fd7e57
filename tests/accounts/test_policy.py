import datetime as dt

from chibo.accounts import policy
from chibo.accounts.models import RoleGrant
from chibo.accounts.policy import Scope
from chibo.accounts.roles import Perm
from chibo.members.queries import members_for_user


def names(qs):
    return sorted(qs.values_list("full_name", flat=True))


def test_scope_merges_nested_grants():
    assert Scope.of(["0000100001", "000010000100003", "0000100002"]).roots == ("0000100001", "0000100002")


def test_each_persona_sees_its_subtree_only(cast):
    everyone = ["Lê Hoàng Cường", "Phạm Minh Đức", "Trần Thị Bình", "Đặng Văn An"]
    assert names(members_for_user(cast.admin)) == everyone
    assert names(members_for_user(cast.province)) == ["Lê Hoàng Cường", "Trần Thị Bình", "Đặng Văn An"]
    assert names(members_for_user(cast.commune)) == ["Lê Hoàng Cường", "Trần Thị Bình", "Đặng Văn An"]
    assert names(members_for_user(cast.secretary)) == ["Lê Hoàng Cường", "Trần Thị Bình", "Đặng Văn An"]
    assert names(members_for_user(cast.member)) == ["Đặng Văn An"]
    assert names(members_for_user(cast.outsider)) == ["Phạm Minh Đức"]


def test_write_and_sensitive_permissions_follow_roles(cast):
    k = cast.tree.k.path
    assert policy.can(cast.province, Perm.MEMBERS_CHANGE, k)
    assert not policy.can(cast.commune, Perm.MEMBERS_CHANGE, k)
    assert policy.can(cast.commune, Perm.MEMBERS_VIEW_SENSITIVE, k)
    assert not policy.can(cast.secretary, Perm.MEMBERS_VIEW_SENSITIVE, k)
    assert not policy.can(cast.outsider, Perm.MEMBERS_VIEW, k)
    assert policy.can(policy.SYSTEM, Perm.MEMBERS_CHANGE, k)


def test_expired_grant_gives_nothing(cast):
    RoleGrant.objects.filter(user=cast.province).update(valid_to=dt.date(2021, 1, 1))
    policy.forget(cast.province)
    assert members_for_user(cast.province).count() == 0


def test_visibility_is_a_range_filter_in_sql(cast):
    sql = str(members_for_user(cast.province).query)
    assert "unit_path" in sql and ">=" in sql and "LIKE" not in sql.upper()
