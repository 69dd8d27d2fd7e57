"""What makes the handbook an installable, offline-capable app: manifest, service worker, offline page.

These are public (no log-in): the browser fetches the manifest without cookies, and the service
worker and the offline page hold nothing personal. The worker is served from ``/handbook/`` so
its scope is the handbook without a ``Service-Worker-Allowed`` header.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

THEME = "#a3151b"  # the console's red
SHELL_FILES = ("handbook/handbook.css", "handbook/handbook.js", "handbook/icon-192.png", "handbook/icon-512.png",
               "handbook/icon-maskable-512.png")


def _read(name: str) -> bytes:
    found = finders.find(name)
    if not found:
        raise FileNotFoundError(name)
    with open(str(found), "rb") as f:
        return f.read()


@cache
def _worker_source() -> tuple[str, str]:
    """The worker's code and a version that changes whenever it or a shell file changes (so that
    phones fetch the new shell)."""
    digest = hashlib.sha256()
    for name in SHELL_FILES:
        digest.update(_read(name))
    code = _read("handbook/sw.js")
    digest.update(code)
    return code.decode(), digest.hexdigest()[:12]


@require_GET
@cache_control(max_age=3600)
def manifest(request: HttpRequest) -> HttpResponse:
    icons = [{"src": static(f"handbook/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png",
              "purpose": "any"} for size in (192, 512)]
    icons.append({"src": static("handbook/icon-maskable-512.png"), "sizes": "512x512", "type": "image/png",
                  "purpose": "maskable"})
    home = reverse("handbook:home")
    data = {
        "name": "Sổ tay đảng viên",
        "short_name": "Sổ tay ĐV",
        "description": _("The electronic party member handbook: your card, notifications and questions."),
        "lang": "vi",
        "start_url": home,
        "scope": home,
        "id": home,
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME,
        "background_color": "#ffffff",
        "icons": icons,
    }
    return JsonResponse(data, content_type="application/manifest+json",
                        json_dumps_params={"ensure_ascii": False})


@require_GET
@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    code, version = _worker_source()
    home = reverse("handbook:home")
    offline = reverse("handbook:offline")
    config = {
        "version": version,
        "scope": home,
        "offline": offline,
        "shell": [static(name) for name in SHELL_FILES] + [offline],
        "warm": [home, reverse("handbook:card"), reverse("handbook:inbox")],
        "login": reverse("console:login"),
    }
    return HttpResponse(f"const CONFIG = {json.dumps(config)};\n{code}", content_type="text/javascript; charset=utf-8")


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "handbook/offline.html")
