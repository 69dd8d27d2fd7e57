"""The access checks every write of the review starts with (one place for the quality services,
the "4 good" services and the residence comments)."""

from __future__ import annotations

from typing import Any

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core.errors import NotFound, PermissionDenied


def acting_user(actor: Any) -> Any:
    """The user to record as the author (None for the system actor of jobs and imports)."""
    return actor if getattr(actor, "is_authenticated", False) else None


def require(actor: Any, perm: str, path: str, message: str, *, what: str = "review") -> None:
    """Not found outside the actor's view; forbidden (with ``message``) where they may only look."""
    if not policy.can(actor, Perm.UNITS_VIEW, path):
        raise NotFound(what)
    if not policy.can(actor, perm, path):
        raise PermissionDenied(message)
