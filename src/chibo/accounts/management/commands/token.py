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
                            help="revoke the user's token with this prefix instead: as printed (chibo_ and the "
                                 "next 8 characters, or the whole token) or as stored (the 8 characters)")

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parse_args = parser.parse_args

        def parse_keeping_the_prefix(args, namespace=None):
            # a stored prefix may begin with "-" (1 token in 64): it is still the value of --revoke
            args = list(args)
            if "--revoke" in args[:-1]:
                at = args.index("--revoke")
                args[at:at + 2] = [f"--revoke={args[at + 1]}"]
            return parse_args(args, namespace)

        parser.parse_args = parse_keeping_the_prefix  # type: ignore[method-assign]
        return parser

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

    def _revoke(self, user: User, given: str) -> None:
        prefix = given.strip().removeprefix(tokens.SCHEME)[: tokens.PREFIX_LENGTH]
        found = list(ApiToken.objects.filter(user=user, prefix=prefix, revoked_at__isnull=True))
        if len(prefix) < tokens.PREFIX_LENGTH or not found:
            raise CommandError(f"{user.username} has no active token starting with {given!r}: give the prefix as "
                               f"printed ({tokens.SCHEME} and the next {tokens.PREFIX_LENGTH} characters) or as "
                               f"stored (the {tokens.PREFIX_LENGTH} characters).")
        for token in found:
            tokens.revoke(token, actor=SYSTEM)
        self.stdout.write(f"Revoked {len(found)} token(s) of {user.username}.")
