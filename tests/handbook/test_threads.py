"""The two-way channel: a member writes to their cell or a committee above it; officers who see
that unit answer in the console; the member is told and reads the answer in the handbook."""

from __future__ import annotations

import pytest
from django.urls import reverse

from chibo.handbook.models import Post, Thread
from chibo.notifications.models import Kind, Notification


def _ask(client, unit, text="Khi nào chi bộ họp tháng này?", **extra):
    return client.post(reverse("handbook:ask"), {"unit": unit.pk, "text": text, **extra})


def test_a_member_asks_the_cell_and_the_secretary_hears_of_it(cast, as_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(as_user(cast.member), cast.tree.k, subject="Lịch họp")
    thread = Thread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("handbook:thread", args=[thread.pk])
    assert (thread.member, thread.unit, thread.subject, thread.awaiting_reply) == (
        cast.plain_m, cast.tree.k, "Lịch họp", True)
    assert [(p.author, p.text, p.by_member) for p in thread.posts.all()] == [
        (cast.member, "Khi nào chi bộ họp tháng này?", True)]
    told = Notification.objects.get(kind=Kind.QUESTION)
    assert (told.user, told.link) == (cast.secretary, f"/handbook-threads/{thread.pk}/")


def test_without_a_subject_the_first_words_become_the_subject(cast, as_user):
    _ask(as_user(cast.member), cast.tree.k, text="Xin hỏi về mức đảng phí năm nay\nvà cách nộp")
    assert Thread.objects.get().subject == "Xin hỏi về mức đảng phí năm nay"


def test_a_question_to_the_commune_reaches_the_commune_not_the_cell(cast, as_user,
                                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _ask(as_user(cast.member), cast.tree.c)
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["commune"]
    assert Thread.objects.get().unit == cast.tree.c


@pytest.mark.parametrize("unit", ["k2", "q", "root"])
def test_a_member_writes_only_to_their_cell_and_the_committees_above_it(cast, as_user, unit):
    response = _ask(as_user(cast.member), getattr(cast.tree, unit))
    assert response.status_code == 400
    assert not Thread.objects.exists()


def test_the_units_offered_are_the_cell_and_its_committees_nearest_first(cast, as_user):
    form = as_user(cast.member).get(reverse("handbook:ask")).context["form"]
    assert [label for _pk, label in form.fields["unit"].choices] == [
        "Chi bộ Giáo viên 1", "Đảng bộ Trường THCS Đông Sơn", "Xã Đông Sơn", "Tỉnh Bắc Hà"]


def test_a_message_longer_than_2000_characters_is_refused(cast, as_user):
    response = _ask(as_user(cast.member), cast.tree.k, text="a" * 2001)
    assert response.status_code == 400
    assert not Thread.objects.exists()


def test_a_replayed_message_is_stored_once(cast, as_user):
    client = as_user(cast.member)
    first = _ask(client, cast.tree.k, client_key="3f1c9a2e-0000-4000-8000-000000000001")
    again = _ask(client, cast.tree.k, client_key="3f1c9a2e-0000-4000-8000-000000000001")
    assert first["Location"] == again["Location"]
    assert (Thread.objects.count(), Post.objects.count()) == (1, 1)


def test_the_secretary_answers_and_the_member_is_told(cast, as_user, client, django_capture_on_commit_callbacks):
    _ask(as_user(cast.member), cast.tree.k)
    thread = Thread.objects.get()
    client.force_login(cast.secretary)
    listing = client.get(reverse("console:handbook_threads"))
    assert [t.pk for t in listing.context["rows"]] == [thread.pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("console:handbook_thread", args=[thread.pk]), {"text": "Ngày 4, 19 giờ 30."})
    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.awaiting_reply is False
    told = Notification.objects.get(kind=Kind.REPLY)
    assert (told.user, told.link, told.body) == (cast.member, f"/handbook/threads/{thread.pk}/", "Ngày 4, 19 giờ 30.")
    client.force_login(cast.member)
    page = client.get(reverse("handbook:thread", args=[thread.pk]))
    assert [(p.text, p.by_member) for p in page.context["posts"]] == [
        ("Khi nào chi bộ họp tháng này?", True), ("Ngày 4, 19 giờ 30.", False)]
    assert page.context["unread"] == 0  # opening the thread read the answer's notification
    inbox = client.get(reverse("handbook:inbox"))
    assert [(n.kind, n.read_at is not None) for n in inbox.context["rows"]] == [(Kind.REPLY, True)]


def test_the_member_follows_up_and_the_thread_awaits_an_answer_again(cast, as_user):
    client = as_user(cast.member)
    _ask(client, cast.tree.k)
    thread = Thread.objects.get()
    thread.awaiting_reply = False
    thread.save(update_fields=["awaiting_reply"])
    response = client.post(reverse("handbook:thread", args=[thread.pk]), {"text": "Cảm ơn đồng chí."})
    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.awaiting_reply is True
    assert thread.posts.count() == 2


def test_nobody_writes_in_a_closed_thread(cast, as_user, client):
    _ask(as_user(cast.member), cast.tree.k)
    thread = Thread.objects.get()
    client.force_login(cast.secretary)
    assert client.post(reverse("console:handbook_thread_close", args=[thread.pk])).status_code == 302
    client.force_login(cast.member)
    response = client.post(reverse("handbook:thread", args=[thread.pk]), {"text": "Còn một câu nữa."})
    assert response.status_code == 400
    assert thread.posts.count() == 1


def test_other_members_cannot_open_a_members_thread(cast, as_user, neighbour, client):
    _ask(as_user(cast.member), cast.tree.k)
    thread = Thread.objects.get()
    client.force_login(neighbour)
    assert client.get(reverse("handbook:thread", args=[thread.pk])).status_code == 404
    assert client.post(reverse("handbook:thread", args=[thread.pk]), {"text": "x"}).status_code == 404
    assert client.get(reverse("handbook:inbox")).context["threads"] == []


@pytest.mark.parametrize(("persona", "sees"), [
    ("admin", True), ("province", True), ("commune", True), ("secretary", True), ("outsider", False),
])
def test_officers_see_threads_addressed_inside_their_scope(cast, as_user, client, persona, sees):
    _ask(as_user(cast.member), cast.tree.k)
    thread = Thread.objects.get()
    client.force_login(getattr(cast, persona))
    assert [t.pk for t in client.get(reverse("console:handbook_threads")).context["rows"]] == (
        [thread.pk] if sees else [])
    detail = client.get(reverse("console:handbook_thread", args=[thread.pk]))
    assert detail.status_code == (200 if sees else 404)
    answer = client.post(reverse("console:handbook_thread", args=[thread.pk]), {"text": "Trả lời"})
    assert answer.status_code == (302 if sees else 404)


def test_a_secretary_does_not_see_a_question_to_the_commune(cast, as_user, client):
    _ask(as_user(cast.member), cast.tree.c)
    thread = Thread.objects.get()
    client.force_login(cast.secretary)
    assert client.get(reverse("console:handbook_threads")).context["rows"] == []
    assert client.get(reverse("console:handbook_thread", args=[thread.pk])).status_code == 404


def test_a_plain_member_has_no_console_thread_list(cast, as_user):
    assert as_user(cast.member).get(reverse("console:handbook_threads")).status_code == 403


def test_the_console_thread_list_costs_the_same_for_one_or_three(cast, as_user, client,
                                                                django_assert_num_queries):
    member_client = as_user(cast.member)
    _ask(member_client, cast.tree.k)
    client.force_login(cast.secretary)
    client.get(reverse("console:handbook_threads"))
    with django_assert_num_queries(7):
        client.get(reverse("console:handbook_threads"))
    client.force_login(cast.member)
    _ask(client, cast.tree.k, text="hai")
    _ask(client, cast.tree.g, text="ba")
    client.force_login(cast.secretary)
    client.get(reverse("console:handbook_threads"))
    with django_assert_num_queries(7):
        client.get(reverse("console:handbook_threads"))


def test_an_auditor_reads_a_thread_but_cannot_answer_or_close_it(cast, as_user, client):
    from tests.factories.registry import make_user

    _ask(as_user(cast.member), cast.tree.k)
    thread = Thread.objects.get()
    client.force_login(make_user("auditor", role="auditor", unit=cast.tree.c))
    page = client.get(reverse("console:handbook_thread", args=[thread.pk]))
    assert page.status_code == 200 and "Send the answer" not in page.content.decode()
    assert client.post(reverse("console:handbook_thread", args=[thread.pk]), {"text": "x"}).status_code == 403
    assert client.post(reverse("console:handbook_thread_close", args=[thread.pk])).status_code == 403
    thread.refresh_from_db()
    assert thread.closed_at is None and thread.posts.count() == 1
