"""Who reads which document: a member their cell's and everything above it; staff their scope's
and what was sent down to it; never a sibling's. Outside that: 404, never 403."""

from __future__ import annotations

import pytest
from django.urls import reverse

from chibo.core.errors import NotFound
from chibo.library import queries, services
from chibo.members.enums import Status
from tests.library.conftest import PERSONAS

VISIBLE = {
    "admin": {"tw", "p", "c", "k", "k2", "q"},
    "province": {"tw", "p", "c", "k", "k2"},
    "commune": {"tw", "p", "c", "k", "k2"},
    "secretary": {"tw", "p", "c", "k"},
    "member": {"tw", "p", "c", "k"},
    "outsider": {"tw", "q"},
}


def _names(docs, found) -> set[str]:
    by_pk = {getattr(docs, n).pk: n for n in ("tw", "p", "c", "k", "k2", "q")}
    return {by_pk[d.pk] for d in found}


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_reads_their_subtree_and_what_was_sent_down(persona, cast, docs):
    user = getattr(cast, persona)
    assert _names(docs, queries.visible_documents(user)) == VISIBLE[persona]
    assert _names(docs, queries.search(user).rows) == VISIBLE[persona]


def test_documents_from_the_province_reach_the_cell_secretary_and_the_member(cast, docs):
    for persona in ("secretary", "member"):
        assert queries.get_document_for_user(getattr(cast, persona), docs.p.pk) == docs.p


@pytest.mark.parametrize("persona", ["province", "commune", "secretary", "member"])
def test_the_other_province_documents_are_not_found(persona, cast, docs, login):
    with pytest.raises(NotFound):
        queries.get_document_for_user(getattr(cast, persona), docs.q.pk)
    client = login(persona)
    assert client.get(reverse("console:library_document", args=[docs.q.pk])).status_code == 404
    assert client.get(reverse("console:library_file", args=[docs.q.pk])).status_code == 404


def test_a_member_who_left_the_party_reads_nothing_of_their_old_cell(cast, docs):
    from chibo.accounts.policy import SYSTEM
    from chibo.members.services import update_member

    update_member(cast.plain_m, actor=SYSTEM, changes={"status": Status.REMOVED})
    cast.member.refresh_from_db()
    assert list(queries.visible_documents(cast.member)) == []


def test_an_account_without_grant_or_record_reads_nothing(cast, docs):
    from tests.factories.registry import make_user

    assert list(queries.visible_documents(make_user("nobody"))) == []


def test_visibility_is_one_query(cast, docs, django_assert_num_queries):
    member = cast.member
    queries.visible_documents(member).count()  # the grants and the member's cell, read once per request
    with django_assert_num_queries(1):
        assert queries.visible_documents(member).count() == 4


def test_writes_to_an_invisible_document_are_not_found(cast, docs):
    with pytest.raises(NotFound):
        services.bookmark(docs.q, actor=cast.member)
    with pytest.raises(NotFound):
        services.update(docs.q, actor=cast.province, changes={"title": "Khác"})
