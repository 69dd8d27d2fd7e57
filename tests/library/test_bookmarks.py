"""Bookmarks: a user keeps the documents they read; a bookmark outlives nothing it may not see."""

from __future__ import annotations

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.core.errors import NotFound
from chibo.library import queries, services
from chibo.library.models import Bookmark


def test_a_member_bookmarks_and_lists_documents_latest_first(cast, docs):
    services.bookmark(docs.p, actor=cast.member)
    services.bookmark(docs.tw, actor=cast.member)
    services.bookmark(docs.tw, actor=cast.member)  # again: still one
    assert Bookmark.objects.filter(user=cast.member).count() == 2
    assert queries.bookmarks(cast.member).rows == [docs.tw, docs.p]
    assert queries.bookmarks(cast.secretary).rows == []
    assert queries.bookmarked_ids(cast.member, [docs.tw, docs.c]) == {docs.tw.pk}


def test_unbookmarking(cast, docs):
    services.bookmark(docs.p, actor=cast.member)
    assert services.unbookmark(docs.p, actor=cast.member) is True
    assert services.unbookmark(docs.p, actor=cast.member) is False
    assert queries.bookmarks(cast.member).rows == []


def test_a_document_moved_out_of_sight_leaves_the_bookmark_list(cast, docs):
    services.bookmark(docs.c, actor=cast.member)
    services.update(docs.c, actor=SYSTEM, changes={}, unit=cast.tree.k2)
    assert queries.bookmarks(cast.member).rows == []


def test_an_invisible_document_cannot_be_bookmarked(cast, docs):
    with pytest.raises(NotFound):
        services.bookmark(docs.k2, actor=cast.member)


def test_bookmarks_page_by_keyset(cast, docs):
    for document in (docs.tw, docs.p, docs.c):
        services.bookmark(document, actor=cast.member)
    first = queries.bookmarks(cast.member, size=2)
    rest = queries.bookmarks(cast.member, after=first.next_cursor, size=2)
    assert first.rows + rest.rows == [docs.c, docs.p, docs.tw] and rest.next_cursor is None
