"""The year's review in the browser (issue 12): a member writes their self-review on a phone, the
residence cell comments, the cell secretary records the cell's proposals, the province's board
verifies, the commune committee decides (a row over the quota is refused and decided again), the
province reads the results chart. Then the "4 good" movement: the month's checklist from the
meeting's page, the half-year vote, the recognition. Screenshots of each screen for the guide.

What comes before the pages in a real year (the commune opening the review, the cells'
collective self-assessments decided first, as the order rule asks) is set up through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from chibo.accounts.policy import SYSTEM
from chibo.meetings import services as meetings
from chibo.quality import defaults, four_good, services
from chibo.quality.enums import Level, Step
from chibo.quality.models import FourGoodRecognition, Framework
from tests.e2e.conftest import log_in, shoot
from tests.quality.conftest import YEAR, open_year
from tests.quality.steps import review_of, unit_review, verified_unit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _national_frameworks(db):
    """The national criteria frameworks are data loaded by a migration, which the flush after
    each browser test empties: loaded again when missing."""
    if not Framework.objects.filter(issuer__isnull=True).exists():
        defaults.load(Framework)

POINTS = {"politics": 17, "discipline": 9, "duties": 42, "party_duties": 9, "contact": 8}  # 85: good
SELF_REVIEW = ("Chấp hành nghiêm chủ trương của Đảng, pháp luật của Nhà nước. Hoàn thành tốt công tác giảng dạy, "
               "lớp chủ nhiệm đạt danh hiệu tiên tiến. Tham gia đầy đủ sinh hoạt chi bộ. Hạn chế: chưa chủ động "
               "trong nghiên cứu khoa học; năm tới sẽ khắc phục.")
RESIDENCE_TEXT = "Đồng chí gương mẫu, tham gia đầy đủ sinh hoạt tổ dân phố và các phong trào ở thôn Bắc."
CHECKLIST = ("g1a", "g1b", "g2a", "g2b", "g3a", "g4a", "g4b")
MEETING_SCORES = {"preparation": 18, "content": 35, "conduct": 26, "resolution": 9}  # 88


def vi(text: str) -> str:
    """What the page says in Vietnamese (the catalogue in force: the test does not hard-code it)."""
    with translation.override("vi"):
        return gettext(text)


def level_vi(level: str) -> str:
    with translation.override("vi"):
        return str(Level(level).label)


def _desk(browser):
    return browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")


def _phone(browser):
    return browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                               device_scale_factor=2, locale="vi-VN")


def _switch(page, base: str, username: str) -> None:
    page.click("nav form[action='/logout/'] button")
    page.wait_for_load_state("networkidle")
    log_in(page, base, username)


def _regular_meeting(cast, day: dt.date):
    starts = timezone.make_aware(dt.datetime.combine(day, dt.time(19, 30)))
    meeting = meetings.create_meeting(actor=cast.secretary, unit=cast.tree.k, kind="regular", starts_at=starts,
                                      topic=f"Sinh hoạt chi bộ tháng {day.month}/{day.year}")
    meetings.invite(meeting, actor=cast.secretary)
    meetings.record_attendance(meeting, actor=cast.secretary,
                               marks=dict.fromkeys(meeting.invitations.values_list("pk", flat=True), "present"))
    return meetings.record_minutes(meeting, actor=cast.secretary, minutes="Chi bộ họp đủ nội dung.",
                                   scores=MEETING_SCORES)


def _cells_decided(cast) -> None:
    """The year opened by the commune; both cells' collective reviews decided by the school's
    committee (the order rule: the collective before its members); the school's own review
    verified, to be decided by the commune."""
    t = cast.tree
    open_year(t.c)
    for unit in (t.k, t.k2, t.g):
        verified_unit(unit)
    outcome = services.decide([(unit_review(t.k), None), (unit_review(t.k2), None)], actor=SYSTEM, decider=t.g)
    assert not outcome.refused


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _shoot_phone(page, name: str) -> None:
    """A whole phone page from its top (the handbook's tabs stick to the top of what is scrolled to)."""
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, name, docs=True)


