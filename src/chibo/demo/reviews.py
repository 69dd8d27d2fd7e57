"""The demo's quality review, made through the services so every page has something to show.

- Last year: the demo commune's review, every organization and member decided (the results
  pages compare with it).
- This year (last year until October): the demo province's review is open. In the demo commune
  every organization and member is decided except the demo cell and the units above it, where
  the journey is left to do: the other members of the cell have written their self-review, the
  ``member`` persona has not, the secretary has not proposed, nothing is verified or decided.
- The demo cell takes part in the "4 good" movement: registered, a checklist for each month so
  far, the first half-year voted.

Nothing is done when the province's review of the year is already open.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from chibo.accounts.models import User
from chibo.accounts.policy import SYSTEM
from chibo.demo.accounts import demo_units
from chibo.org import paths
from chibo.org.models import Unit
from chibo.quality import four_good, frameworks, periods, services
from chibo.quality.enums import FrameworkKind, Step
from chibo.quality.models import MemberReview, Period, UnitReview

SELF_REVIEW = ("Chấp hành nghiêm chủ trương của Đảng, chính sách, pháp luật của Nhà nước; hoàn thành các nhiệm vụ "
               "được giao; tham gia đầy đủ sinh hoạt chi bộ, đóng đảng phí đúng quy định. Hạn chế: có lúc chưa "
               "chủ động đề xuất giải pháp; năm tới sẽ khắc phục.")
COLLECTIVE_REVIEW = ("Chi bộ lãnh đạo hoàn thành các chỉ tiêu nghị quyết năm; sinh hoạt đều đặn, có chuyên đề; "
                     "nội bộ đoàn kết. Hạn chế: công tác phát triển đảng viên chưa đạt chỉ tiêu.")


def review_year(today: dt.date) -> int:
    return today.year if today.month >= 10 else today.year - 1


def make_demo_review(today: dt.date) -> int:
    """Returns the number of rows decided (0 when the demo already has its review)."""
    units = demo_units()
    province, commune, cell = units["province"], units["commune"], units["cell"]
    year = review_year(today)
    if Period.objects.filter(issuer=province, year=year).exists():
        return 0
    decided = _whole_year(commune, year - 1, keep=None)
    _open(province, year, today)
    decided += _whole_year(commune, year, keep=cell)
    _cell_self_reviews(cell, year)
    _four_good(cell, year, today)
    return decided


def _open(issuer: Unit, year: int, today: dt.date) -> Period:
    start = max(today, dt.date(year, 12, 1))
    return periods.open_period(actor=SYSTEM, issuer=issuer, year=year, self_until=start + dt.timedelta(days=10),
                               cell_until=start + dt.timedelta(days=15), verify_until=start + dt.timedelta(days=20),
                               decide_until=start + dt.timedelta(days=27))


def _points(framework, pk: int) -> dict[str, int]:
    """Points per criterion for a row (by its id): one in ten excellent, two completion, the rest good."""
    share = Decimal("0.93") if pk % 10 == 0 else Decimal("0.60") if pk % 10 in (7, 8) else \
        Decimal(78 + pk % 5) / 100
    return {c["key"]: int(Decimal(c["max"]) * share) for c in frameworks.shown(framework)}


def _whole_year(commune: Unit, year: int, *, keep: Unit | None) -> int:
    """Take every review of ``commune``'s subtree to a decision, except ``keep`` and the units above it."""
    if not Period.objects.filter(year=year, quarter=0, unit_path__in=paths.ancestors(commune.path)).exists():
        _open(commune, year, dt.date(year, 12, 1))
    kept = set(paths.ancestors(keep.path)) if keep else set()
    rows = list(UnitReview.objects.filter(year=year, quarter=0, unit_path__gt=commune.path,
                                          unit_path__lt=commune.path_upper).select_related("framework", "unit"))
    for row in rows:
        if row.unit.path not in kept:
            services.self_assess_unit(row, actor=SYSTEM, text=COLLECTIVE_REVIEW, scores=_points(row.framework, row.pk))
    for cell_id, reviews in _members_by_cell(commune, year, kept).items():
        services.propose(Unit.objects.get(pk=cell_id), actor=SYSTEM, year=year, meeting=None, proposals={
            r.pk: services.Proposal(sum(_points(r.framework, r.pk).values()), 8, 9) for r in reviews})
    decided = 0
    for model in (UnitReview, MemberReview):  # the collectives first, the deepest deciders first
        by_decider: dict[Unit, list] = defaultdict(list)
        ready = model.objects.filter(year=year, quarter=0, unit_path__gt=commune.path,  # type: ignore[attr-defined]
                                     unit_path__lt=commune.path_upper, step__in=[Step.SELF_ASSESSED, Step.PROPOSED])
        for decider, review in ((r.decider, r) for r in ready.select_related("decider")):
            by_decider[decider].append(review)
        for decider, items in sorted(by_decider.items(), key=lambda d: -d[0].depth):
            decided += _decide_all(decider, model, year, items)
    return decided


