"""What every console view shares: domain refusals as HTTP answers, scope checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404, HttpRequest, HttpResponse

from chibo.accounts import policy
from chibo.core.errors import NotFound, PermissionDenied


def console_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log-in required; ``NotFound`` becomes 404 and ``PermissionDenied`` 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(str(exc)) from exc
        except PermissionDenied as exc:
            raise Forbidden(str(exc)) from exc

    return login_required(wrapper)


def require_anywhere(user, perm: str) -> None:
    """For pages that are not about one object: 403 unless the user holds ``perm`` somewhere."""
    if not policy.has_perm_anywhere(user, perm):
        raise Forbidden(perm)


def require_on(user, perm: str, path: str) -> None:
    """The user sees the object (already checked) but may they do ``perm`` to it? Else 403."""
    if not policy.can(user, perm, path):
        raise Forbidden(perm)


def counts_of(unit) -> dict[str, int]:
    """The unit's tally as a dict (empty if the unit has none yet)."""
    try:
        return unit.tally.as_dict()
    except ObjectDoesNotExist:
        return {}


def is_htmx(request: HttpRequest, target: str | None = None) -> bool:
    if request.headers.get("HX-Request") != "true":
        return False
    return target is None or request.headers.get("HX-Target") == target


def attachment(data: bytes, content_type: str, filename: str) -> HttpResponse:
    """A file sent back as a download (the exports, the official forms)."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