def test_a_member_self_reviews_on_a_phone_the_cell_proposes_the_commune_decides_the_province_reads(
        browser, live_server, cast):
    t, base = cast.tree, live_server.url
    _cells_decided(cast)
    review_meeting = _regular_meeting(cast, dt.date(YEAR, 12, 4))
    services.self_assess_member(review_of(cast.sec_m), actor=cast.secretary, text="Tự kiểm điểm của bí thư.",
                                scores={"politics": 16, "discipline": 8, "duties": 40, "party_duties": 8,
                                        "contact": 8})

    # a) the member, on a phone: the handbook's home leads to the review; the self-review is sent
    phone = _phone(browser)
    page = phone.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}/handbook/")
    page.fill("input[name=username]", "member")
    page.fill("input[name=password]", "correct horse battery")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.click("a[href='/handbook/review/']")
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_contain_text(str(YEAR))
    page.fill("#id_text", SELF_REVIEW)
    for key, points in POINTS.items():
        page.fill(f"#id_score_{key}", str(points))
    page.select_option("#id_level", Level.GOOD)
    assert _no_sideways_scroll(page)
    _shoot_phone(page, "60-review-handbook-self-review")
    page.click("form.ask button[type=submit]")
    page.wait_for_load_state("networkidle")
    mine = review_of(cast.plain_m)
    assert page.url == f"{base}/handbook/review/{mine.pk}/?sent=1"
    expect(page.locator(".note-sent")).to_be_visible()
    assert mine.step == Step.SELF_ASSESSED and mine.self_score == 85 and mine.self_level == Level.GOOD
    points = page.locator("section[aria-labelledby=points-h]")
    expect(points).to_contain_text("85")
    expect(points).to_contain_text(level_vi(Level.GOOD))
    expect(page.locator(".review-steps li").first.locator(".tag-ok")).to_have_count(1)
    assert _no_sideways_scroll(page)
    _shoot_phone(page, "61-review-handbook-sent")
    assert errors == []

    # b) the cell asks the cell where the member lives for its comment; that cell (in another
    # province) answers; the secretary records the cell's proposals at the review meeting
    desk = _desk(browser)
    page = desk.new_page()
    log_in(page, base, "secretary")
    page.goto(f"{base}/units/{t.k.pk}/")
    page.click(f"a[href='/units/{t.k.pk}/reviews/']")
    page.wait_for_load_state("networkidle")
    shoot(page, "62-review-cell-reviews", docs=True)
    page.locator(f"a[href='/units/{t.k.pk}/residence-comments/']").first.click()
    page.wait_for_load_state("networkidle")
    page.select_option("#id_review", str(mine.pk))
    page.fill("#id_residence_code", "QK")
    page.click("section[aria-labelledby=ask-title] button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("section[aria-labelledby=sent-title]")).to_contain_text(t.qk.name)

    _switch(page, base, "outsider")
    page.goto(f"{base}/units/{t.qk.pk}/residence-comments/?year={YEAR}")
    incoming = page.locator("section[aria-labelledby=incoming-title]")
    expect(incoming).to_contain_text(cast.plain_m.full_name)
    expect(incoming).to_contain_text(t.k.name)
    incoming.locator("textarea[name=text]").fill(RESIDENCE_TEXT)
    shoot(page, "63-review-residence-answer", docs=True)
    incoming.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    expect(incoming).to_contain_text(RESIDENCE_TEXT)

    _switch(page, base, "secretary")
    page.goto(f"{base}/units/{t.k.pk}/reviews/")
    page.click(f"a[href='/units/{t.k.pk}/reviews/{YEAR}/cell/']")
    page.wait_for_load_state("networkidle")
    rows = {m: review_of(m) for m in (cast.sec_m, cast.plain_m, cast.other_m)}
    table = page.locator("table.review-members")
    expect(table).to_contain_text(RESIDENCE_TEXT)  # the residence cell's comment beside the member
    page.select_option("#meeting", str(review_meeting.pk))
    proposals = {cast.sec_m: ("80", "3", "3", ""), cast.plain_m: ("85", "3", "3", "Hoàn thành tốt nhiệm vụ."),
                 cast.other_m: ("95", "3", "3", "Chiến sĩ thi đua cấp tỉnh.")}
    for member, (score, yes, present, note) in proposals.items():
        pk = rows[member].pk
        page.fill(f"#score_{pk}", score)
        page.fill(f"#votes_for_{pk}", yes)
        page.fill(f"#votes_present_{pk}", present)
        page.fill(f"#note_{pk}", note)
    page.click("form:has(input[name=action][value=propose]) button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".alert-success")).to_contain_text(
        vi("The cell's proposals for %(n)d members were saved.") % {"n": 3})
    assert {r.step for r in (review_of(m) for m in rows)} == {Step.PROPOSED}
    assert review_of(cast.plain_m).cell_meeting_id == review_meeting.pk
    shoot(page, "64-review-cell-proposals", docs=True)

    # c) the province's organization board follows the progress, then, as the advisory body,
    # verifies at the school's committee, which decides its cells' members; the commune decides
    _switch(page, base, "province")
    page.goto(f"{base}/units/{t.c.pk}/reviews/")
    page.click(f"a[href='/units/{t.c.pk}/reviews/{YEAR}/progress/']")
    page.wait_for_load_state("networkidle")
    tiles = page.locator(".figures .figure-value")
    expect(tiles.nth(0)).to_have_text("2 / 3")  # the cells K and K2 of G, K, K2
    expect(tiles.nth(1)).to_have_text("0 / 3")
    shoot(page, "65-review-progress", docs=True)
    page.goto(f"{base}/units/{t.g.pk}/reviews/")
    page.click(f"a[href='/units/{t.g.pk}/reviews/{YEAR}/decide/']")
    page.click(f"a[href='/units/{t.g.pk}/reviews/{YEAR}/decide/?show=members']")
    page.wait_for_load_state("networkidle")
    for row in rows.values():
        page.check(f"#pick_{row.pk}")
    page.fill(f"#note_{rows[cast.other_m].pk}", "Đã đối chiếu hồ sơ thi đua.")
    page.click("button[name=action][value=verify]")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".alert-success")).to_contain_text(vi("%(n)d reviews were verified.") % {"n": 3})
    assert {review_of(m).step for m in rows} == {Step.VERIFIED}
    shoot(page, "66-review-verified", docs=True)

    _switch(page, base, "commune")
    page.goto(f"{base}/units/{t.g.pk}/reviews/{YEAR}/decide/?show=members")
    for row in rows.values():
        page.check(f"#pick_{row.pk}")
    page.click("button[name=action][value=decide]")
    page.wait_for_load_state("networkidle")
    outcome = page.locator("section[aria-labelledby=outcome-title]")
    # An's "good" makes no room for an excellent member: 20% of 1, rounded down (the rulebook)
    expect(outcome).to_contain_text(vi("Decided: %(decided)s · refused: %(refused)s") % {"decided": 2, "refused": 1})
    expect(outcome.locator("li").first).to_contain_text(cast.other_m.full_name)
    assert review_of(cast.other_m).step == Step.VERIFIED
    assert review_of(cast.plain_m).level == Level.GOOD
    shoot(page, "67-review-decision-refused-row", docs=True)
    # the committee decides the refused row again with the score it settles on
    other = rows[cast.other_m].pk
    page.check(f"#pick_{other}")
    page.fill(f"#score_{other}", "88")
    page.click("button[name=action][value=decide]")
    page.wait_for_load_state("networkidle")
    expect(outcome).to_contain_text(vi("Decided: %(decided)s · refused: %(refused)s") % {"decided": 1, "refused": 0})
    expect(page.locator("table.review-decide tr", has_text=cast.plain_m.full_name)).to_contain_text(
        level_vi(Level.GOOD))
    assert {review_of(m).level for m in rows} == {Level.GOOD}
    shoot(page, "68-review-decided", docs=True)
    # then the school's committee itself, decided by the commune once its cells are
    page.goto(f"{base}/units/{t.c.pk}/reviews/{YEAR}/decide/")
    page.check(f"#pick_{unit_review(t.g).pk}")
    page.click("button[name=action][value=decide]")
    page.wait_for_load_state("networkidle")
    expect(outcome).to_contain_text(vi("Decided: %(decided)s · refused: %(refused)s") % {"decided": 1, "refused": 0})
    assert unit_review(t.g).level == Level.GOOD

    # the member reads the decision on the phone
    page_phone = phone.new_page()
    page_phone.goto(f"{base}/handbook/review/")
    expect(page_phone.locator("section[aria-labelledby=decision-h]")).to_contain_text(level_vi(Level.GOOD))
    assert _no_sideways_scroll(page_phone)
    _shoot_phone(page_phone, "69-review-handbook-decision")
    phone.close()

    # d) the province reads the results of the year: the chart drawn, the members counted at their level
    _switch(page, base, "province")
    page.goto(f"{base}/units/{t.p.pk}/reviews/")
    shoot(page, "70-review-province-reviews", docs=True)
    page.click(f"a[href='/units/{t.p.pk}/review-results/']")
    page.wait_for_load_state("networkidle")
    assert page.url == f"{base}/units/{t.p.pk}/review-results/{YEAR}/"
    page.wait_for_function("window.Chart && Chart.getChart('chart-members') && Chart.getChart('chart-orgs')")
    drawn = page.evaluate("""() => {
      const c = document.getElementById('chart-members');
      const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let painted = 0;
      for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) painted++; }
      return painted;
    }""")
    assert drawn > 1000  # axes, labels and bars, not an empty canvas
    members = page.locator("table.results-table").first.locator("tbody").nth(2)
    good = members.locator("tr", has_text=level_vi(Level.GOOD)).first
    expect(good.locator("td").nth(0)).to_have_text("3")
    expect(good.locator("td").nth(1)).to_have_text("100,00%")  # the Vietnamese decimal comma
    expect(page.locator(".figure-total .figure-value")).to_have_text("100,00%")  # the grassroots indicator
    shoot(page, "71-review-results", docs=True)
    desk.close()


