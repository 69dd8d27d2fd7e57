"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "build" / "screenshots"
DOCS_SHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium fonts-noto-core)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def phone_375(browser):
    """A small phone (375×740, Vietnamese) whose page collects its script errors in ``page.errors``."""
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _vietnamese_by_default(_test_settings, settings):
    settings.LANGUAGE_CODE = "vi"


@pytest.fixture
def people(cast):
    """The cast plus a few namesakes, so a search has something to find."""
    from tests.factories.registry import make_member

    make_member(cast.tree.k, "Nguyễn Văn Hùng", birth_date=dt.date(1968, 5, 2), phone="0903111222",
                religion="catholicism", ethnicity="06")
    make_member(cast.tree.k2, "Nguyễn Văn Thành", birth_date=dt.date(1995, 9, 12), status="probationary")
    make_member(cast.tree.k2, "Nguyễn Thị Hoa", sex="F", birth_date=dt.date(1988, 1, 20))
    return cast


def shoot(page, name: str, *, docs: bool = False) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    # the user guide's copy is refreshed on request only, so routine runs leave docs/ untouched
    if docs and (os.environ.get("CHIBO_DOCS_SCREENSHOTS") or not (DOCS_SHOTS / path.name).exists()):
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SHOTS / path.name)
    return path


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")


def wait_until(check, timeout: float = 20.0) -> bool:
    """Whether ``check()`` came true within ``timeout`` seconds (for what the browser does on its own)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.2)
    return False
