"""Writing the audit log. Sensitive values are masked before they are stored."""

from __future__ import annotations

from typing import Any

from chibo.core.models import AuditEntry

SENSITIVE_KEYS = frozenset({"citizen_id", "phone", "religion", "ethnicity", "password"})


def mask_value(key: str, value: Any) -> Any:
    if key not in SENSITIVE_KEYS or value in (None, ""):
        return value
    text = str(value)
    return "•" * max(len(text) - 2, 1) + text[-2:] if key == "citizen_id" else "•••"


def masked(payload: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in payload.items():
        if isinstance(value, dict):
            out[key] = masked(value)
        else:
            out[key] = mask_value(key, value)
    return out


def record(
    action: str,
    *,
    actor: Any,
    obj: Any = None,
    unit_path: str = "",
    payload: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one audit line. ``actor`` is a user or None (system jobs)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=user,
        action=action,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        unit_path=unit_path,
        payload=masked(payload or {}),
    )
