"""Demo targets: the demo province's admission target for the year, broken down to its
communes by the assistant (members on 1 January × the rate), approved and locked; the course
target twice it. Made once: nothing is done when the province already has a target."""

from __future__ import annotations

import datetime as dt

from chibo.accounts.policy import SYSTEM
from chibo.demo.presets import DEMO_PROVINCE, province_code
from chibo.org.models import Unit
from chibo.targets import assistant, services
from chibo.targets.models import Indicator, MemberCount, Method, Target


def make_demo_targets(today: dt.date) -> int:
    province = Unit.objects.filter(code=province_code(DEMO_PROVINCE)).first()
    if province is None or Target.objects.filter(unit=province, year=today.year).exists():
        return 0
    start = dt.date(today.year, 1, 1)
    if not MemberCount.objects.filter(day=start).exists():
        services.snapshot_members(start)  # the demo's members stand for those of 1 January
    proposal = assistant.propose(province, today.year, Method.RATE)
    values = {province.pk: proposal.parent, **proposal.children}
    services.set_targets(actor=SYSTEM, parent=province, year=today.year, indicator=Indicator.ADMISSIONS,
                         values=values, method=Method.RATE)
    courses = {uid: assistant.course_target(v, today.year) for uid, v in values.items()}
    services.set_targets(actor=SYSTEM, parent=province, year=today.year, indicator=Indicator.COURSE,
                         values=courses, method=Method.RATE)
    return services.approve(actor=SYSTEM, unit=province, year=today.year, lock=True, on=start)
