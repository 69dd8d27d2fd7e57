"""Documents attached to a meeting: attached in order, once, taken off, audited; refused when the
cell cannot read the document, when the meeting is over, and for someone who may not manage it.
The members' list leaves out a document whose audience has moved away since."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from chibo.accounts.policy import SYSTEM
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.core.models import AuditEntry
from chibo.library import services as library
from chibo.meetings import queries, services
from chibo.meetings.models import Meeting, MeetingDocument, State
from tests.factories.library import make_document
from tests.factories.registry import make_user


@pytest.fixture
def meeting(cast):
    return services.create_meeting(actor=cast.secretary, unit=cast.tree.k, kind="regular",
                                   starts_at=timezone.now() + dt.timedelta(days=5))


@pytest.fixture
def docs(cast):
    t = cast.tree
    return SimpleNamespace(
        tw=make_document(t.root, "21-NQ/TW", "Về tăng cường củng cố, xây dựng tổ chức cơ sở đảng"),
        c=make_document(t.c, "12-KH/ĐU", "Kế hoạch học tập nghị quyết", kind="plan"),
        k=make_document(t.k, "3-NQ/CB", "Nghị quyết chi bộ tháng 3"),
        k2=make_document(t.k2, "4-NQ/CB", "Nghị quyết chi bộ Giáo viên 2"),
    )


def _actions() -> list[tuple[str, dict]]:
    return list(AuditEntry.objects.filter(action__startswith="meetings.document").order_by("pk")
                .values_list("action", "payload"))


def test_the_secretary_attaches_documents_in_order_and_each_is_audited(cast, meeting, docs):
    services.attach(meeting, actor=cast.secretary, document=docs.k)
    link = services.attach(meeting, actor=cast.secretary, document=docs.tw)
    assert (link.added_by, link.position) == (cast.secretary, 2)
    assert queries.attached_documents(meeting) == [docs.k, docs.tw]
    assert _actions() == [("meetings.document_attached", {"document": docs.k.pk, "number": "3-NQ/CB"}),
                          ("meetings.document_attached", {"document": docs.tw.pk, "number": "21-NQ/TW"})]
    assert AuditEntry.objects.filter(action="meetings.document_attached").first().unit_path == cast.tree.k.path


def test_attaching_twice_keeps_one_and_says_nothing(cast, meeting, docs):
    first = services.attach(meeting, actor=cast.secretary, document=docs.tw)
    again = services.attach(meeting, actor=cast.secretary, document=docs.tw)
    assert again.pk == first.pk
    assert MeetingDocument.objects.filter(meeting=meeting).count() == 1
    assert len(_actions()) == 1


def test_the_secretary_takes_a_document_off(cast, meeting, docs):
    services.attach(meeting, actor=cast.secretary, document=docs.tw)
    services.attach(meeting, actor=cast.secretary, document=docs.c)
    assert services.detach(meeting, actor=cast.secretary, document=docs.tw) is True
    assert services.detach(meeting, actor=cast.secretary, document=docs.tw) is False
    assert queries.attached_documents(meeting) == [docs.c]
    assert [a for a, _p in _actions()] == ["meetings.document_attached"] * 2 + ["meetings.document_detached"]


def test_a_document_the_cell_cannot_read_is_refused_and_nothing_is_written(cast, meeting, docs):
    with pytest.raises(DomainError, match="cannot read this document"):  # the commune sees K2's document
        services.attach(meeting, actor=cast.commune, document=docs.k2)
    with pytest.raises(NotFound):  # the secretary of K does not even see it
        services.attach(meeting, actor=cast.secretary, document=docs.k2)
    assert not MeetingDocument.objects.exists()
    assert _actions() == []


@pytest.mark.parametrize("state", [State.HELD, State.CANCELLED])
def test_a_meeting_that_is_over_takes_no_more_documents(cast, meeting, docs, state):
    services.attach(meeting, actor=cast.secretary, document=docs.k)
    Meeting.objects.filter(pk=meeting.pk).update(state=state)
    with pytest.raises(DomainError, match="This meeting is over"):
        services.attach(meeting, actor=cast.secretary, document=docs.tw)
    assert queries.attached_documents(meeting) == [docs.k]
    assert len(_actions()) == 1


def test_only_who_manages_the_meeting_attaches_or_takes_off(cast, meeting, docs):
    services.attach(meeting, actor=cast.secretary, document=docs.tw)
    auditor = make_user("auditor", role="auditor", unit=cast.tree.c)
    with pytest.raises(PermissionDenied):
        services.attach(meeting, actor=auditor, document=docs.c)
    with pytest.raises(PermissionDenied):
        services.detach(meeting, actor=auditor, document=docs.tw)
    for stranger in (cast.member, cast.outsider):
        with pytest.raises(NotFound):
            services.attach(meeting, actor=stranger, document=docs.tw)
        with pytest.raises(NotFound):
            services.detach(meeting, actor=stranger, document=docs.tw)
    assert queries.attached_documents(meeting) == [docs.tw]
    assert len(_actions()) == 1


def test_the_search_offers_what_the_cell_reads_and_is_not_attached_yet(cast, meeting, docs):
    services.attach(meeting, actor=cast.secretary, document=docs.k)
    assert queries.attachable_documents(cast.commune, meeting, "nghi quyet") == [docs.c, docs.tw]  # title, then text
    assert queries.attachable_documents(cast.commune, meeting, "21-nq") == [docs.tw]


def test_the_members_list_leaves_out_a_document_sent_to_another_audience_since(cast, meeting, docs):
    services.attach(meeting, actor=cast.secretary, document=docs.c)
    services.attach(meeting, actor=cast.secretary, document=docs.tw)
    library.update(docs.c, actor=SYSTEM, changes={}, unit=cast.tree.k2)
    assert queries.documents_to_read([meeting]) == {meeting.pk: [docs.tw]}
    assert queries.attached_documents(meeting) == [docs.c, docs.tw]  # the secretary still sees it, to take it off
