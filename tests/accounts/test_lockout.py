"""Log-in lockout: an account after a few failures, an address after more; the owner of a locked
account still logs in with their password and authenticator code; the address behind the proxy."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

PASSWORD = "correct horse battery"
ACCOUNT_LOCKED = "log-in to this account is blocked for 15 minutes"
ADDRESS_LOCKED = "Log-in from your network is blocked for 15 minutes"
NOT_RIGHT = "The user name, password or code was not right."


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.CHIBO_LOGIN_ADDRESS_FAILURE_LIMIT = 5


def _log_in(client: Client, username: str, password: str, **extra: str):
    return client.post(reverse("console:login"), {"username": username, "password": password, **extra})


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def _lockout_form(response):
    """The form of the lockout page (the log-in page was rendered first, then replaced)."""
    return next(context for context in response.context if "by_address" in context)["form"]


def _failures_from(address: str) -> int:
    return AccessAttempt.objects.filter(ip_address=address).aggregate(n=Sum("failures_since_start"))["n"] or 0


def test_an_account_is_locked_after_its_limit_and_the_page_says_so(cast, client):
    answers = [_log_in(client, "province", "wrong").status_code for _ in range(3)]
    locked = _log_in(client, "province", PASSWORD)

    html = locked.content.decode()
    assert (answers, locked.status_code) == ([200, 200, 429], 429)
    assert ACCOUNT_LOCKED in html and ADDRESS_LOCKED not in html
    assert _lockout_form(locked).initial == {"username": "province"}
    assert list(_lockout_form(locked).fields) == ["username", "password", "otp_token"]


def test_a_locked_account_does_not_stop_the_others_at_the_same_address(cast, client):
    for _ in range(3):
        _log_in(client, "province", "wrong")

    response = _log_in(Client(), "commune", PASSWORD)

    assert (response.status_code, response["Location"]) == (302, reverse("console:home"))


def test_an_address_is_locked_after_its_higher_limit_whatever_the_user_names(cast, client):
    answers = [_log_in(client, name, "wrong").status_code for name in ("a", "b", "c", "d", "province")]
    here = _log_in(Client(), "commune", PASSWORD)
    elsewhere = _log_in(Client(REMOTE_ADDR="10.0.0.2"), "commune", PASSWORD)

    assert answers == [200, 200, 200, 200, 429]
    assert here.status_code == 429 and ADDRESS_LOCKED in here.content.decode()
    assert _lockout_form(here) is None
    assert (elsewhere.status_code, elsewhere["Location"]) == (302, reverse("console:home"))


def test_a_log_in_clears_the_accounts_failures_but_not_its_addresss(cast, client):
    for name in ("a", "b", "province", "province"):
        _log_in(client, name, "wrong")

    _log_in(client, "province", PASSWORD)

    assert AccessAttempt.objects.filter(username="province").count() == 0
    assert _failures_from("127.0.0.1") == 2


# --- the owner of a locked account ----------------------------------------------------------------


@pytest.fixture
def locked_with_device(cast, client, settings):
    settings.REQUIRE_STAFF_2FA = True
    device = TOTPDevice.objects.create(user=cast.province, name="Chibo", confirmed=True)
    for _ in range(3):
        _log_in(client, "province", "wrong")
    return device


def test_the_owner_logs_in_with_password_and_code_despite_the_lock(cast, client, locked_with_device):
    response = _log_in(client, "province", PASSWORD, otp_token=_code(locked_with_device))

    assert (response.status_code, response["Location"]) == (302, reverse("console:home"))
    assert client.get(reverse("console:tree")).status_code == 200  # the code counted as the second step
    assert AccessAttempt.objects.filter(username="province").count() == 0


@pytest.mark.parametrize("which", ["wrong code", "wrong password", "no code"])
def test_the_lock_holds_without_both_the_password_and_the_code(cast, client, locked_with_device, which):
    code = {"wrong code": "000000", "wrong password": _code(locked_with_device), "no code": ""}[which]
    password = "wrong" if which == "wrong password" else PASSWORD

    response = _log_in(client, "province", password, otp_token=code)

    locked_with_device.refresh_from_db()
    assert response.status_code == 429 and ACCOUNT_LOCKED in response.content.decode()
    assert (NOT_RIGHT in response.content.decode()) is (which != "no code")
    assert locked_with_device.last_t == (-1 if which == "wrong password" else locked_with_device.last_t)
    assert client.get(reverse("console:tree"))["Location"].startswith(reverse("console:login"))


def test_the_code_does_not_open_an_address_lock(cast, client, settings):
    device = TOTPDevice.objects.create(user=cast.province, name="Chibo", confirmed=True)
    for name in ("a", "b", "c", "d", "e"):
        _log_in(client, name, "wrong")

    response = _log_in(client, "province", PASSWORD, otp_token=_code(device))

    assert response.status_code == 429 and ADDRESS_LOCKED in response.content.decode()


# --- the address counted -------------------------------------------------------------------------


def _settings_with(**env: str) -> dict:
    """Settings as ``chibo.settings`` computes them from the environment (a fresh process)."""
    names = ["AXES_IPWARE_META_PRECEDENCE_ORDER", "AXES_IPWARE_PROXY_COUNT", "IPWARE_STRICT"]
    script = ("import json; from django.conf import settings as s; "
              f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          env=os.environ | {"DJANGO_SETTINGS_MODULE": "chibo.settings", **env})
    return json.loads(done.stdout)


@pytest.mark.parametrize(("behind_proxy", "recorded"), [("0", "127.0.0.1"), ("1", "203.0.113.9")])
def test_the_address_comes_from_x_forwarded_for_only_behind_the_proxy(cast, settings, behind_proxy, recorded):
    for name, value in _settings_with(CHIBO_BEHIND_TLS_PROXY=behind_proxy).items():
        setattr(settings, name, value)
    client = Client(HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9")  # a forged entry, then the proxy's

    _log_in(client, "province", "wrong")

    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [recorded]


def test_behind_the_proxy_each_client_address_has_its_own_count(cast, settings):
    for name, value in _settings_with(CHIBO_BEHIND_TLS_PROXY="1").items():
        setattr(settings, name, value)
    office = Client(HTTP_X_FORWARDED_FOR="203.0.113.9")

    answers = [_log_in(office, name, "wrong").status_code for name in ("a", "b", "c", "d", "e")]
    other = _log_in(Client(HTTP_X_FORWARDED_FOR="203.0.113.10"), "commune", PASSWORD)

    assert (answers, other.status_code) == ([200, 200, 200, 200, 429], 302)


@pytest.mark.parametrize(("env", "message"), [
    ({"CHIBO_LOGIN_ADDRESS_FAILURE_LIMIT": "5"},
     "CHIBO_LOGIN_ADDRESS_FAILURE_LIMIT=5 must be higher than CHIBO_LOGIN_FAILURE_LIMIT=5: an office's officers "
     "share one address."),
    ({"CHIBO_LOGIN_ADDRESS_FAILURE_LIMIT": "lots"},
     "CHIBO_LOGIN_ADDRESS_FAILURE_LIMIT='lots': use a whole number of at least 1."),
    ({"CHIBO_LOGIN_FAILURE_LIMIT": "0"}, "CHIBO_LOGIN_FAILURE_LIMIT='0': use a whole number of at least 1."),
])
def test_wrong_limits_stop_start_up_with_a_message(env, message):
    done = subprocess.run([sys.executable, "-c", "from django.conf import settings; settings.SECRET_KEY"],
                          capture_output=True, text=True,
                          env=os.environ | {"DJANGO_SETTINGS_MODULE": "chibo.settings", **env})

    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == f"django.core.exceptions.ImproperlyConfigured: {message}"
