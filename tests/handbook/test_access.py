"""Who may open the handbook (DOMAIN.md §7) and where log-in sends a member."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories.registry import make_user

PAGES = ["handbook:home", "handbook:card", "handbook:inbox", "handbook:ask"]


@pytest.mark.parametrize("name", PAGES)
def test_a_member_opens_every_page(cast, as_user, name):
    response = as_user(cast.member).get(reverse(name))
    assert response.status_code == 200
    assert response.context["member"] == cast.plain_m


def test_a_cell_secretary_reads_the_handbook_as_the_member_they_are(cast, as_user):
    response = as_user(cast.secretary).get(reverse("handbook:home"))
    assert response.status_code == 200
    assert response.context["member"] == cast.sec_m


@pytest.mark.parametrize("name", PAGES)
def test_an_exempted_member_is_told_the_handbook_is_not_for_them(exempted, as_user, name):
    response = as_user(exempted).get(reverse(name))
    assert response.status_code == 403
    assert response.context["reason"] == "exempted"
    assert "The handbook is not for exempted members" in response.content.decode()


@pytest.mark.parametrize("persona", ["admin", "province", "commune", "outsider"])
def test_staff_without_a_member_record_are_pointed_to_the_console(cast, as_user, persona):
    response = as_user(getattr(cast, persona)).get(reverse("handbook:home"))
    assert response.status_code == 403
    assert response.context["reason"] == "staff"
    assert f'href="{reverse("console:home")}"' in response.content.decode()


def test_an_account_without_record_or_role_is_refused(db, as_user):
    response = as_user(make_user("nobody")).get(reverse("handbook:home"))
    assert response.status_code == 403
    assert response.context["reason"] == "not_member"


def test_a_member_removed_from_the_list_is_refused(cast, as_user):
    cast.plain_m.status = "removed"  # the status alone decides; the lifecycle service is not the point here
    cast.plain_m.save(update_fields=["status"])
    response = as_user(cast.member).get(reverse("handbook:home"))
    assert response.status_code == 403
    assert response.context["reason"] == "not_member"


def test_anonymous_visitors_log_in_through_the_console_and_come_back(client, db):
    response = client.get(reverse("handbook:card"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('console:login')}?next=/handbook/card/"


def test_after_log_in_a_plain_member_lands_in_the_handbook(client, cast):
    response = client.post(reverse("console:login"), {"username": "member", "password": "correct horse battery"})
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == reverse("handbook:home")


def test_log_in_with_next_goes_straight_to_the_handbook(client, cast):
    response = client.post(f"{reverse('console:login')}?next=/handbook/",
                           {"username": "member", "password": "correct horse battery", "next": "/handbook/"})
    assert response["Location"] == "/handbook/"


def test_opening_the_handbook_marks_use_at_most_once_an_hour(cast, as_user):
    from chibo.handbook.models import HandbookUse

    client = as_user(cast.member)
    client.get(reverse("handbook:card"))
    first = HandbookUse.objects.get(user=cast.member)
    assert first.first_at == first.last_at
    client.get(reverse("handbook:inbox"))
    assert HandbookUse.objects.get(user=cast.member).last_at == first.last_at  # no second write


def test_the_usage_mark_moves_last_use_and_keeps_the_first(cast):
    import datetime as dt

    from django.core.cache import cache
    from django.utils import timezone

    from chibo.handbook.models import HandbookUse
    from chibo.handbook.services import record_use

    long_ago = timezone.now() - dt.timedelta(days=90)
    HandbookUse.objects.create(user=cast.member, first_at=long_ago, last_at=long_ago)
    assert record_use(cast.member) is True
    assert record_use(cast.member) is False
    cache.clear()
    assert record_use(cast.member) is True
    use = HandbookUse.objects.get(user=cast.member)
    assert use.first_at == long_ago
    assert use.last_at > timezone.now() - dt.timedelta(minutes=1)
