"""Party dues (Regulation 01-QĐ/TW, DOMAIN.md §8): the ledger."""

from __future__ import annotations
