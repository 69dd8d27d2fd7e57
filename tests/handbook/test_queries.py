"""The home page costs at most 8 queries whatever the data size (issue 5's budget), counted with
production's two-factor middleware on (it reads the user's grants on every request)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from chibo.handbook.models import Post, Thread
from chibo.notifications.models import Kind
from chibo.notifications.services import Message, notify
from tests.factories.registry import make_member, make_unit

HOME_BUDGET = 9  # 8, and the open gap of the party age (members.party_age) since issue 13


@pytest.fixture(autouse=True)
def _production_middleware(settings):
    settings.REQUIRE_STAFF_2FA = True


def _bigger(cast) -> None:
    """More of everything the home page could grow with: notifications, threads, members, units."""
    notify([cast.member.pk], [Message(Kind.DECISION, f"Tin {i}", "nội dung", "", f"big:{i}") for i in range(60)])
    for i in range(12):
        thread = Thread.objects.create(member=cast.plain_m, unit=cast.tree.k, subject=f"Câu hỏi {i}")
        Post.objects.create(thread=thread, author=cast.member, text="…")
    for given in ("An", "Bình", "Chi", "Dũng", "Giang", "Hải", "Khoa", "Lan", "Minh", "Nam", "Oanh", "Phúc"):
        make_member(cast.tree.k, f"Nguyễn Văn {given}")
    for i in range(5):
        make_unit(cast.tree.g, f"KX{i}", f"Chi bộ thêm {i}", "cell")


@pytest.mark.parametrize("size", ["small", "bigger"])
def test_home_stays_within_nine_queries(cast, client, size, django_assert_max_num_queries):
    if size == "bigger":
        _bigger(cast)
    client.force_login(cast.member)
    with django_assert_max_num_queries(HOME_BUDGET):  # the first visit of the hour also marks the use
        response = client.get(reverse("handbook:home"))
    assert response.status_code == 200
    assert len(response.context["latest"]) == (3 if size == "bigger" else 0)
    with django_assert_max_num_queries(HOME_BUDGET - 1):
        client.get(reverse("handbook:home"))
    cache.clear()


@pytest.mark.parametrize("size", ["small", "bigger"])
@pytest.mark.parametrize("name", ["handbook:card", "handbook:inbox"])
def test_card_and_inbox_do_not_grow_with_the_data(cast, client, size, name, django_assert_max_num_queries):
    if size == "bigger":
        _bigger(cast)
    client.force_login(cast.member)
    client.get(reverse(name))
    # 7, and the card register's view of the member (card, badges, illness, the gap) on the card since issue 13
    with django_assert_max_num_queries(9 if name == "handbook:card" else 7):
        assert client.get(reverse(name)).status_code == 200
