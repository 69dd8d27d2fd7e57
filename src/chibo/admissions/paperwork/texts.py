"""The texts of the official admission forms, filled in from a case: the one source both layouts
(Word and PDF) print, so the two cannot disagree.

The forms are Vietnamese by nature (official party papers) and are not translated; only the
messages that refuse a form are. Nothing here writes: a form reads the case, its steps and the
units above its cell.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chibo.admissions.models import AdmissionCase, CaseStep
from chibo.admissions.stages import Stage
from chibo.core.errors import DomainError, NotFound
from chibo.core.word import BLANK, Form, Para
from chibo.core.word import long_date as _long_date
from chibo.core.word import short_date as _short_date
from chibo.members.models import Member
from chibo.org.enums import UnitKind
from chibo.org.models import Unit
from chibo.org.titles import ancestry as _ancestry
from chibo.org.titles import committee as _committee
from chibo.org.titles import headings as _headings
from chibo.org.titles import place_date as _place_date
from chibo.org.titles import titled as _titled

FORMS = {
    "cell_resolution": gettext_lazy("Cell resolution proposing the admission (6-KNĐ)"),
    "admission_decision": gettext_lazy("Admission decision (9-KNĐ)"),
    "recognition_decision": gettext_lazy("Decision recognizing the official member"),
}
# the stage whose step a form prints: it must be recorded before the form can be filled in
NEEDS = {"cell_resolution": Stage.CELL_VOTED, "admission_decision": Stage.ADMITTED,
         "recognition_decision": Stage.OFFICIAL}
ISSUERS = frozenset({UnitKind.COMMUNE, UnitKind.AGENCY, UnitKind.GRASSROOTS_COMMITTEE})


def form_context(case: AdmissionCase, kind: str) -> dict[str, Any]:
    """The texts of form ``kind`` filled in from ``case``, as a template context: ``form`` (a
    ``Form``) and its fields at the top level. Raises ``NotFound`` for an unknown kind and
    ``DomainError`` when the case has not reached the step the form prints."""
    if kind not in FORMS:
        raise NotFound(_("There is no such form."))
    builders = {"cell_resolution": cell_resolution, "admission_decision": admission_decision,
                "recognition_decision": recognition_decision}
    form = builders[kind](case)
    return {"form": form, **{f.name: getattr(form, f.name) for f in fields(form)}}


# ---- the three forms --------------------------------------------------------------------------

def cell_resolution(case: AdmissionCase) -> Form:
    """Mẫu 6-KNĐ: the cell's resolution proposing the admission, with its vote."""
    vote = _step(case, "cell_resolution")
    cell = case.cell
    name = case.full_name
    tally = (f"Tổng số đảng viên chính thức: {vote.voters}; số đồng ý: {vote.yes} "
             f"({_percent(vote.yes, vote.voters)}%); số cần có: {vote.needed}.")
    body = [
        Para(f"Ngày {_long_date(vote.on)}, {_titled('Chi bộ', cell)} họp xét đề nghị kết nạp quần chúng "
             f"{name} vào Đảng."),
        Para("Lý lịch của quần chúng:", bold=True, align="left"),
        *_identity(case),
        Para("Kết quả biểu quyết của chi bộ:", bold=True, align="left"),
        Para(tally),
        Para("CHI BỘ QUYẾT NGHỊ", bold=True, align="center"),
        Para(f"Đề nghị cấp ủy cấp trên xem xét, kết nạp quần chúng {name} vào Đảng Cộng sản Việt Nam."),
    ]
    return Form(
        kind="cell_resolution", form_code="Mẫu 6-KNĐ", issuer_lines=_headings(cell.parent, cell),
        number=_number(vote.number), place_date=_place_date(cell, vote.on), title="NGHỊ QUYẾT",
        subtitle="đề nghị kết nạp đảng viên", body=body,
        recipients=["Nơi nhận:", "- Cấp ủy cấp trên,", "- Lưu chi bộ."],
        signature=["T/M CHI BỘ", "BÍ THƯ"], signature_note="(Ký, ghi rõ họ và tên)",
        facts={**_facts(case), "number": vote.number, "date": vote.on, "yes": vote.yes, "voters": vote.voters,
               "needed": vote.needed, "percent": _percent(vote.yes, vote.voters)})


def admission_decision(case: AdmissionCase) -> Form:
    """Mẫu 9-KNĐ: the committee's decision admitting the applicant (a probationary member)."""
    _step(case, "admission_decision")
    assert case.decision_on is not None
    vote, committee = _vote_step(case, Stage.CELL_VOTED), _vote_step(case, Stage.COMMITTEE_RESOLVED)
    grounds = [f"Xét Nghị quyết số {row.number or BLANK} ngày {_short_date(row.on)} của {author} "
               "đề nghị kết nạp đảng viên" for row, author in (
                   (vote, _titled("Chi bộ", case.cell)),
                   (committee, _committee(case.cell.parent) if case.cell.parent else "")) if row is not None]
    article1 = (f"Kết nạp quần chúng {case.full_name}, sinh ngày {_short_date(case.birth_date)}, quê quán "
                f"{case.home_town or BLANK}, vào Đảng Cộng sản Việt Nam. Thời gian dự bị 12 tháng kể từ ngày "
                "chi bộ tổ chức lễ kết nạp.")
    return _decision(
        case, _issuer(case.cell), kind="admission_decision", form_code="Mẫu 9-KNĐ", number=case.decision_no,
        on=case.decision_on, subtitle="kết nạp đảng viên", grounds=grounds,
        article1=article1, facts={"number": case.decision_no, "date": case.decision_on})


