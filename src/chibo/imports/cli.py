"""Command-line helpers: a text progress bar and the ``--as USERNAME`` actor."""

from __future__ import annotations

import time
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, OutputWrapper
from django.utils.translation import gettext as _

from chibo.accounts.policy import SYSTEM


def actor_from(username: str | None) -> Any:
    """The user named ``username``, or the system actor when none is given."""
    if not username:
        return SYSTEM
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(_("No active user named %(name)r.") % {"name": username})
    return user


class ProgressBar:
    """``label [#####-----]  50%  10,000/20,000 rows  8,000 rows/s`` redrawn in place with \\r."""

    def __init__(self, stream: IO[str] | OutputWrapper, width: int = 30, every: float = 0.2):
        self.stream, self.width, self.every = stream, width, every
        self.label, self.started, self.drawn_at, self.active = "", time.monotonic(), 0.0, False

    def _write(self, text: str) -> None:
        if isinstance(self.stream, OutputWrapper):
            self.stream.write(text, style_func=lambda plain: plain, ending="")  # no colour codes
        else:
            self.stream.write(text)
        self.stream.flush()

    def phase(self, label: str) -> None:
        self.end()
        self.label, self.started, self.drawn_at = str(label), time.monotonic(), 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.drawn_at < self.every and done < total:
            return
        self.drawn_at = now
        share = min(done / total, 1.0) if total else 0.0
        filled = int(share * self.width)
        rate = done / max(now - self.started, 1e-6)
        bar = "#" * filled + "-" * (self.width - filled)
        self._write(f"\r{self.label} [{bar}] {share:4.0%}  {done:,}/{total:,} {_('rows')}  "
                    f"{rate:,.0f} {_('rows/s')}   ")
        self.active = True

    def end(self) -> None:
        if self.active:
            self._write("\n")
            self.active = False
