"""Who is calling: a bearer token, or the console's session (with its CSRF token).

Either way the request runs as the token's or session's user, with exactly that user's role
grants: the endpoints ask the access policy, never the credential.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from chibo.accounts import policy, tokens

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class BearerToken(HttpBearer):
    """``Authorization: Bearer chibo_…``. A header that is present but wrong is a 401 at once:
    it never falls back to the session."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get(self.header)
        if header is None:
            return None
        scheme, _sep, raw = header.partition(" ")
        user = tokens.verify_token(raw.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise AuthenticationError()
        return user

    def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover - see __call__
        return tokens.verify_token(token)


class ConsoleSession(APIKeyCookie):
    """The console's login session, so the console's own pages may call the API.

    Unsafe methods need the CSRF token (``X-CSRFToken`` header). A staff user who has not
    passed the two-factor check is not let in this way when two-factor is required.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if settings.REQUIRE_STAFF_2FA and policy.is_staff_user(user) \
                and not getattr(user, "is_verified", lambda: False)():
            return None
        if request.method not in SAFE_METHODS and check_csrf(request):
            raise HttpError(403, _("The CSRF check failed: send the X-CSRFToken header."))
        return user

    def _get_key(self, request: HttpRequest) -> str | None:  # pragma: no cover - see __call__
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:  # pragma: no cover
        return None
