"""The JSON API at ``/api/v1/`` (OpenAPI at ``/api/v1/openapi.json``); see docs/api.md."""

from __future__ import annotations

from functools import wraps

from django.http import HttpResponseNotAllowed, JsonResponse
from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI

from chibo.api import errors
from chibo.api.admissions import router as admissions_router
from chibo.api.auth import BearerToken, ConsoleSession
from chibo.api.cards import router as cards_router
from chibo.api.dues import router as dues_router
from chibo.api.members import router as members_router
from chibo.api.notifications import router as notifications_router
from chibo.api.privacy import router as privacy_router
from chibo.api.quality import router as quality_router
from chibo.api.transfers import router as transfers_router
from chibo.api.units import router as units_router


def _json_405(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = errors.json_error(405)
            response["Allow"] = allowed
        return response

    return wrapped


@csrf_exempt
def _no_such_endpoint(request, rest=""):
    return errors.json_error(404)


def _index(request, **kwargs):
    return JsonResponse({"title": api.title, "version": api.version,
                         "openapi": request.build_absolute_uri("openapi.json"),
                         "docs": request.build_absolute_uri("docs")})


class ChiboAPI(NinjaAPI):
    """NinjaAPI whose every answer is JSON, also for unknown paths and methods."""

    def _get_urls(self):
        urls = super()._get_urls()
        for pattern in urls:
            pattern.callback = _index if pattern.name == "api-root" else _json_405(pattern.callback)
        return [*urls, re_path(r"^(?P<rest>.*)$", _no_such_endpoint)]

    def get_openapi_operation_id(self, operation) -> str:
        return operation.view_func.__name__


api = ChiboAPI(
    title="Chibo API",
    version="1",
    description="The party member registry: units and members, scoped like the console. See docs/api.md.",
    urls_namespace="api",
    auth=[BearerToken(), ConsoleSession()],
    docs_url="/docs",
)
errors.install(api)
api.add_router("/units", units_router)
api.add_router("/members", members_router)
api.add_router("/admissions", admissions_router)
api.add_router("/notifications", notifications_router)
api.add_router("/quality", quality_router)
api.add_router("/transfers", transfers_router)
api.add_router("/cards", cards_router)
api.add_router("/dues", dues_router)
api.add_router("/privacy", privacy_router)
