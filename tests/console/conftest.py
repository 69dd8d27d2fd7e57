from __future__ import annotations

import pytest

PERSONAS = ("admin", "province", "commune", "secretary", "member", "outsider")


def statuses(client, cast, url: str, method: str = "get", data: dict | None = None) -> dict[str, int]:
    """The status each persona gets for ``url`` (the persona matrices compare it with theirs)."""
    seen = {}
    for persona in PERSONAS:
        client.force_login(getattr(cast, persona))
        seen[persona] = getattr(client, method)(url, data or {}).status_code
    return seen



@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Argon2 is deliberately slow; the cast's passwords need no strength here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
