from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from tests.factories.registry import make_member, make_user


@pytest.fixture(autouse=True)
def _fresh_use_marks():
    """The once-an-hour usage mark lives in the process cache: start every test without one."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def as_user(client):
    def _as(user):
        client.force_login(user)
        return client

    return _as


@pytest.fixture
def exempted(cast):
    """An exempted member of cell K with an account."""
    m = make_member(cast.tree.k, "Vũ Thị Hằng", sex="F", birth_date=dt.date(1948, 3, 3), status="exempted")
    return make_user("exempted", member=m)


@pytest.fixture
def neighbour(cast):
    """Another plain member of cell K with an account."""
    return make_user("neighbour", member=cast.other_m)
