"""Meetings in the console: the persona matrix, the secretary's month (schedule, agenda, invite,
check-in code with its QR, attendance, minutes and score), drafts and their comments exported."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from chibo.meetings import drafts, services
from chibo.meetings.models import Invitation, Meeting, Schedule
from chibo.quality.models import Framework
from tests.console.conftest import PERSONAS, statuses

OK, FORBIDDEN, MISSING = 200, 403, 404


@pytest.fixture
def meeting(cast):
    return services.create_meeting(actor=cast.secretary, unit=cast.tree.k, kind="regular",
                                   starts_at=timezone.make_aware(dt.datetime(2026, 12, 4, 19, 30)))


def _matrix(*codes):
    return dict(zip(PERSONAS, codes, strict=True))


PAGES = {
    "cell meetings": (lambda c, m: reverse("console:meetings", args=[c.tree.k.pk]),
                      _matrix(OK, OK, OK, OK, MISSING, MISSING)),
    "meeting": (lambda c, m: reverse("console:meeting", args=[m.pk]), _matrix(OK, OK, OK, OK, MISSING, MISSING)),
    "attendance of the commune": (lambda c, m: reverse("console:attendance", args=[c.tree.c.pk]),
                                  _matrix(OK, OK, OK, MISSING, MISSING, MISSING)),
    "draft": (lambda c, m: reverse("console:draft", args=[_draft(c, m).pk]), _matrix(OK, OK, OK, OK, MISSING, MISSING)),
    "draft comments": (lambda c, m: reverse("console:draft_export", args=[_draft(c, m).pk]),
                       _matrix(OK, OK, OK, OK, MISSING, MISSING)),
}


def _draft(cast, meeting):
    from chibo.meetings.models import Draft

    return Draft.objects.filter(meeting=meeting).first() or drafts.publish(
        meeting, actor=cast.secretary, title="Dự thảo", text="Đoạn một.").draft


def test_an_auditor_sees_a_meeting_but_cannot_manage_it(cast, client, meeting):
    from tests.factories.registry import make_user

    client.force_login(make_user("auditor", role="auditor", unit=cast.tree.c))
    assert client.get(reverse("console:meeting", args=[meeting.pk])).status_code == 200
    action = reverse("console:meeting_action", args=[meeting.pk])
    assert client.post(action, {"action": "agenda", "topic": "x"}).status_code == 403
    assert client.post(reverse("console:meetings", args=[cast.tree.k.pk]),
                       {"action": "schedule", "day": "4", "time": "19:30"}).status_code == 403
    meeting.refresh_from_db()
    assert meeting.topic == ""


@pytest.mark.parametrize("page", list(PAGES))
def test_persona_matrix(page, cast, client, meeting):
    url_of, expected = PAGES[page]
    assert statuses(client, cast, url_of(cast, meeting)) == expected


def test_the_secretarys_month_through_the_pages(cast, login):
    Framework.objects.create(kind="meeting", version=2, name="Tiêu chí chất lượng sinh hoạt",
                             valid_from=dt.date(2020, 1, 1), criteria=[{"key": "a", "label": "Chuẩn bị", "max": 40},
                                               {"key": "b", "label": "Nội dung", "max": 60}])
    client = login("secretary")
    units_url = reverse("console:meetings", args=[cast.tree.k.pk])
    client.post(units_url, {"action": "schedule", "day": "4", "time": "19:30", "place": "Phòng họp"})
    assert Schedule.objects.get(unit=cast.tree.k).day == 4
    refused = client.post(units_url, {"action": "create", "kind": "thematic", "starts_on": "12/31/2026",
                                      "starts_time": "19:30"}, follow=True)
    assert "for another meeting, a day such as 10/12/2026 and a time" in refused.content.decode()
    assert not Meeting.objects.exists()
    client.post(units_url, {"action": "create", "kind": "thematic", "starts_on": "10/12/2026",
                            "starts_time": "19:30"})
    meeting = Meeting.objects.get(unit=cast.tree.k)
    assert timezone.localtime(meeting.starts_at).strftime("%d/%m/%Y %H:%M") == "10/12/2026 19:30"
    act = reverse("console:meeting_action", args=[meeting.pk])
    client.post(act, {"action": "invite"})
    assert not Invitation.objects.exists()  # no topic yet: refused with a message
    client.post(act, {"action": "agenda", "topic": "Chuyên đề học tập và làm theo Bác", "agenda": "1. …"})
    client.post(act, {"action": "invite", "guests": "Đại diện Công đoàn"})
    assert Invitation.objects.filter(meeting=meeting).count() == 4
    client.post(act, {"action": "code"})
    page = client.get(reverse("console:meeting", args=[meeting.pk])).content.decode()
    meeting.refresh_from_db()
    assert "<svg" in page and meeting.code in page
    marks = {f"att_{i.pk}": "present" for i in meeting.invitations.filter(member__isnull=False)}
    client.post(act, {"action": "attendance", **marks})
    assert meeting.invitations.filter(attendance="present").count() == 3
    client.post(act, {"action": "minutes", "minutes": "Biên bản", "score_a": "35", "score_b": "50"})
    meeting.refresh_from_db()
    assert (meeting.state, meeting.score) == ("held", 85)
    assert login("member").post(act, {"action": "code"}).status_code == 404


def test_draft_comments_by_paragraph_and_their_export(cast, login, meeting):
    from openpyxl import load_workbook

    services.set_agenda(meeting, actor=cast.secretary, topic="Tháng 12", agenda="")
    services.invite(meeting, actor=cast.secretary)
    version = drafts.publish(meeting, actor=cast.secretary, title="Dự thảo", text="Đoạn một.\n\nĐoạn hai.")
    drafts.comment(version, actor=cast.member, paragraph=1, text="Góp ý cho đoạn hai")
    client = login("secretary")
    page = client.get(reverse("console:draft", args=[version.draft.pk])).content.decode()
    assert "Góp ý cho đoạn hai" in page
    book = load_workbook(io.BytesIO(client.get(reverse("console:draft_export", args=[version.draft.pk])).content))
    values = [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row]
    assert "Góp ý cho đoạn hai" in values and "Đoạn hai." in values
    client.post(reverse("console:draft", args=[version.draft.pk]), {"text": "Đoạn một.\n\nĐoạn hai.", "adopted": "1"})
    assert version.draft.versions.filter(adopted=True).count() == 1


def test_a_committee_sends_the_months_invitations_from_its_page(cast, login, django_capture_on_commit_callbacks):
    Schedule.objects.create(unit=cast.tree.k, day=4, time=dt.time(19, 30))
    services.generate_month(dt.date(2026, 12, 1))
    Meeting.objects.update(topic="Sinh hoạt thường kỳ")
    url = reverse("console:meetings", args=[cast.tree.c.pk])
    with django_capture_on_commit_callbacks(execute=True):  # the job ledger sends the job after the commit
        assert login("commune").post(url, {"action": "invite_month", "month": "2026-12"}).status_code == 302
    assert Invitation.objects.filter(meeting__unit=cast.tree.k).count() == 3


@pytest.fixture
def library_docs(cast):
    from tests.factories.library import make_document

    return (make_document(cast.tree.root, "21-NQ/TW", "Về tăng cường củng cố, xây dựng tổ chức cơ sở đảng"),
            make_document(cast.tree.k2, "4-NQ/CB", "Nghị quyết chi bộ Giáo viên 2"))


def test_the_secretary_finds_attaches_and_takes_off_a_document(cast, login, meeting, library_docs):
    resolution, _other_cells = library_docs
    client = login("secretary")
    page_url = reverse("console:meeting", args=[meeting.pk])
    act = reverse("console:meeting_action", args=[meeting.pk])
    found = client.get(page_url, {"q": "21-nq"}).content.decode()
    assert 'name="action" value="attach"' in found and f'name="document" value="{resolution.pk}"' in found
    response = client.post(act, {"action": "attach", "document": resolution.pk})
    assert response["Location"] == f"{page_url}#documents"
    page = client.get(page_url).content.decode()
    assert f'href="{reverse("console:library_document", args=[resolution.pk])}"' in page
    assert "The document was attached" in page
    assert list(meeting.documents.all()) == [resolution]
    assert client.get(page_url, {"q": "21-nq"}).context["matches"] == []  # attached: no longer offered
    client.post(act, {"action": "detach", "document": resolution.pk})
    assert list(meeting.documents.all()) == []


def test_a_refused_attach_shows_why_and_changes_nothing(cast, login, meeting, library_docs):
    resolution, other_cells = library_docs
    act = reverse("console:meeting_action", args=[meeting.pk])
    page = login("commune").post(act, {"action": "attach", "document": other_cells.pk}, follow=True)
    assert "The members of this cell cannot read this document" in page.content.decode()
    Meeting.objects.filter(pk=meeting.pk).update(state="held")
    page = login("secretary").post(act, {"action": "attach", "document": resolution.pk}, follow=True)
    assert "This meeting is over" in page.content.decode()
    assert login("secretary").post(act, {"action": "attach", "document": other_cells.pk}).status_code == 404
    assert not meeting.documents.exists()


def test_only_who_manages_the_meeting_changes_its_documents(cast, client, login, meeting, library_docs):
    from tests.factories.registry import make_user

    resolution, _other_cells = library_docs
    services.attach(meeting, actor=cast.secretary, document=resolution)
    act = reverse("console:meeting_action", args=[meeting.pk])
    client.force_login(make_user("auditor", role="auditor", unit=cast.tree.c))
    assert client.post(act, {"action": "detach", "document": resolution.pk}).status_code == 403
    assert "Take off" not in client.get(reverse("console:meeting", args=[meeting.pk])).content.decode()
    assert login("member").post(act, {"action": "detach", "document": resolution.pk}).status_code == 404
    assert login("outsider").post(act, {"action": "attach", "document": resolution.pk}).status_code == 404
    assert list(meeting.documents.all()) == [resolution]
