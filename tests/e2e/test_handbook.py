"""The member handbook on a phone: log in, home and card, the first-load weight, then the network
switched off: the card and the inbox still open, a question written offline waits in the outbox
and reaches the server when the network returns."""

from __future__ import annotations

import gzip
import time
from urllib.parse import urlparse

import pytest
from django.contrib.staticfiles import finders
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, log_in, shoot, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FIRST_LOAD_BUDGET = 300 * 1024

# bytes the page fetched over the network: the document and everything it loaded
TRANSFERRED = """() => {
  const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
  return entries.map(e => ({name: e.name, bytes: e.transferSize, body: e.encodedBodySize}));
}"""
# what the service worker downloaded for itself at install: the shell it keeps
SHELL_BYTES = """async () => {
  let total = 0;
  for (const key of await caches.keys()) {
    if (!key.startsWith('handbook-shell-')) continue;
    const cache = await caches.open(key);
    for (const request of await cache.keys()) total += (await (await cache.match(request)).arrayBuffer()).byteLength;
  }
  return total;
}"""
KEPT_PAGES = """async () => (await (await caches.open('handbook-pages')).keys()).map(r => new URL(r.url).pathname)"""


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


def _served_size(entry: dict) -> int:
    """Bytes a static file costs in production, where WhiteNoise sends the gzip copy made by
    collectstatic (the test server sends it uncompressed); other responses as measured."""
    path = urlparse(entry["name"]).path
    found = finders.find(path.removeprefix("/static/")) if path.startswith("/static/") else None
    if not found:
        return entry["bytes"]
    with open(str(found), "rb") as f:
        body = f.read()
    return entry["bytes"] - entry["body"] + min(len(body), len(gzip.compress(body, 9, mtime=0)))


def test_a_member_uses_the_handbook_on_a_phone_online_and_offline(phone, live_server, cast):
    from chibo.handbook.models import HandbookUse, Thread

    page, base = phone, live_server.url
    page.goto(f"{base}/handbook/")  # not logged in: the console's log-in page, then back here
    assert page.url == f"{base}/login/?next=/handbook/"
    login_entries = page.evaluate(TRANSFERRED)
    login_raw = sum(e["bytes"] for e in login_entries)
    login_served = sum(_served_size(e) for e in login_entries)
    page.fill("input[name=username]", "member")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url == f"{base}/handbook/"
    expect(page.locator("h1")).to_contain_text("Đặng Văn An")

    # first load of the handbook: the page and all it fetched, and the shell the worker kept
    entries = page.evaluate(TRANSFERRED)
    page_bytes = sum(e["bytes"] for e in entries)
    page.evaluate("navigator.serviceWorker.ready")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    shell_bytes = page.evaluate(SHELL_BYTES)
    print(f"\nfirst load: log-in page {login_raw} B as measured, {login_served} B gzipped as in production; "
          f"handbook page {page_bytes} B over {len(entries)} requests; worker shell {shell_bytes} B")
    assert page_bytes + shell_bytes <= FIRST_LOAD_BUDGET
    assert login_served + page_bytes + shell_bytes <= FIRST_LOAD_BUDGET
    assert not any("bootstrap" in e["name"] for e in entries)
    assert HandbookUse.objects.filter(user=cast.member).exists()
    shoot(page, "40-handbook-home", docs=True)

    page.click("nav.tabs a[href='/handbook/card/']")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".citizen-id")).to_have_text("••••••••" + cast.plain_m.citizen_id[-4:])
    shoot(page, "41-handbook-card", docs=True)
    # the worker keeps home, card and inbox for offline use (the inbox though never opened yet)
    assert wait_until(lambda: len(page.evaluate(KEPT_PAGES)) == 3)

    # no network: the card and the inbox still open, from the copy on the phone
    page.context.set_offline(True)
    page.reload()
    expect(page.locator(".card-name")).to_have_text("Đặng Văn An")
    expect(page.locator("#net-state")).to_be_visible()
    shoot(page, "42-handbook-card-offline", docs=True)
    page.goto(f"{base}/handbook/inbox/")
    expect(page.locator("h1")).to_have_text("Hộp thư")  # the inbox, in Vietnamese (the default)
    expect(page.locator("#net-state")).to_be_visible()

    # a question written offline waits in the outbox
    page.goto(f"{base}/handbook/")
    page.select_option("#id_unit", label="Chi bộ Giáo viên 1")
    page.fill("#id_text", "Tháng này chi bộ họp ngày nào ạ?")
    page.click("form.ask button[type=submit]")
    expect(page.locator("#outbox")).to_be_visible()
    assert not Thread.objects.exists()
    shoot(page, "43-handbook-outbox-offline", docs=True)

    # the member leaves the app; the network returns: with no page open, only Background Sync can
    # wake the worker to replay the outbox, and the question reaches the cell
    page.goto("about:blank")
    page.context.set_offline(False)
    assert wait_until(lambda: Thread.objects.exists()), "the outbox was not replayed"
    thread = Thread.objects.get()
    assert (thread.member, thread.unit, thread.posts.get().text) == (
        cast.plain_m, cast.tree.k, "Tháng này chi bộ họp ngày nào ạ?")
    page.goto(f"{base}/handbook/inbox/")
    expect(page.locator(".threads .item-title")).to_have_text("Tháng này chi bộ họp ngày nào ạ?")
    shoot(page, "44-handbook-inbox", docs=True)
    assert page.errors == []  # type: ignore[attr-defined]


