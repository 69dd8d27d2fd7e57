"""The installable app: manifest, service worker, offline page, icons, and the CSP they live under."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from PIL import Image


def test_the_manifest_is_served_to_anyone_with_its_content_type(client, db):
    response = client.get("/handbook/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert (data["name"], data["start_url"], data["scope"], data["display"], data["theme_color"]) == (
        "Sổ tay đảng viên", "/handbook/", "/handbook/", "standalone", "#a3151b")
    assert [(i["sizes"], i["purpose"]) for i in data["icons"]] == [
        ("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")]
    assert all(i["src"].startswith("/static/handbook/icon-") for i in data["icons"])


@pytest.mark.parametrize(("name", "size"), [("icon-192.png", 192), ("icon-512.png", 512),
                                            ("icon-maskable-512.png", 512)])
def test_the_icons_are_square_pngs_of_their_size(name, size):
    with Image.open(finders.find(f"handbook/{name}")) as image:
        assert (image.format, image.size) == ("PNG", (size, size))


def test_the_service_worker_is_served_from_the_handbook_so_its_scope_is_the_handbook(client, db):
    response = client.get("/handbook/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert "no-cache" in response["Cache-Control"]
    assert "Service-Worker-Allowed" not in response
    code = response.content.decode()
    config = json.loads(re.match(r"const CONFIG = (\{.*\});\n", code).group(1))
    assert config["scope"] == "/handbook/"
    assert config["offline"] == "/handbook/offline/"
    assert config["shell"] == ["/static/handbook/handbook.css", "/static/handbook/handbook.js",
                               "/static/handbook/icon-192.png", "/static/handbook/icon-512.png",
                               "/static/handbook/icon-maskable-512.png", "/handbook/offline/"]
    assert config["warm"] == ["/handbook/", "/handbook/card/", "/handbook/inbox/"]
    assert len(config["version"]) == 12
    assert 'addEventListener("sync"' in code


def test_the_offline_page_holds_nothing_personal(client, cast):
    client.force_login(cast.member)
    page = client.get(reverse("handbook:offline")).content.decode()
    assert "Đặng Văn An" not in page
    assert "csrfmiddlewaretoken" not in page  # kept for months on the phone: no form, no token
    assert reverse("console:logout") not in page


@pytest.mark.parametrize("name", ["handbook:home", "handbook:card", "handbook:inbox", "handbook:ask"])
def test_pages_link_the_manifest_and_have_no_inline_script_or_style(cast, client, name):
    client.force_login(cast.member)
    response = client.get(reverse(name))
    page = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert '<link rel="manifest" href="/handbook/manifest.webmanifest">' in page
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert " style=" not in page and "<style" not in page
    assert "bootstrap" not in page  # the handbook carries its own small stylesheet
