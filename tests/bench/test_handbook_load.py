"""The meeting evening of the handbook bench, set up on the test tree and cleaned up again."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session

from bench import handbook_load
from chibo.accounts.models import User
from chibo.meetings.models import Meeting

pytestmark = pytest.mark.django_db


def test_members_who_already_have_an_account_get_their_session_on_it(cast):
    evening = handbook_load.setup(cast.tree.p, users=100)
    try:
        sessions = {u["session"] for u in evening["users"]}
        logged_in = sorted(int(s.get_decoded()["_auth_user_id"])
                           for s in Session.objects.filter(session_key__in=sessions))
        made = User.objects.get(username__startswith=handbook_load.PREFIX)
        assert (evening["cells"], evening["members"], evening["meetings"], len(sessions)) == (1, 3, 1, 3)
        assert made.member_id == cast.other_m.pk
        assert logged_in == sorted([cast.secretary.pk, cast.member.pk, made.pk])
    finally:
        handbook_load.cleanup(evening)
    assert not Session.objects.filter(session_key__in=sessions).exists()
    assert not User.objects.filter(username__startswith=handbook_load.PREFIX).exists()
    assert User.objects.filter(pk__in=[cast.secretary.pk, cast.member.pk]).count() == 2
    assert not Meeting.objects.filter(topic=handbook_load.TOPIC).exists()
