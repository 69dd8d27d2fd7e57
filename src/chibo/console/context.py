from django.conf import settings
from django.utils.functional import SimpleLazyObject

from chibo.accounts import policy
from chibo.accounts.roles import Perm


def _nav(user) -> dict:
    """What the navigation bar shows this user (computed only when a page renders it)."""
    if not user.is_authenticated:
        return {}
    from chibo.notifications.services import unread_count
    from chibo.org.queries import scope_roots

    return {
        "scope": scope_roots(user),
        "units": policy.has_perm_anywhere(user, Perm.UNITS_VIEW),
        "audit": policy.has_perm_anywhere(user, Perm.AUDIT_VIEW),
        "imports": policy.has_perm_anywhere(user, Perm.MEMBERS_IMPORT),
        "own_member_id": user.member_id,
        "admissions": policy.has_perm_anywhere(user, Perm.ADMISSIONS_RECORD)
        or policy.has_perm_anywhere(user, Perm.ADMISSIONS_DECIDE),
        "inbox": policy.has_perm_anywhere(user, Perm.ADMISSIONS_DECIDE),
        "unread": unread_count(user),
    }


def console(request):
    user = getattr(request, "user", None)
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "nav": SimpleLazyObject(lambda: _nav(user)) if user is not None else {},
    }
