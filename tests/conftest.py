"""The fixed cast on a fixed tree (CONVENTIONS.md §16), shared by every test module.

    TW (central)
    ├── P  Tỉnh Bắc Hà (province)           ← province: board staff (read/write)
    │   └── C  Xã Đông Sơn (commune)         ← commune: committee leader (read + approve)
    │       └── G  Đảng bộ Trường THCS (grassroots committee, school)
    │           ├── K  Chi bộ Giáo viên 1 (cell)   ← secretary; member; 1 more
    │           └── K2 Chi bộ Giáo viên 2 (cell)
    └── Q  Tỉnh Nam Lâm (province)           ← outsider: board staff of the sibling province
        └── QC Xã Tây Sơn (commune)
            └── QK Chi bộ thôn Bắc (grassroots cell, residential)
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from hypothesis import settings as hypothesis_settings

from tests.factories.registry import make_member, make_unit, make_user

# The machine is shared and small: a property test is judged on its examples, never on its speed
# (hypothesis's default 200 ms deadline fails tests when another job takes the CPU).
hypothesis_settings.register_profile("chibo", deadline=None)
hypothesis_settings.load_profile("chibo")


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.REQUIRE_STAFF_2FA = False
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "en"
    # Argon2 is the production hasher (settings.py); tests create many users, so hash cheaply here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _jobs_run_at_once():
    """Background jobs run in-process. settings.HUEY is read once at start-up, so the live huey
    instance itself is switched."""
    from huey.contrib.djhuey import HUEY

    before, HUEY.immediate = HUEY.immediate, True
    yield
    HUEY.immediate = before


@pytest.fixture
def login(client, cast):
    """``login("province")`` logs the test client in as that persona and returns the client."""

    def _login(persona: str):
        client.force_login(getattr(cast, persona))
        return client

    return _login


@pytest.fixture
def tree(db):
    root = make_unit(None, "TW", "Trung ương", "central")
    p = make_unit(root, "P", "Tỉnh Bắc Hà", "province")
    c = make_unit(p, "C", "Xã Đông Sơn", "commune")
    g = make_unit(c, "G", "Đảng bộ Trường THCS Đông Sơn", "grassroots_committee", "school")
    k = make_unit(g, "K", "Chi bộ Giáo viên 1", "cell", "school")
    k2 = make_unit(g, "K2", "Chi bộ Giáo viên 2", "cell", "school")
    q = make_unit(root, "Q", "Tỉnh Nam Lâm", "province")
    qc = make_unit(q, "QC", "Xã Tây Sơn", "commune")
    qk = make_unit(qc, "QK", "Chi bộ thôn Bắc", "grassroots_cell", "residential")
    return SimpleNamespace(root=root, p=p, c=c, g=g, k=k, k2=k2, q=q, qc=qc, qk=qk)


@pytest.fixture
def cast(tree):
    """Members and the six personas: admin, province, commune, secretary, member, outsider."""
    sec_m = make_member(tree.k, "Trần Thị Bình", sex="F", birth_date=dt.date(1978, 2, 1),
                        phone="0912345678", religion="buddhism")
    plain_m = make_member(tree.k, "Đặng Văn An", birth_date=dt.date(1990, 7, 9), phone="0987654321")
    other_m = make_member(tree.k, "Lê Hoàng Cường", birth_date=dt.date(1975, 11, 30))
    far_m = make_member(tree.qk, "Phạm Minh Đức", birth_date=dt.date(1982, 4, 4))
    return SimpleNamespace(
        tree=tree,
        admin=make_user("admin", role="admin", unit=tree.root),
        province=make_user("province", role="board_staff", unit=tree.p),
        commune=make_user("commune", role="committee_leader", unit=tree.c),
        secretary=make_user("secretary", role="cell_secretary", unit=tree.k, member=sec_m),
        member=make_user("member", member=plain_m),
        outsider=make_user("outsider", role="board_staff", unit=tree.q),
        sec_m=sec_m, plain_m=plain_m, other_m=other_m, far_m=far_m,
    )
