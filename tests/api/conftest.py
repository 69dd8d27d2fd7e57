"""API test helpers: a bearer token per persona of the cast, and a JSON client."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from django.test import Client

from chibo.accounts import tokens
from chibo.accounts.policy import SYSTEM

PERSONAS = ("admin", "province", "commune", "secretary", "member", "outsider")
BASE = "/api/v1"


class Api:
    """Calls the API as one persona (or anonymously) and decodes the JSON answer."""

    def __init__(self, raw_token: str | None, language: str = "en"):
        self.client = Client()
        self.headers = {"Accept-Language": language}
        if raw_token:
            self.headers["Authorization"] = f"Bearer {raw_token}"

    def _call(self, method: str, path: str, body=None, **params):
        kwargs = {"headers": self.headers}
        if body is not None:
            kwargs |= {"data": json.dumps(body), "content_type": "application/json"}
        elif params:
            kwargs["data"] = params
        response = getattr(self.client, method)(BASE + path, **kwargs)
        assert response["Content-Type"].startswith("application/json"), response.content[:200]
        return SimpleNamespace(status=response.status_code, json=response.json(), raw=response)

    def get(self, path: str, **params):
        return self._call("get", path, **params)

    def post(self, path: str, body):
        return self._call("post", path, body)

    def patch(self, path: str, body):
        return self._call("patch", path, body)



@pytest.fixture
def api(cast):
    """``api.admin.get("/units/")`` …; ``api.anonymous`` sends no token."""
    raw = {p: tokens.create_token(getattr(cast, p), name="test", actor=SYSTEM)[1] for p in PERSONAS}
    calls = {p: Api(raw[p]) for p in PERSONAS}
    return SimpleNamespace(**calls, anonymous=Api(None), raw=raw)
