"""``python -m chibo token USERNAME``: issue (or revoke) an API bearer token."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from chibo.accounts import tokens
from chibo.accounts.models import ApiToken, User
from chibo.accounts.policy import SYSTEM
from chibo.core.errors import DomainError


def _positive_days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        days = 0
    if not 1 <= days <= 3650:
        raise CommandError("--expires-days must be a whole number of days from 1 to 3650.")
    return days


class Command(BaseCommand):
    help = ("Create an API bearer token for a user and print it once (it carries exactly the "
            "user's role grants), or revoke one with --revoke PREFIX.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="a label to tell the user's tokens apart")
        parser.add_argument("--expires-days", default=None,
                            help="the token stops working after this many days (default: never)")
        parser.add_argument("--revoke", metavar="PREFIX", default=None,
                            help="revoke the user's token(s) starting with PREFIX instead")

    def handle(self, *args, username: str, name: str, expires_days: str | None,
               revoke: str | None, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if revoke is not None:
            self._revoke(user, revoke)
            return
        expires_at = None
        if expires_days is not None:
            expires_at = timezone.now() + dt.timedelta(days=_positive_days(expires_days))
        try:
            _token, raw = tokens.create_token(user, name=name, actor=SYSTEM, expires_at=expires_at)
        except DomainError as exc:
            raise CommandError(f"{exc.message} {exc.field_errors}") from exc
        self.stdout.write(raw)
        self.stderr.write("Store this token now: it is not shown again.")

    def _revoke(self, user: User, prefix: str) -> None:
        prefix = prefix.removeprefix(tokens.SCHEME)[: tokens.PREFIX_LENGTH]
        found = list(ApiToken.objects.filter(user=user, prefix=prefix, revoked_at__isnull=True))
        if not prefix or not found:
            raise CommandError(f"{user.username} has no active token starting with {prefix!r}.")
        for token in found:
            tokens.revoke(token, actor=SYSTEM)
        self.stdout.write(f"Revoked {len(found)} token(s) of {user.username}.")