def recognition_decision(case: AdmissionCase) -> Form:
    """The committee's decision recognizing the probationary member as an official member."""
    decision = _step(case, "recognition_decision")
    # read afresh: the case in hand may carry the member as it was before the decision
    member = Member.objects.filter(pk=case.member_id).first() if case.member_id else None
    official_on = member.official_date if member else None
    vote = _vote_step(case, Stage.RECOGNITION_VOTED)
    grounds = []
    if vote is not None:
        grounds.append(f"Xét Nghị quyết số {vote.number or BLANK} ngày {_short_date(vote.on)} của "
                       f"{_titled('Chi bộ', case.cell)} đề nghị công nhận đảng viên chính thức")
    admitted = f" được kết nạp vào Đảng ngày {_short_date(case.decision_on)}," if case.decision_on else ""
    article1 = (f"Công nhận đồng chí {case.full_name}, sinh ngày {_short_date(case.birth_date)}, quê quán "
                f"{case.home_town or BLANK},{admitted} là đảng viên chính thức kể từ ngày "
                f"{_short_date(official_on)}.")
    return _decision(
        case, _issuer(case.cell), kind="recognition_decision", form_code="", number=decision.number,
        on=decision.on, subtitle="công nhận đảng viên chính thức", grounds=grounds, article1=article1,
        facts={"number": decision.number, "date": decision.on, "official_date": official_on})


def _decision(case: AdmissionCase, issuer: Unit, *, kind: str, form_code: str, number: str, on: dt.date,
              subtitle: str, grounds: list[str], article1: str, facts: dict[str, Any]) -> Form:
    """A decision of the committee's standing board: the grounds, then two articles."""
    grounds = ["Căn cứ Điều lệ Đảng Cộng sản Việt Nam",
               "Căn cứ Quy định thi hành Điều lệ Đảng và hướng dẫn của Ban Tổ chức Trung ương", *grounds]
    body = [
        Para(f"BAN THƯỜNG VỤ {_committee(issuer).upper()}", bold=True, align="center"),
        *[Para(f"- {ground}{',' if i == len(grounds) - 1 else ';'}") for i, ground in enumerate(grounds)],
        Para("QUYẾT ĐỊNH:", bold=True, align="center"),
        Para(article1, lead="Điều 1."),
        Para(f"{_titled('Chi bộ', case.cell)}, các cơ quan có liên quan và đồng chí có tên tại Điều 1 "
             "chịu trách nhiệm thi hành Quyết định này.", lead="Điều 2."),
    ]
    return Form(
        kind=kind, form_code=form_code, number=_number(number),
        issuer_lines=[*_headings(issuer.parent, issuer)[:-1], _committee(issuer).upper()],
        place_date=_place_date(issuer, on), title="QUYẾT ĐỊNH", subtitle=subtitle, body=body,
        recipients=["Nơi nhận:", "- Như Điều 2,", "- Lưu hồ sơ đảng viên."],
        signature=["T/M BAN THƯỜNG VỤ", "BÍ THƯ"], signature_note="(Ký, ghi rõ họ và tên, đóng dấu)",
        facts={**_facts(case), **facts, "issuer": issuer.name})


# ---- the case's facts -------------------------------------------------------------------------

def _step(case: AdmissionCase, kind: str) -> CaseStep:
    """The step form ``kind`` prints, or a ``DomainError`` naming the step to record first."""
    row = _vote_step(case, NEEDS[kind])
    if row is None or (kind == "admission_decision" and not case.decision_on):
        raise DomainError(_("The form “%(form)s” cannot be filled in yet: record the step “%(stage)s” first.")
                          % {"form": FORMS[kind], "stage": NEEDS[kind].label})
    return row


def _vote_step(case: AdmissionCase, stage: str) -> CaseStep | None:
    """The last passed step of ``stage`` (a vote that failed is no resolution)."""
    return case.steps.filter(stage=stage, passed=True).order_by("-on", "-id").first()


def _identity(case: AdmissionCase) -> list[Para]:
    return [Para(f"- {label}: {value}", align="left") for label, value in (
        ("Họ và tên", case.full_name), ("Ngày sinh", _short_date(case.birth_date)),
        ("Quê quán", case.home_town or BLANK), ("Nơi cư trú", case.residence or BLANK))]


def _facts(case: AdmissionCase) -> dict[str, Any]:
    return {"full_name": case.full_name, "birth_date": case.birth_date, "home_town": case.home_town,
            "residence": case.residence}


def _percent(yes: int | None, voters: int | None) -> str:
    """``2, 3`` → ``"66,67"``: two decimals at most, a decimal comma."""
    if not voters:
        return "0"
    value = (Decimal(yes or 0) * 100 / Decimal(voters)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{value:f}".rstrip("0").rstrip(".").replace(".", ",")


# ---- dates, numbers and unit names ------------------------------------------------------------

def _number(number: str) -> str:
    return f"Số: {number or BLANK}"


def _issuer(cell: Unit) -> Unit:
    """The committee that decides: the nearest commune, agency or grassroots committee above."""
    above = _ancestry(cell.parent)
    return next((u for u in above if u.kind in ISSUERS), above[0] if above else cell)
