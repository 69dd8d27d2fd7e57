"""Lists and pages of the admission, meeting, library and handbook features: the number of
queries does not grow with the rows shown (measured with 1 and 3 of each)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chibo.admissions.stages import Stage
from chibo.meetings import services as meetings
from tests.factories.admissions import carry, open_case
from tests.factories.registry import make_member

NAMES = ("Hà Văn Sơn", "Lò Thị Mai", "Tòng Văn Pọm")


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def _cases(cast, n: int) -> str:
    for i in range(n):
        carry(open_case(cast.tree.k, full_name=NAMES[i]), Stage.CELL_VOTED)
    return "/admissions/inbox/"


def _overdue(cast, n: int) -> str:
    _cases(cast, n)
    return f"/admissions/overdue/?unit={cast.tree.c.pk}"


def _board(cast, n: int) -> str:
    _cases(cast, n)
    return f"/units/{cast.tree.k.pk}/admissions/"


def _meeting(cast, n: int) -> str:
    for name in NAMES[:n]:
        make_member(cast.tree.k, name)
    meeting = meetings.create_meeting(actor=cast.secretary, unit=cast.tree.k, kind="regular",
                                      starts_at=timezone.now() + dt.timedelta(days=2))
    meetings.set_agenda(meeting, actor=cast.secretary, topic="Tháng này", agenda="")
    meetings.invite(meeting, actor=cast.secretary)
    return f"/meetings/{meeting.pk}/"


def _with_documents(cast, n: int) -> int:
    """A meeting of cell K, invited, with ``n`` documents attached (new ones each call)."""
    from tests.factories.library import make_document

    meeting = meetings.create_meeting(actor=cast.secretary, unit=cast.tree.k, kind="thematic",
                                      starts_at=timezone.now() + dt.timedelta(days=2))
    meetings.set_agenda(meeting, actor=cast.secretary, topic="Học tập nghị quyết", agenda="")
    meetings.invite(meeting, actor=cast.secretary)
    for i in range(n):
        document = make_document(cast.tree.root, f"{n}{i}-NQ/TW", f"Nghị quyết số {n}{i}")
        meetings.attach(meeting, actor=cast.secretary, document=document)
    return meeting.pk


def _meeting_documents(cast, n: int) -> str:
    return f"/meetings/{_with_documents(cast, n)}/?q=nghi+quyet"


def _handbook_meeting(cast, n: int) -> str:
    return f"/handbook/meetings/{_with_documents(cast, n)}/"


def _handbook_meetings_documents(cast, n: int) -> str:
    for _i in range(n):
        _with_documents(cast, n)
    return "/handbook/meetings/"


def _unit_meetings(cast, n: int) -> str:
    for i in range(n):
        meetings.create_meeting(actor=cast.secretary, unit=cast.tree.k, kind="thematic",
                                starts_at=timezone.now() + dt.timedelta(days=i + 1))
    return f"/units/{cast.tree.k.pk}/meetings/"


def _attendance(cast, n: int) -> str:
    _meeting(cast, n)
    return f"/units/{cast.tree.c.pk}/attendance/"


def _handbook_meetings(cast, n: int) -> str:
    for i in range(n):
        meeting = meetings.create_meeting(actor=cast.secretary, unit=cast.tree.k, kind="thematic",
                                          starts_at=timezone.now() + dt.timedelta(days=i + 1))
        meetings.set_agenda(meeting, actor=cast.secretary, topic=f"Chuyên đề {i}", agenda="")
        meetings.invite(meeting, actor=cast.secretary)
    return "/handbook/meetings/"


PAGES = {
    "committee inbox": ("commune", _cases),
    "overdue report": ("commune", _overdue),
    "cell board": ("secretary", _board),
    "meeting page": ("secretary", _meeting),
    "unit meetings": ("secretary", _unit_meetings),
    "attendance": ("commune", _attendance),
    "handbook meetings": ("member", _handbook_meetings),
    "meeting page: documents and a search": ("secretary", _meeting_documents),
    "handbook meeting with documents": ("member", _handbook_meeting),
    "handbook meetings with documents": ("member", _handbook_meetings_documents),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_the_query_count_does_not_grow(page, cast, client, django_db_blocker):
    persona, build = PAGES[page]
    client.force_login(getattr(cast, persona))
    counts = []
    for n in (1, 3):
        from chibo.admissions.models import AdmissionCase
        from chibo.meetings.models import Meeting

        Meeting.objects.all().delete()
        AdmissionCase.objects.filter(member__isnull=True).delete()
        url = build(cast, n)
        _queries(client, url)  # warm: the first visit of the hour records handbook use
        counts.append(_queries(client, url))
    assert counts[0] == counts[1], counts
