"""Bearer tokens (made by the ``token`` command), their expiry and revocation, and the session."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from chibo.accounts import tokens
from chibo.accounts.models import ApiToken
from chibo.core.errors import PermissionDenied
from chibo.core.models import AuditEntry
from tests.api.conftest import Api

UNAUTHENTICATED = {"detail": "Authentication required: send a valid bearer token.", "errors": {}}


def _token_command(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().strip()


def _province_root(cast) -> list[dict]:
    return [{"id": cast.tree.p.pk, "code": "P", "name": "Tỉnh Bắc Hà", "kind": "province", "sector": "mixed",
             "parent_id": cast.tree.root.pk, "path": cast.tree.p.path, "depth": 2, "opened_on": "2020-01-01",
             "closed_on": None, "successor_id": None, "member_count": 3}]


def test_token_command_prints_a_token_once_and_stores_only_its_hash(cast):
    raw, note = _token_command("province", "--name", "reporting")

    token = ApiToken.objects.get(user=cast.province)
    assert raw.startswith("chibo_") and len(raw) == 49
    assert note == "Store this token now: it is not shown again."
    assert (token.name, token.prefix, token.expires_at, token.revoked_at) == ("reporting", raw[6:14], None, None)
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    entry = AuditEntry.objects.get(action="accounts.token_created")
    assert entry.payload == {"user": "province", "name": "reporting", "prefix": raw[6:14], "expires_at": None}


def test_a_token_carries_exactly_its_users_grants(cast):
    raw, _note = _token_command("province")

    response = Api(raw).get("/units/")

    assert (response.status, response.json) == (200, _province_root(cast))
    assert Api(raw).get(f"/units/{cast.tree.q.pk}").status == 404


def test_token_command_expiry_and_use_are_recorded(cast):
    raw, _note = _token_command("province", "--expires-days", "30")
    token = ApiToken.objects.get(user=cast.province)
    assert token.expires_at.date() == (timezone.now() + dt.timedelta(days=30)).date()
    assert token.last_used_at is None

    assert Api(raw).get("/units/").status == 200

    token.refresh_from_db()
    assert token.last_used_at is not None


def test_token_command_refuses_unknown_users_and_bad_expiry(cast):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        _token_command("nobody")
    with pytest.raises(CommandError, match="from 1 to 3650"):
        _token_command("province", "--expires-days", "0")
    with pytest.raises(CommandError, match="from 1 to 3650"):
        _token_command("province", "--expires-days", "soon")
    assert ApiToken.objects.count() == 0


def test_an_expired_token_is_refused_with_401(cast):
    raw, _note = _token_command("province", "--expires-days", "1")
    ApiToken.objects.filter(user=cast.province).update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    response = Api(raw).get("/units/")

    assert (response.status, response.json) == (401, UNAUTHENTICATED)
    assert response.raw["WWW-Authenticate"] == 'Bearer realm="chibo"'


def test_a_revoked_token_is_refused_with_401(cast):
    raw, _note = _token_command("province")
    assert Api(raw).get("/units/").status == 200

    out, _err = _token_command("province", "--revoke", raw[:14])

    assert out == "Revoked 1 token(s) of province."
    assert ApiToken.objects.get(user=cast.province).revoked_at is not None
    assert AuditEntry.objects.filter(action="accounts.token_revoked").count() == 1
    assert (Api(raw).get("/units/").status, Api(raw).get("/units/").json) == (401, UNAUTHENTICATED)
    with pytest.raises(CommandError, match="has no active token starting with"):
        _token_command("province", "--revoke", raw[:14])


@pytest.mark.parametrize("spelling", ["printed", "whole token", "stored"])
def test_revoke_takes_the_prefix_as_printed_or_as_stored(cast, spelling):
    raw, _note = _token_command("province")
    given = {"printed": raw[:14], "whole token": raw, "stored": raw[6:14]}[spelling]

    out, _err = _token_command("province", "--revoke", given)

    assert out == "Revoked 1 token(s) of province."
    assert Api(raw).get("/units/").status == 401


@pytest.mark.parametrize("spelling", ["chibo_-Ab3xYz9", "-Ab3xYz9"])
def test_revoke_takes_a_stored_prefix_that_begins_with_a_dash(cast, spelling):
    token, raw = tokens.create_token(cast.province, name="", actor=cast.province)
    ApiToken.objects.filter(pk=token.pk).update(prefix="-Ab3xYz9")

    out, _err = _token_command("province", "--revoke", spelling)

    assert out == "Revoked 1 token(s) of province."
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_revoke_refuses_a_prefix_too_short_to_name_one_token(cast):
    raw, _note = _token_command("province")

    with pytest.raises(CommandError) as refused:
        _token_command("province", "--revoke", raw[:10])

    assert str(refused.value) == (
        f"province has no active token starting with {raw[:10]!r}: give the prefix as printed (chibo_ and the "
        "next 8 characters) or as stored (the 8 characters).")
    assert ApiToken.objects.get(user=cast.province).revoked_at is None


@pytest.mark.parametrize("header", [
    "Bearer chibo_unknownunknownunknownunknownunknownunkno",
    "Bearer not-a-chibo-token",
    "Bearer ",
    "Basic cHJvdmluY2U6ZGVtbw==",
    "chibo_abc",
])
def test_unknown_or_malformed_credentials_are_401(cast, header):
    response = Client().get("/api/v1/units/", headers={"Authorization": header})

    assert (response.status_code, response.json()) == (401, UNAUTHENTICATED)


def test_a_disabled_users_token_is_401(cast):
    raw, _note = _token_command("province")
    cast.province.is_active = False
    cast.province.save(update_fields=["is_active"])

    assert Api(raw).get("/units/").status == 401


def test_tokens_for_someone_else_need_the_accounts_right(cast):
    with pytest.raises(PermissionDenied):
        tokens.create_token(cast.secretary, name="", actor=cast.province)
    own, _raw = tokens.create_token(cast.province, name="mine", actor=cast.province)
    theirs, _raw = tokens.create_token(cast.secretary, name="ops", actor=cast.admin)
    with pytest.raises(PermissionDenied):
        tokens.revoke(theirs, actor=cast.province)
    assert (tokens.revoke(own, actor=cast.province).revoked_at is not None) is True


def test_the_console_session_works_and_needs_csrf_for_writes(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.province)
    body = json.dumps({"unit": cast.tree.k.pk, "full_name": "", "sex": "M", "birth_date": "1990-01-01",
                       "citizen_id": "1"})

    listed = client.get("/api/v1/units/")
    refused = client.post("/api/v1/members/", body, content_type="application/json")
    client.cookies["csrftoken"] = "a" * 32
    accepted = client.post("/api/v1/members/", body, content_type="application/json",
                           headers={"X-CSRFToken": "a" * 32})

    assert (listed.status_code, listed.json()) == (200, _province_root(cast))
    assert (refused.status_code, refused.json()) == (
        403, {"detail": "The CSRF check failed: send the X-CSRFToken header.", "errors": {}})
    assert accepted.status_code == 422  # through the CSRF check, stopped by validation
    assert set(accepted.json()["errors"]) == {"full_name", "citizen_id", "admission_date"}


def test_an_unverified_staff_session_is_not_let_in_when_two_factor_is_required(cast, settings):
    settings.REQUIRE_STAFF_2FA = True
    client = Client()
    client.force_login(cast.province)

    response = client.get("/api/v1/units/")

    assert (response.status_code, response.json()) == (401, UNAUTHENTICATED)


def test_a_bad_bearer_header_does_not_fall_back_to_the_session(cast):
    client = Client()
    client.force_login(cast.province)

    response = client.get("/api/v1/units/", headers={"Authorization": "Bearer chibo_wrong"})

    assert response.status_code == 401
