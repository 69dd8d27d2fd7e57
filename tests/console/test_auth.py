"""Log in, lockout, log out, two-step verification, language switch, security headers."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from chibo.accounts.middleware import CSP
from chibo.core.models import AuditEntry

PASSWORD = "correct horse battery"


def test_log_in_with_the_right_password_goes_home(cast, client):
    response = client.post(reverse("console:login"), {"username": "province", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("console:home")


def test_wrong_password_shows_the_form_again(cast, client):
    response = client.post(reverse("console:login"), {"username": "province", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password." in response.content.decode()


def test_repeated_failures_lock_the_account(cast, client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("console:login"), {"username": "province", "password": "wrong"})
    response = client.post(reverse("console:login"), {"username": "province", "password": PASSWORD})
    html = response.content.decode()
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in html
    assert "blocked for 15 minutes" in html
    assert "ask an administrator" in html


def test_log_out_is_post_only(cast, login):
    client = login("province")
    assert client.get(reverse("console:logout")).status_code == 405
    response = client.post(reverse("console:logout"))
    assert response.status_code == 302
    assert client.get(reverse("console:tree")).status_code == 302


def test_pages_send_a_strict_content_security_policy(cast, login):
    response = login("province").get(reverse("console:unit", args=[cast.tree.p.pk]))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    html = response.content.decode()
    assert "<script>" not in html and " style=" not in html


def test_the_admin_login_page_sends_the_consoles_content_security_policy(cast, client, login):
    console = login("province").get(reverse("console:unit", args=[cast.tree.p.pk]))
    response = client.get("/admin/login/")
    assert (response.status_code, response["Content-Security-Policy"]) == (200, console["Content-Security-Policy"])
    assert console["Content-Security-Policy"] == CSP


def test_every_admin_page_sends_the_content_security_policy(cast, client):
    cast.admin.is_staff = cast.admin.is_superuser = True
    cast.admin.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(cast.admin)
    response = client.get("/admin/")
    assert (response.status_code, response["Content-Security-Policy"]) == (200, CSP)


# --- two-step verification -----------------------------------------------------------------------


@pytest.fixture
def require_2fa(settings):
    settings.REQUIRE_STAFF_2FA = True


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def test_staff_without_second_step_are_sent_to_set_it_up(cast, login, require_2fa):
    client = login("province")
    response = client.get(reverse("console:tree"))
    assert response["Location"] == reverse("console:two_factor")
    page = client.get(reverse("console:two_factor"))
    assert page.status_code == 200
    assert page.context["qr"].startswith("data:image/svg+xml;base64,")
    assert page.context["confirmed"] is False


def test_a_plain_member_needs_no_second_step(cast, login, require_2fa):
    response = login("member").get(reverse("console:member", args=[cast.plain_m.pk]))
    assert response.status_code == 200


def test_a_secretary_without_the_second_step_reads_their_own_handbook_but_not_the_console(cast, login,
                                                                                            require_2fa):
    client = login("secretary")
    assert cast.secretary.member_id is not None
    assert client.get(reverse("console:tree"))["Location"] == reverse("console:two_factor")
    assert client.get(reverse("handbook:home")).status_code == 200  # the handbook uses no role


def test_a_correct_code_confirms_the_device_and_opens_the_console(cast, login, require_2fa):
    client = login("province")
    client.get(reverse("console:two_factor"))
    device = TOTPDevice.objects.get(user=cast.province)
    response = client.post(reverse("console:two_factor"), {"token": _code(device)})
    assert response["Location"] == reverse("console:home")
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get(reverse("console:tree")).status_code == 200
    assert AuditEntry.objects.filter(action="accounts.two_factor_enabled").count() == 1


def test_a_wrong_code_is_refused(cast, login, require_2fa):
    client = login("province")
    client.get(reverse("console:two_factor"))
    response = client.post(reverse("console:two_factor"), {"token": "000000"})
    assert response.context["form"].errors["token"] == ["Enter the 6 digits shown by your authenticator app."]
    assert TOTPDevice.objects.get(user=cast.province).confirmed is False
    assert client.get(reverse("console:tree"))["Location"] == reverse("console:two_factor")


def test_a_confirmed_device_asks_only_for_the_code(cast, login, require_2fa):
    TOTPDevice.objects.create(user=cast.province, name="Chibo", confirmed=True)
    page = login("province").get(reverse("console:two_factor"))
    assert page.context["confirmed"] is True
    assert "qr" not in page.context


# --- language ------------------------------------------------------------------------------------


def test_language_switch_to_vietnamese_and_back(cast, login):
    client = login("province")
    url = reverse("console:unit", args=[cast.tree.p.pk])
    response = client.post(reverse("set_language"), {"language": "vi", "next": url})
    assert response["Location"] == url
    vi = client.get(url).content.decode()
    assert 'lang="vi"' in vi and "Đảng viên" in vi and "Party members" not in vi
    client.post(reverse("set_language"), {"language": "en", "next": url})
    en = client.get(url).content.decode()
    assert 'lang="en"' in en and "Party members" in en
