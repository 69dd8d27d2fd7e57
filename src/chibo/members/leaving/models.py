"""leaving: the models (FKs by name: this module is imported at the end of members.models)."""

from __future__ import annotations

__all__: list[str] = []
