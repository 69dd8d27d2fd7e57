"""The review's official forms filled in from the data, as Word documents (HD 43-HD/BTCTW): the
collective's review report (form 01) and a member's self-review (form 2A, 2B or 2C, the one the
review row names).

Each form prints what the review holds at the time it is downloaded: the self-assessment with its
points per criterion, the inputs shown beside the scores (``quality.inputs``), the cell's proposal
and vote, the verification and the decision; a step not taken yet is said so, so a form can be
printed at any step. The texts are Vietnamese by nature (official papers) and are not translated;
the layout is the admission forms' (``core.word``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from chibo.core.rulebook import rule
from chibo.core.word import BLANK, Form, Para, Table, build, short_date
from chibo.org.models import Unit
from chibo.org.titles import committee, headings, party_word, place, place_date, titled
from chibo.quality import frameworks, inputs, rules
from chibo.quality.enums import Form as SelfReviewForm
from chibo.quality.enums import Level
from chibo.quality.models import MemberReview, Review, UnitReview

LEVELS: dict[str, str] = {
    Level.EXCELLENT: "Hoàn thành xuất sắc nhiệm vụ",
    Level.GOOD: "Hoàn thành tốt nhiệm vụ",
    Level.COMPLETION: "Hoàn thành nhiệm vụ",
    Level.NON_COMPLETION: "Không hoàn thành nhiệm vụ",
}
AUDIENCES: dict[str, str] = {
    SelfReviewForm.LEADER: "(Dùng cho đảng viên giữ chức vụ lãnh đạo, quản lý)",
    SelfReviewForm.OFFICIAL: "(Dùng cho đảng viên là cán bộ, công chức, viên chức không giữ chức vụ lãnh đạo, "
                             "quản lý)",
    SelfReviewForm.OTHER: "(Dùng cho đảng viên khác)",
}
CAPS = {  # the rulebook's capping conditions (quality.caps), as the decision states them
    "leadership_disciplined": "có thành viên lãnh đạo bị kỷ luật trong năm",
    "disciplined_in_year": "bị kỷ luật trong năm",
}
CRITERIA_HEADER = ["TT", "Tiêu chí", "Điểm tối đa", "Điểm tự chấm"]
CRITERIA_WIDTHS = [12, 105, 25, 25]


def unit_form(review: UnitReview) -> bytes:
    """Form 01 of ``review`` (the collective's review report) as a Word document."""
    return build(unit_report(review))


def member_form(review: MemberReview) -> bytes:
    """The member's self-review form (2A, 2B or 2C) of ``review`` as a Word document. The caller
    has checked who may read it (the console's scope, or the member themself in the handbook)."""
    return build(member_report(review))


# ---- form 01: the collective ------------------------------------------------------------------

def unit_report(review: UnitReview) -> Form:
    review = (UnitReview.objects.select_related("unit__parent", "period", "decider", "framework__extends__extends")
              .get(pk=review.pk))
    unit = review.unit
    found = inputs.for_units([unit], review.year)[unit.pk]
    is_cell = party_word(unit) == "Chi bộ"
    collective = titled("Chi bộ", unit) if is_cell else f"Ban Chấp hành {titled('Đảng bộ', unit)}"
    body: list[Para | Table] = [
        _heading("I. KẾT QUẢ TỰ ĐÁNH GIÁ, TỰ CHẤM ĐIỂM"),
        *_text(review.self_text, "(Chưa có bản tự đánh giá.)"),
        *_scores(review),
        _heading("II. CÁC KẾT QUẢ LÀM CĂN CỨ ĐÁNH GIÁ"),
        Para(f"- Kết nạp đảng viên năm {review.year}: {_admissions(found)}", align="left"),
        Para(f"- Sinh hoạt đảng trong năm: {_meetings(found)}", align="left"),
        *_verification_and_decision(review, "III", "IV"),
    ]
    return Form(
        kind="form01", form_code="Mẫu 01", issuer_lines=_issuer_lines(unit), place_date=_place_line(unit, review),
        number=f"Số: {BLANK}-BC/{'CB' if is_cell else 'ĐU'}", title="BÁO CÁO KIỂM ĐIỂM TẬP THỂ",
        subtitle=f"{collective} {_period_words(review)}", body=body,
        recipients=["Nơi nhận:", "- Cấp ủy cấp trên,", "- Lưu."],
        signature=["T/M CHI BỘ" if is_cell else "T/M ĐẢNG ỦY", "BÍ THƯ"], signature_note="(Ký, ghi rõ họ và tên)",
        facts={"unit": unit.name, "year": review.year, "self_score": review.self_score,
               "final_score": review.final_score, "level": review.level, "inputs": found})


def _admissions(found: inputs.UnitInputs) -> str:
    if found.admission_target is None:
        return f"chưa giao chỉ tiêu; đã kết nạp {found.admitted} đảng viên."
    reached = f" (đạt {_number(found.target_percent)}%)" if found.target_percent is not None else ""
    return f"chỉ tiêu {found.admission_target}, đã kết nạp {found.admitted} đảng viên{reached}."


def _meetings(found: inputs.UnitInputs) -> str:
    parts = [f"{found.meetings_held} cuộc sinh hoạt đã tổ chức"]
    if found.attendance_percent is not None:
        parts.append(f"tỷ lệ đảng viên dự sinh hoạt {_number(found.attendance_percent)}%")
    if found.average_score is not None:
        parts.append(f"điểm chất lượng sinh hoạt bình quân {_number(found.average_score)}")
    return "; ".join(parts) + "."


# ---- forms 2A, 2B, 2C: the member ---------------------------------------------------------------

def member_report(review: MemberReview) -> Form:
    review = (MemberReview.objects.select_related("member", "unit__parent", "period", "decider", "cell_meeting",
                                                  "framework__extends__extends").get(pk=review.pk))
    member, cell = review.member, review.unit
    found = inputs.for_members(cell, review.year, [member.pk])[member.pk]
    body: list[Para | Table] = [
        Para(AUDIENCES.get(review.form, ""), align="center", italic=True),
        *[Para(f"{label}: {value}", align="left") for label, value in (
            ("Họ và tên", member.full_name), ("Ngày sinh", short_date(member.birth_date)),
            ("Ngày vào Đảng", short_date(member.admission_date)),
            ("Ngày chính thức", short_date(member.official_date)),
            ("Sinh hoạt tại", titled("Chi bộ", cell)))],
        *([Para(f"Chức vụ Đảng, chính quyền, đoàn thể: {BLANK}", align="left")]
          if review.form == SelfReviewForm.LEADER else []),
        _heading("I. TỰ KIỂM ĐIỂM"),
        *_text(review.self_text, "(Đảng viên chưa viết bản tự kiểm điểm.)"),
        _heading("II. TỰ CHẤM ĐIỂM, TỰ XẾP LOẠI"),
        *_scores(review, proposed=review.self_level),
        _heading("III. CÁC KẾT QUẢ LÀM CĂN CỨ ĐÁNH GIÁ"),
        *_member_inputs(found, review.year),
        _heading("IV. Ý KIẾN CỦA CHI BỘ"),
        *_cell_proposal(review),
        *_verification_and_decision(review, "V", "VI"),
    ]
    return Form(
        kind=f"form{review.form}", form_code=f"Mẫu {review.form}", issuer_lines=headings(cell.parent, cell),
        number="", place_date=_place_line(cell, review), title="BẢN KIỂM ĐIỂM CÁ NHÂN",
        subtitle=_period_words(review).capitalize(), body=body, recipients=[],
        signature=["NGƯỜI TỰ KIỂM ĐIỂM"], signature_note="(Ký, ghi rõ họ và tên)",
        facts={"full_name": member.full_name, "year": review.year, "form": review.form,
               "self_score": review.self_score, "self_level": review.self_level, "cell_score": review.cell_score,
               "final_score": review.final_score, "level": review.level, "inputs": found})


def _member_inputs(found: inputs.MemberInputs, year: int) -> list[Para]:
    lines = [
        f"- Sinh hoạt chi bộ thường kỳ năm {year}: được mời {found.meetings} cuộc, có mặt {found.present}, "
        f"vắng có lý do {found.excused}, vắng không có lý do {found.unexcused}.",
        f"- Học tập, nghiên cứu văn bản: đã xác nhận học {found.studies_done}/{found.studies_assigned} văn bản "
        "được giao.",
    ]
    if found.residence_comment is not None:
        where = f" ({found.residence_cell})" if found.residence_cell else ""
        said = found.residence_comment or "đã đề nghị, chưa có nhận xét."
        lines.append(f"- Nhận xét của chi bộ nơi cư trú{where}: {said}")
    return [Para(line, align="left") for line in lines]


def _cell_proposal(review: MemberReview) -> list[Para]:
    if review.cell_score is None:
        return [Para("Chi bộ chưa họp xét, đề nghị mức xếp loại.", italic=True, align="left")]
    held = timezone.localtime(review.cell_meeting.starts_at).date() if review.cell_meeting else \
        (timezone.localtime(review.cell_at).date() if review.cell_at else None)
    lines = [Para(f"Chi bộ họp ngày {short_date(held)} đề nghị: {_number(review.cell_score)} điểm, mức "
                  f"“{LEVELS[_earned(review, review.cell_score)]}”.", align="left"),
             Para(f"Số đảng viên dự họp: {review.votes_present}; số tán thành: {review.votes_for}.", align="left")]
    if review.cell_note:
        lines.append(Para(f"Nhận xét của chi bộ: {review.cell_note}"))
    return lines


# ---- what both share --------------------------------------------------------------------------

def _scores(review: Review, proposed: str = "") -> list[Para | Table]:
    """The framework's top-level criteria with their maximum and the points self-assessed."""
    if review.framework is None:
        return [Para("(Không có khung tiêu chí áp dụng cho kỳ đánh giá này.)", italic=True, align="left")]
    rows = [[str(i), c["label"], str(c.get("max", "")), str(review.self_scores.get(c["key"], ""))]
            for i, c in enumerate(frameworks.top_level(frameworks.criteria(review.framework)), start=1)]
    total = sum(int(c[2] or 0) for c in rows)
    rows.append(["", "Tổng cộng", str(total), _number(review.self_score) if review.self_score is not None else ""])
    out: list[Para | Table] = [Table(CRITERIA_HEADER, rows, CRITERIA_WIDTHS, total=True)]
    if review.self_score is not None:
        level = proposed or _earned(review, review.self_score)
        out.append(Para(f"Tổng điểm tự chấm: {_number(review.self_score)}. Tự xếp loại: “{LEVELS[level]}”.",
                        align="left"))
    return out


def _verification_and_decision(review: Review, verify_no: str, decide_no: str) -> list[Para]:
    out = [_heading(f"{verify_no}. KẾT QUẢ THẨM ĐỊNH")]
    if review.verified_score is None:
        out.append(Para("Chưa thẩm định.", italic=True, align="left"))
    else:
        out.append(Para(f"Điểm thẩm định: {_number(review.verified_score)}.", align="left"))
        if review.verify_note:
            out.append(Para(f"Ý kiến của cơ quan tham mưu: {review.verify_note}"))
    out.append(_heading(f"{decide_no}. QUYẾT ĐỊNH XẾP LOẠI CHẤT LƯỢNG"))
    if not review.level:
        out.append(Para("Chưa có quyết định xếp loại.", italic=True, align="left"))
        return out
    decider: Unit = review.decider
    score = f" ({_number(review.final_score)} điểm)" if review.final_score is not None else ""
    decided_on = f" ngày {short_date(timezone.localtime(review.decided_at).date())}" if review.decided_at else ""
    out.append(Para(f"{committee(decider)} quyết định{decided_on} xếp loại: “{LEVELS[review.level]}”{score}.",
                    align="left"))
    if review.capped_by:
        out.append(Para(f"Mức xếp loại bị giới hạn do {CAPS.get(review.capped_by, review.capped_by)}.",
                        align="left", italic=True))
    return out


def _earned(review: Review, score: Decimal) -> str:
    return rules.level_for(score, rule("quality.levels", on=review.period.ends_on))


def _heading(text: str) -> Para:
    return Para(text, bold=True, align="left")


def _text(text: str, missing: str) -> list[Para]:
    """The typed text as paragraphs (a blank line between two), or the note that it is missing."""
    blocks = [" ".join(block.split()) for block in text.replace("\r\n", "\n").split("\n\n") if block.strip()]
    return [Para(block) for block in blocks] or [Para(missing, italic=True, align="left")]


def _issuer_lines(unit: Unit) -> list[str]:
    """A cell signs as itself; a committee's organization as its committee (``ĐẢNG ỦY …``)."""
    lines = headings(unit.parent, unit)
    return lines if party_word(unit) == "Chi bộ" else [*lines[:-1], committee(unit).upper()]


def _period_words(review: Review) -> str:
    return f"quý {review.quarter} năm {review.year}" if review.quarter else f"năm {review.year}"


def _place_line(unit: Unit, review: Review) -> str:
    """The place and the day of the self-assessment; the day left blank before it."""
    if review.self_at is None:
        return f"{place(unit) or BLANK}, ngày … tháng … năm {review.year}"
    return place_date(unit, timezone.localtime(review.self_at).date())


def _number(value: Any) -> str:
    """``Decimal("85.50")`` → ``85,5``; ``80.00`` → ``80`` (a decimal comma)."""
    if value is None:
        return BLANK
    text = f"{Decimal(value):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")

