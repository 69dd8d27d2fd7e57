"""Security headers and the two-factor requirement for staff roles."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)  # every page, the admin's too
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


# The handbook is exempt: it acts only as the member on their own record and uses no role, so a
# staff member reads their own handbook with their password, as every member does (and the check's
# role query is spared on the busiest pages; decision 0004).
EXEMPT_PREFIXES = ("/login", "/logout", "/2fa/", "/static/", "/i18n/", "/api/", "/favicon", "/handbook/")


class StaffTwoFactorMiddleware:
    """With ``REQUIRE_STAFF_2FA``, a staff user must pass a TOTP check before using the console."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.REQUIRE_STAFF_2FA and self._needs_check(request):
            return redirect("console:two_factor")
        return self.get_response(request)

    @staticmethod
    def _needs_check(request) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(EXEMPT_PREFIXES):
            return False
        from chibo.accounts.policy import is_staff_user

        return is_staff_user(user) and not user.is_verified()