def test_without_background_sync_the_open_page_has_the_outbox_sent(phone, live_server, cast):
    from chibo.handbook.models import Thread

    page, base = phone, live_server.url
    cdp = page.context.new_cdp_session(page)
    context_id = cdp.send("Target.getTargetInfo")["targetInfo"]["browserContextId"]
    cdp.send("Browser.setPermission", {"permission": {"name": "background-sync"}, "setting": "denied",
                                       "origin": base, "browserContextId": context_id})
    log_in(page, base, "member")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    assert wait_until(lambda: len(page.evaluate(KEPT_PAGES)) == 3)
    page.context.set_offline(True)
    page.goto(f"{base}/handbook/")
    page.select_option("#id_unit", label="Xã Đông Sơn")
    page.fill("#id_text", "Ý kiến về kế hoạch sinh hoạt chuyên đề.")
    page.click("form.ask button[type=submit]")
    expect(page.locator("#outbox")).to_be_visible()
    time.sleep(1)
    assert not Thread.objects.exists()
    page.context.set_offline(False)
    assert wait_until(lambda: Thread.objects.exists()), "the outbox was not replayed"
    assert Thread.objects.get().unit == cast.tree.c
    expect(page.locator("#outbox.note-done")).to_be_visible()
    assert page.locator("#outbox").get_attribute("data-via") == "page"
    shoot(page, "45-handbook-outbox-sent", docs=True)


def test_the_secretary_answers_in_the_console_and_the_member_reads_it_on_the_phone(browser, phone, live_server,
                                                                                   cast):
    from chibo.handbook import services

    thread = services.ask(actor=cast.member, member=cast.plain_m, unit=cast.tree.k, subject="Đảng phí năm 2027",
                          text="Mức đảng phí của tôi năm tới là bao nhiêu?")
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    office = desk.new_page()
    base = live_server.url
    log_in(office, base, "secretary")
    office.goto(f"{base}/handbook-threads/")
    office.click(f"a.thread-link[href='/handbook-threads/{thread.pk}/']")
    office.fill("#id_text", "Đồng chí đóng 1% lương, chi bộ sẽ thông báo trong cuộc họp tháng 1.")
    office.click("main form.card button[type=submit]")
    office.wait_for_load_state("networkidle")
    shoot(office, "46-handbook-thread-console", docs=True)
    office.goto(f"{base}/handbook-adoption/?unit={cast.tree.k.pk}")
    expect(office.locator("h1")).to_contain_text("Chi bộ Giáo viên 1")
    shoot(office, "47-handbook-adoption", docs=True)
    desk.close()

    log_in(phone, base, "member")
    expect(phone.locator("nav.tabs .badge")).to_have_text("1")
    phone.click("nav.tabs a[href='/handbook/inbox/']")
    phone.click(f"a[href='/handbook/threads/{thread.pk}/'] >> nth=0")
    expect(phone.locator(".post-answer .post-text")).to_contain_text("1% lương")
    expect(phone.locator("nav.tabs .badge")).to_have_count(0)  # the answer is read
    shoot(phone, "48-handbook-thread-answered", docs=True)


def test_the_library_search_box_and_its_empty_answers_look_like_the_rest_of_the_handbook(phone, live_server, cast):
    base = live_server.url
    log_in(phone, base, "member")
    phone.goto(f"{base}/handbook/library/?q=khong-co-van-ban-nao")
    box = phone.locator("input#q")
    style = box.evaluate("e => { const s = getComputedStyle(e); return [s.borderTopWidth, s.paddingTop, s.width]; }")
    assert style[0] == "1px" and float(style[1].removesuffix("px")) >= 9  # the handbook's field: border, padding
    assert float(style[2].removesuffix("px")) > 300  # the whole width of the form on a 390-px phone
    empty = phone.get_by_text("Không có văn bản nào phù hợp với nội dung tìm kiếm.")
    padding = empty.evaluate("e => parseFloat(getComputedStyle(e).paddingLeft)")
    assert padding >= 9  # inside the list's frame, not against its border
    shoot(phone, "40-handbook-library-search-empty")
