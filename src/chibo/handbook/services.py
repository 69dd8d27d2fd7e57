"""Every write of the handbook: usage marks, questions, answers, closing a thread."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core import audit
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.handbook.models import HandbookUse, Post, Thread
from chibo.handbook.queries import askable_units
from chibo.members.models import Member
from chibo.notifications.models import Kind
from chibo.notifications.services import Message, holders, notify
from chibo.org.models import Unit

USE_MARK_SECONDS = 3600


def record_use(user: Any) -> bool:
    """Note that ``user`` opened the handbook: at most one write per user and hour (per process).

    Returns whether a write was made. The first use sets ``first_at``; later ones move ``last_at``.
    """
    if not cache.add(f"handbook-use:{user.pk}", 1, USE_MARK_SECONDS):
        return False
    now = timezone.now()
    HandbookUse.objects.bulk_create([HandbookUse(user_id=user.pk, first_at=now, last_at=now)],
                                    update_conflicts=True, unique_fields=["user"], update_fields=["last_at"])
    return True


def ask(*, actor: Any, member: Member, unit: Unit, subject: str, text: str, client_key: str = "") -> Thread:
    """``member`` (the actor's own record) writes to ``unit``: their cell or a committee above it."""
    if getattr(actor, "member_id", None) != member.pk:
        raise PermissionDenied(_("You can only write in your own name."))
    if unit.pk not in {u.pk for u in askable_units(member)}:
        raise DomainError(_("Choose your cell or a committee above it."), {"unit": [_("Not one of your units.")]})
    done = _already_sent(actor, client_key)
    if done is not None:
        return done.thread
    now = timezone.now()
    try:
        with transaction.atomic():
            thread = Thread.objects.create(member=member, unit=unit, subject=subject.strip(), created_at=now,
                                           last_post_at=now)
            Post.objects.create(thread=thread, author=actor, text=text.strip(), client_key=client_key,
                                by_member=True, created_at=now)
            audit.record("handbook.asked", actor=actor, obj=thread, unit_path=unit.path)
    except IntegrityError:
        done = _already_sent(actor, client_key)  # the same message replayed twice at once
        if done is None:
            raise
        return done.thread
    transaction.on_commit(lambda: _tell_unit(thread.pk))
    return thread


def _require_answer(actor: Any, thread: Thread) -> None:
    """Officers who see the unit read its threads; those who may answer (not auditors) write."""
    if not policy.can(actor, Perm.MEMBERS_VIEW, thread.unit.path):
        raise NotFound("thread")
    if not policy.can(actor, Perm.HANDBOOK_ANSWER, thread.unit.path):
        raise PermissionDenied(_("You may read this conversation but not answer it."))


def post(thread: Thread, *, actor: Any, text: str, client_key: str = "") -> Post:
    """Add a message to an open thread: the member following up, or an officer answering."""
    by_member = getattr(actor, "member_id", None) == thread.member_id
    if not by_member:
        _require_answer(actor, thread)
    done = _already_sent(actor, client_key)
    if done is not None:
        return done
    now = timezone.now()
    try:
        with transaction.atomic():
            locked = Thread.objects.select_for_update().get(pk=thread.pk)
            if locked.closed_at is not None:
                raise DomainError(_("This conversation is closed."))
            message = Post.objects.create(thread=locked, author=actor, text=text.strip(), client_key=client_key,
                                          by_member=by_member, created_at=now)
            locked.last_post_at, locked.awaiting_reply = now, by_member
            locked.save(update_fields=["last_post_at", "awaiting_reply"])
            audit.record("handbook.member_wrote" if by_member else "handbook.answered", actor=actor, obj=locked,
                         unit_path=thread.unit.path)
    except IntegrityError:
        done = _already_sent(actor, client_key)
        if done is None:
            raise
        return done
    if by_member:
        transaction.on_commit(lambda: _tell_unit(thread.pk, post_id=message.pk))
    else:
        transaction.on_commit(lambda: _tell_member(thread.pk, message.pk))
    return message


def close(thread: Thread, *, actor: Any) -> Thread:
    """An officer of the unit closes the conversation (the member can no longer write in it)."""
    _require_answer(actor, thread)
    with transaction.atomic():
        locked = Thread.objects.select_for_update().get(pk=thread.pk)
        if locked.closed_at is None:
            locked.closed_at, locked.awaiting_reply = timezone.now(), False
            locked.save(update_fields=["closed_at", "awaiting_reply"])
            audit.record("handbook.closed", actor=actor, obj=locked, unit_path=thread.unit.path)
    return locked


def _already_sent(actor: Any, client_key: str) -> Post | None:
    if not client_key:
        return None
    return Post.objects.select_related("thread").filter(author=actor, client_key=client_key).first()


def _tell_member(thread_id: int, post_id: int) -> None:
    thread = Thread.objects.select_related("unit").get(pk=thread_id)
    users = get_user_model().objects.filter(member_id=thread.member_id, is_active=True).values_list("pk", flat=True)
    title = _("%(unit)s answered: %(subject)s") % {"unit": thread.unit.name, "subject": thread.subject}
    post = Post.objects.get(pk=post_id)
    notify(list(users), [Message(Kind.REPLY, title, post.text[:300], f"/handbook/threads/{thread.pk}/",
                                 f"handbook-reply:{post_id}")])


def _tell_unit(thread_id: int, *, post_id: int | None = None) -> None:
    """The officers nearest to the addressed unit hear of a new question (or a follow-up)."""
    thread = Thread.objects.select_related("unit", "member").get(pk=thread_id)
    asker = set(get_user_model().objects.filter(member_id=thread.member_id).values_list("pk", flat=True))
    user_ids = [u for ids in holders(thread.unit.path, Perm.MEMBERS_VIEW).values() for u in ids if u not in asker]
    title = _("%(member)s asks %(unit)s: %(subject)s") % {
        "member": thread.member.full_name, "unit": thread.unit.name, "subject": thread.subject}
    key = f"handbook-question:{thread.pk}" + (f":{post_id}" if post_id else "")
    notify(user_ids, [Message(Kind.QUESTION, title, "", f"/handbook-threads/{thread.pk}/", key)])
