"""Domain errors: raised by services, turned into messages by the console and JSON by the API."""

from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    """A rule says no. ``field_errors`` maps field names to messages (translated)."""

    def __init__(self, message: str | Promise = "", field_errors: dict[str, list] | None = None):
        self.message = message
        self.field_errors = field_errors or {}
        super().__init__(str(message) or repr(self.field_errors))

    def describe(self) -> str:
        """The message followed by every field's errors: the whole cause, for a log or a command line."""
        fields = "; ".join(f"{name}: {' '.join(str(e) for e in errors)}" for name, errors in self.field_errors.items())
        return " ".join(part for part in (str(self.message), f"({fields})" if fields else "") if part)


class PermissionDenied(DomainError):
    """The actor may see the object but not do this to it (HTTP 403)."""


class NotFound(DomainError):
    """Missing, or outside the actor's scope (HTTP 404): the two are never told apart."""
