"""Log-in lockout (django-axes' handler): per account and per address, each with its own limit.

An account is locked after ``AXES_FAILURE_LIMIT`` failed log-ins (``CHIBO_LOGIN_FAILURE_LIMIT``), an
address after the higher ``CHIBO_LOGIN_ADDRESS_FAILURE_LIMIT`` (many officers share one office
address), both for the cool-off time after the last failure. Anyone who knows a user name can lock
that account, so an account lock does not stop its owner who also gives the current code of their
confirmed authenticator with the right password, in the same request (decision 0006); an address
lock stops everyone at that address.
"""

from __future__ import annotations

import re
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q, Sum
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from chibo.accounts import services
from chibo.accounts.models import User

CODE_FIELD = "otp_token"  # the lockout page's code field, posted to the log-in page with the password
_CODE = re.compile(r"\s*[0-9]{6}\s*")
ACCOUNT, ADDRESS = "account", "address"


def failures(request: HttpRequest, credentials: dict | None = None) -> tuple[int, int]:
    """Failed log-ins within the cool-off time: (of this account, from this address); one query."""
    username = get_client_username(request, credentials)
    of_account = Q(username=username) if username else Q(pk__in=[])
    from_address = Q(ip_address=request.axes_ip_address)  # type: ignore[attr-defined]
    counts = AccessAttempt.objects.filter(of_account | from_address,
                                          attempt_time__gte=get_cool_off_threshold(request)).aggregate(
        account=Sum("failures_since_start", filter=of_account),
        address=Sum("failures_since_start", filter=from_address))
    return counts["account"] or 0, counts["address"] or 0


def lock(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """Which lock holds this log-in, ``ADDRESS`` or ``ACCOUNT``, if any (ignoring the second factor)."""
    account, address = failures(request, credentials)
    if address >= settings.CHIBO_LOGIN_ADDRESS_FAILURE_LIMIT:
        return ADDRESS
    return ACCOUNT if account >= settings.AXES_FAILURE_LIMIT else None


def second_factor_device(request: HttpRequest, user: Any) -> TOTPDevice | None:
    """The user's confirmed authenticator when the request carries its current code (checked once:
    a code is good for one use)."""
    if not hasattr(request, "_chibo_second_factor"):
        code = request.POST.get(CODE_FIELD, "")
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() if _CODE.fullmatch(code) else None
        passed = device is not None and services.verify_totp(user, device, code)
        request._chibo_second_factor = device if passed else None  # type: ignore[attr-defined]
    return request._chibo_second_factor  # type: ignore[attr-defined]


def _owner_passes_second_factor(request: HttpRequest, credentials: dict | None) -> bool:
    """The right password and the current code, checked in that order, so that only someone who
    knows the password reaches the authenticator's own throttling."""
    if not _CODE.fullmatch(request.POST.get(CODE_FIELD, "")):
        return False
    user = User.objects.filter(username=get_client_username(request, credentials), is_active=True).first()
    password = (credentials or {}).get("password") or ""  # axes' credentials, whatever the form's field
    return user is not None and user.check_password(password) and second_factor_device(request, user) is not None


class LockoutHandler(AxesDatabaseHandler):
    """``AXES_HANDLER``: axes' database handler with the two limits and the second-factor pass."""

    def is_locked(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        held = lock(request, credentials)
        return held == ADDRESS or (held == ACCOUNT and not _owner_passes_second_factor(request, credentials))

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """Axes compares this one number with ``AXES_FAILURE_LIMIT`` after a failure: the account's
        count, or the address's shifted so that it reaches that limit at the address limit."""
        account, address = failures(request, credentials)
        return max(account, address - settings.CHIBO_LOGIN_ADDRESS_FAILURE_LIMIT + settings.AXES_FAILURE_LIMIT)

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """A log-in clears its account's failures, not its address's: else anyone with an account of
        their own could clear their address's count between guesses at others'."""
        username = get_client_username(request, credentials)
        count, _kinds = AccessAttempt.objects.filter(username=username).delete() if username else (0, {})
        return count