def _decide_all(decider: Unit, model, year: int, items: list) -> int:
    services.verify_many(decider, actor=SYSTEM, model=model, year=year, rows={r.pk: ("", "") for r in items})
    fresh = list(model.objects.filter(pk__in=[r.pk for r in items]))
    outcome = services.decide([(r, None) for r in fresh], actor=SYSTEM, decider=decider)
    # over the quota: the committee rates them good (85 points)
    again = services.decide([(r, "85") for r, _why in outcome.refused], actor=SYSTEM, decider=decider)
    return len(outcome.decided) + len(again.decided)


def _members_by_cell(commune: Unit, year: int, kept: set[str]) -> dict[int, list[MemberReview]]:
    cells: dict[int, list[MemberReview]] = defaultdict(list)
    for review in MemberReview.objects.filter(year=year, quarter=0, step=Step.OPEN, unit_path__gt=commune.path,
                                              unit_path__lt=commune.path_upper).select_related("framework"):
        if review.unit_path not in kept:
            cells[review.unit_id].append(review)
    return cells


def _cell_self_reviews(cell: Unit, year: int) -> None:
    """The cell's members, but the ``member`` persona, have written their self-review."""
    persona = User.objects.filter(username="member").values_list("member_id", flat=True).first() or 0
    for review in MemberReview.objects.filter(unit=cell, year=year, quarter=0, step=Step.OPEN).exclude(
            member_id=persona).select_related("framework", "member__account"):
        account = getattr(review.member, "account", None) or _proxy(review)
        services.self_assess_member(review, actor=account, text=SELF_REVIEW, scores=_points(review.framework,
                                                                                             review.pk))


class _Member:
    """The member themself, for those without an account (the service checks who writes)."""

    is_authenticated = False  # the audit line then names no user account
    pk = None

    def __init__(self, member):
        self.member = member


def _proxy(review: MemberReview) -> _Member:
    return _Member(review.member)


def _four_good(cell: Unit, year: int, today: dt.date) -> None:
    """The cell registered for the movement, each month's checklist so far, the first half voted."""
    framework = frameworks.in_force(FrameworkKind.FOUR_GOOD, cell.path, dt.date(year, 1, 1))
    if framework is None:
        return
    four_good.register(cell, actor=SYSTEM, first_year=year - 1, last_year=year + 1, signed_on=dt.date(year - 1, 1, 15),
                       signed_by="Bí thư chi bộ", commitment="Chi bộ đăng ký phấn đấu đạt chi bộ “4 tốt”.")
    items = [key for keys in frameworks.checklist(frameworks.criteria(framework)).values() for key in keys]
    last = min(today.replace(day=1), dt.date(year, 12, 1))
    month = dt.date(year, 1, 1)
    while month <= last:
        checks = {key: not (month.month == 4 and key == items[-1]) for key in items}
        four_good.record_month(cell, actor=SYSTEM, month=month, checks=checks)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    four_good.approve_half(cell, actor=SYSTEM, year=year, half=1, voted_on=dt.date(year, 7, 5), votes_for=9,
                           votes_present=10)
