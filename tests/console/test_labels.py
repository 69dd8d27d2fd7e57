"""Every audit action the code records has a human label on the audit page."""

from __future__ import annotations

import re
from pathlib import Path

from chibo.admissions.stages import Stage
from chibo.console.labels import AUDIT_ACTIONS

SRC = Path(__file__).resolve().parents[2] / "src" / "chibo"


def test_every_recorded_audit_action_has_a_label():
    recorded = set()
    for path in SRC.rglob("*.py"):
        recorded |= set(re.findall(r'audit\.record\(\s*"([a-z_]+\.[a-z_]+)"', path.read_text()))
        recorded |= set(re.findall(r'"(handbook\.[a-z_]+)" if', path.read_text()))
    recorded |= {f"admissions.{s.value}" for s in Stage}
    missing = sorted(a for a in recorded if a not in AUDIT_ACTIONS)
    assert missing == []
