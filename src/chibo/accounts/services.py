"""Writes to accounts: two-step verification devices."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from chibo.core import audit


def totp_device(user: Any) -> tuple[TOTPDevice, bool]:
    """The user's confirmed TOTP device, or a pending one to set up (created once): (device, confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        return device, True
    device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=False, defaults={"name": "Chibo"})
    return device, False


@transaction.atomic
def verify_totp(user: Any, device: TOTPDevice, token: str) -> bool:
    """Check a 6-digit code; the first good code confirms a pending device (audited)."""
    if not device.verify_token(token.strip()):
        return False
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit.record("accounts.two_factor_enabled", actor=user, obj=user)
    return True
