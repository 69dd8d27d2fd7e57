"""(being built: issue 12)"""

from __future__ import annotations

from ninja import Router

router = Router(tags=["quality"])
