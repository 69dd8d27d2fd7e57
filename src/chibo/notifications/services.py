"""Sending notifications: to the in-app inbox always, and by e-mail as each user chose.

Domain apps decide who hears of what (``admissions.reminders``); this module delivers. A
notification has a ``key`` that makes it unique per user, so a job run twice sends nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from chibo.accounts.models import RoleGrant
from chibo.accounts.roles import ROLE_PERMISSIONS
from chibo.notifications.models import EmailMode, Notification, Preference
from chibo.org import paths


@dataclass(frozen=True)
class Message:
    kind: str
    title: str
    body: str
    link: str
    key: str


def holders(path: str, perm: str, *, nearest: bool = True) -> dict[str, list[int]]:
    """User ids holding ``perm`` on the unit at ``path`` or above, by the path of their grant.

    With ``nearest``, only the holders at the deepest such unit: a reminder for a cell's case
    goes to its commune committee, not to every province and national officer above it.
    """
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if perm in perms]
    rows = (RoleGrant.objects.active().filter(role__in=roles, unit__path__in=paths.ancestors(path),
                                              unit__closed_on__isnull=True, user__is_active=True)
            .values_list("unit__path", "user_id"))
    found: dict[str, list[int]] = defaultdict(list)
    for unit_path, user_id in rows:
        found[unit_path].append(user_id)
    if nearest and found:
        deepest = max(found, key=len)
        return {deepest: found[deepest]}
    return dict(found)


def notify(user_ids: Iterable[int], messages: Iterable[Message]) -> int:
    """Put ``messages`` in the inboxes of ``user_ids`` (each user's muted kinds left out);
    returns how many were new. E-mails go out after the commit."""
    user_ids = set(user_ids)
    muted = dict(Preference.objects.filter(user_id__in=user_ids).values_list("user_id", "muted"))
    rows = [Notification(user_id=u, kind=m.kind, title=m.title[:255], body=m.body, link=m.link, key=m.key[:120])
            for m in messages for u in user_ids if m.kind not in (muted.get(u) or [])]
    if not rows:
        return 0
    before = Notification.objects.filter(user_id__in=user_ids).count()
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    added = Notification.objects.filter(user_id__in=user_ids).count() - before
    if added:
        transaction.on_commit(queue_email)
    return added


def queue_email() -> None:
    """Have the worker e-mail what was just written (one e-mail each, for those who chose it)."""
    from chibo.notifications.tasks import send_pending_email

    send_pending_email()


def unread_count(user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when ``ids`` is None)."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


def preference(user: Any) -> Preference:
    return Preference.objects.filter(user=user).first() or Preference(user=user)


def save_preference(user: Any, *, email: str, muted: list[str]) -> Preference:
    pref, _created = Preference.objects.update_or_create(user=user, defaults={"email": email, "muted": muted})
    return pref


def send_email(*, digest: bool) -> int:
    """E-mail the notifications not yet e-mailed: one message each to users who chose that, or one
    digest per user who chose the digest (``digest=True``, the daily job). Returns messages sent.

    Two workers may run it at once (every notification queues a job): on PostgreSQL the pending
    rows are locked, the other run skips them, so nothing is e-mailed twice; a worker killed before
    the commit leaves them pending for the next run."""
    with transaction.atomic():
        return _send_email(digest=digest)


def _send_email(*, digest: bool) -> int:
    modes = dict(Preference.objects.values_list("user_id", "email"))
    default = EmailMode.DIGEST
    off = [u for u, mode in modes.items() if mode == EmailMode.OFF]
    # nothing to send to these: marked as done, so the pending rows stay few
    Notification.objects.filter(emailed_at__isnull=True).filter(
        Q(user__email="") | Q(user__is_active=False) | Q(user_id__in=off)).update(emailed_at=timezone.now())
    each = [u for u, mode in modes.items() if mode == EmailMode.EACH]
    mine = ~Q(user_id__in=each + off) if digest else Q(user_id__in=each)  # only this run's rows are locked
    pending = (Notification.objects.filter(mine, emailed_at__isnull=True, user__is_active=True)
               .exclude(user__email="").select_related("user").order_by("user_id", "created_at")
               .select_for_update(skip_locked=True, of=("self",)))
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for n in pending:
        by_user[n.user_id].append(n)
    outgoing: list[EmailMessage] = []
    sent_ids: list[int] = []
    for user_id, items in by_user.items():
        mode = modes.get(user_id, default)
        if mode == EmailMode.OFF or (mode == EmailMode.DIGEST) != digest:
            continue
        outgoing += _messages(items, digest=digest)
        sent_ids += [n.pk for n in items]
    if outgoing:
        with get_connection() as connection:
            connection.send_messages(outgoing)
    Notification.objects.filter(pk__in=sent_ids).update(emailed_at=timezone.now())
    return len(outgoing)


def _absolute(link: str) -> str:
    return settings.CHIBO_BASE_URL.rstrip("/") + link if link.startswith("/") else link


def _messages(items: list[Notification], *, digest: bool) -> list[EmailMessage]:
    user = items[0].user
    with translation.override(getattr(user, "language", None) or settings.LANGUAGE_CODE):
        if not digest:
            return [EmailMessage(f"[Chibo] {n.title}", f"{n.body}\n\n{_absolute(n.link)}".strip(), to=[user.email])
                    for n in items]
        lines = [f"• {n.title}\n  {n.body}\n  {_absolute(n.link)}" for n in items]
        subject = _("[Chibo] %(n)d notifications today") % {"n": len(items)}
        return [EmailMessage(subject, "\n\n".join(lines), to=[user.email])]

