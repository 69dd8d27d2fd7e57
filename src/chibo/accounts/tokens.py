"""API bearer tokens: created once, stored as a hash, carrying exactly their user's grants.

The plaintext is shown only by :func:`create_token`; the database keeps its SHA-256 (a lookup
by an indexed unique column) and a short prefix that lets a person tell their tokens apart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.accounts import policy
from chibo.accounts.models import ApiToken, User
from chibo.accounts.roles import Perm
from chibo.core import audit
from chibo.core.errors import DomainError, PermissionDenied

SCHEME = "chibo_"
PREFIX_LENGTH = 8
MAX_TOKEN_LENGTH = 128
TOUCH_INTERVAL = dt.timedelta(minutes=5)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def _may_manage(actor: Any, user: User) -> bool:
    """The system, the user themself, or an administrator whose scope covers all of the user's places."""
    if actor is policy.SYSTEM or getattr(actor, "pk", None) == user.pk:
        return True
    scope = policy.scope_for(actor, Perm.ACCOUNTS_MANAGE)
    places = [path for _role, path in policy.roles_of(user)]
    if user.member is not None:
        places.append(user.member.unit_path)
    return scope.everything or (bool(places) and all(scope.covers(p) for p in places))


@transaction.atomic
def create_token(user: User, *, name: str, actor: Any,
                 expires_at: dt.datetime | None = None) -> tuple[ApiToken, str]:
    """Issue a token for ``user``; returns the row and the plaintext (shown this once only)."""
    if not _may_manage(actor, user):
        raise PermissionDenied(_("You may not create API tokens for this user."))
    name = (name or "").strip()
    errors: dict[str, list] = {}
    if len(name) > 80:
        errors["name"] = [_("A token name has at most 80 characters.")]
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = [_("The expiry must be in the future.")]
    if not user.is_active:
        errors["user"] = [_("This account is disabled.")]
    if errors:
        raise DomainError(_("The token was not created."), errors)
    secret = secrets.token_urlsafe(32)
    raw = SCHEME + secret
    token = ApiToken.objects.create(user=user, name=name, prefix=secret[:PREFIX_LENGTH],
                                    key_hash=_digest(raw), expires_at=expires_at)
    audit.record("accounts.token_created", actor=actor, obj=token, payload={
        "user": user.username, "name": name, "prefix": token.prefix,
        "expires_at": expires_at.isoformat() if expires_at else None,
    })
    return token, raw


def verify_token(raw: str | None) -> User | None:
    """The active user a valid token belongs to, or None (unknown, expired, revoked, disabled)."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH or not raw.startswith(SCHEME):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_digest(raw)).first()
    now = timezone.now()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def revoke(token: ApiToken, *, actor: Any) -> ApiToken:
    """Stop ``token`` working from now on (idempotent)."""
    if not _may_manage(actor, token.user):
        raise PermissionDenied(_("You may not revoke this API token."))
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record("accounts.token_revoked", actor=actor, obj=token,
                     payload={"user": token.user.username, "prefix": token.prefix})
    return token
