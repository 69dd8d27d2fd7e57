"""Log in, log out and two-step verification (TOTP) for staff."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from axes.helpers import get_client_username, get_cool_off
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from chibo.accounts import lockout
from chibo.accounts import services as accounts_services
from chibo.console.forms import LoginForm, TokenForm


class SecondFactorLoginForm(LoginForm):
    """The lockout page's form: a locked account's owner logs in with the password and the code."""

    otp_token = TokenForm.base_fields["token"]


class LoginView(auth_views.LoginView):
    template_name = "console/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        device = lockout.second_factor_device(self.request, form.get_user())
        if device is not None:  # the code came with the password (the lockout page): not asked again
            otp_login(self.request, device)
        return response


login = LoginView.as_view()
logout = auth_views.LogoutView.as_view(next_page="console:login")


def _qr_data_url(text: str) -> str:
    """The otpauth URL as a QR code in an SVG data URL (an <img>, allowed by the CSP)."""
    buffer = io.BytesIO()
    qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    device, confirmed = accounts_services.totp_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if accounts_services.verify_totp(request.user, device, form.cleaned_data["token"]):
            otp_login(request, device)
            return redirect(_next_url(request) or "console:home")
        form.add_error("token", form.fields["token"].error_messages["invalid"])
    context = {"form": form, "confirmed": confirmed, "next": _next_url(request)}
    if not confirmed:
        url = device.config_url
        context.update(qr=_qr_data_url(url), secret=base64.b32encode(device.bin_key).decode())
    return render(request, "console/two_factor.html", context)


def locked_out(request: HttpRequest, response: HttpResponse | None = None,
               credentials: dict | None = None) -> HttpResponse:
    """django-axes' answer to a locked log-in (``AXES_LOCKOUT_CALLABLE``, 429): an address lock stops
    everyone there; a locked account's owner may still log in with the authenticator's code."""
    by_address = lockout.lock(request, credentials) == lockout.ADDRESS
    cool_off = get_cool_off(request)
    username = get_client_username(request, credentials) or ""
    return render(request, "console/locked_out.html", {
        "by_address": by_address, "minutes": round(cool_off.total_seconds() / 60) if cool_off else 15,
        "form": None if by_address else SecondFactorLoginForm(request, initial={"username": username}),
        "tried_code": bool(request.POST.get(lockout.CODE_FIELD)), "next": _next_url(request),
    }, status=429)  # Too Many Requests, as axes answers