def _four_good_year(cast) -> None:
    """The cell registered for 2026–2028, its checklists of January to November all passed, the
    first half approved, its review decided "good"; the December meeting held."""
    t = cast.tree
    _cells_decided(cast)
    four_good.register(t.k, actor=cast.secretary, first_year=YEAR, last_year=YEAR + 2,
                       signed_on=dt.date(YEAR, 1, 10), signed_by=cast.sec_m.full_name,
                       commitment="Chi bộ cam kết phấn đấu đạt chi bộ “4 tốt” giai đoạn 2026 – 2028.")
    for month in range(1, 12):
        meeting = _regular_meeting(cast, dt.date(YEAR, month, 4))
        four_good.record_month(t.k, actor=cast.secretary, month=dt.date(YEAR, month, 1),
                               checks=dict.fromkeys(CHECKLIST, True), meeting=meeting)
    four_good.approve_half(t.k, actor=cast.secretary, year=YEAR, half=1, voted_on=dt.date(YEAR, 7, 4), votes_for=3,
                           votes_present=3)


def test_the_cell_ticks_the_months_checklist_votes_and_the_commune_recognises_it_as_four_good(
        browser, live_server, cast):
    t, base = cast.tree, live_server.url
    _four_good_year(cast)
    december = _regular_meeting(cast, dt.date(YEAR, 12, 4))
    desk = _desk(browser)
    page = desk.new_page()
    log_in(page, base, "secretary")

    # after the December meeting: its page leads to the month's checklist
    page.goto(f"{base}/meetings/{december.pk}/")
    page.click("section[aria-labelledby=four-good-title] a")
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_contain_text(f"12/{YEAR}")
    for key in CHECKLIST:
        page.check(f"#check_{key}")
    page.locator("#check_g1b").uncheck()  # last month's targets not all met
    shoot(page, "75-four-good-checklist", docs=True)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url == f"{base}/units/{t.k.pk}/four-good/?year={YEAR}"
    expect(page.locator(".alert-success")).to_contain_text(f"12/{YEAR}")
    months = page.locator("section[aria-labelledby=months-title] tbody tr")
    expect(months.nth(11).locator(".text-danger")).to_have_count(1)  # criterion 1 not passed in December

    # the second half-year vote on the unit's "4 good" page; then the rule holds
    votes = page.locator("section[aria-labelledby=votes-title]")
    votes.locator("select[name=half]").select_option("2")
    votes.locator("input[name=voted_on]").fill(f"04/12/{YEAR}")
    votes.locator("select[name=meeting]").select_option(str(december.pk))
    votes.locator("input[name=votes_for]").fill("3")
    votes.locator("input[name=votes_present]").fill("3")
    votes.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("section[aria-labelledby=status-title]")).to_contain_text(
        vi("The rule holds: the committee above may recognise this unit as “4 good” for %(year)s.").replace(
            "%(year)s", str(YEAR)))
    shoot(page, "76-four-good-unit", docs=True)

    # the commune committee recognises the cell from the school committee's progress page
    _switch(page, base, "commune")
    page.goto(f"{base}/units/{t.g.pk}/four-good/progress/?year={YEAR}")
    card = page.locator("section[aria-labelledby=recognise-title] .card", has_text=t.k.name)
    card.locator("input[name=decision]").fill("35-QĐ/ĐU")
    shoot(page, "77-four-good-progress", docs=True)
    card.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    recognition = FourGoodRecognition.objects.get(unit=t.k, year=YEAR)
    assert recognition.decision == "35-QĐ/ĐU"
    expect(page.locator("section[aria-labelledby=recognise-title] .card", has_text=t.k.name)).to_contain_text(
        recognition.decided_on.strftime("%d/%m/%Y"))
    shoot(page, "78-four-good-recognised", docs=True)
    desk.close()
