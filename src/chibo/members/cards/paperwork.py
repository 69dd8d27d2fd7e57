"""The card's papers as Word documents (``core.word``): the member's report of a lost card,
confirmed by the cell, and the grassroots organization's request to reissue a card. Vietnamese
by nature (official papers), not translated."""

from __future__ import annotations

import datetime as dt

from chibo.core.word import BLANK, Form, Para, build, short_date
from chibo.members.cards.enums import CardReason, CardState
from chibo.members.cards.models import PartyCard
from chibo.members.cards.services import issuer_for
from chibo.org.enums import UnitKind
from chibo.org.models import Unit
from chibo.org.titles import committee, headings, place_date, titled

REASONS: dict[str, str] = {CardReason.LOSS: "bị mất", CardReason.DAMAGE: "bị hư hỏng",
                           CardReason.EXCHANGE: "đổi sang thẻ gắn chip"}


def loss_report(card: PartyCard, today: dt.date) -> bytes:
    """The member's report that ``card`` was lost (the cell's confirmation below it)."""
    return build(loss_form(card, today))


def reissue_request(card: PartyCard, today: dt.date) -> bytes:
    """The grassroots organization's request to the issuing committee for a new card."""
    return build(reissue_form(card, today))


def _card(pk: int) -> PartyCard:
    return PartyCard.objects.select_related("member__unit__parent", "issuer").get(pk=pk)


def _grassroots(cell: Unit) -> Unit:
    unit: Unit | None = cell
    while unit is not None and unit.kind not in UnitKind.grassroots():
        unit = unit.parent
    return unit or cell


def _facts(card: PartyCard) -> list[Para]:
    m = card.member
    return [Para(f"{label}: {value}", align="left") for label, value in (
        ("Họ và tên", m.full_name), ("Ngày sinh", short_date(m.birth_date)),
        ("Ngày vào Đảng", short_date(m.admission_date)), ("Ngày chính thức", short_date(m.official_date)),
        ("Sinh hoạt tại", titled("Chi bộ", m.unit)),
        ("Số thẻ đảng viên", card.number), ("Ngày cấp thẻ", short_date(card.issued_on)))]


def loss_form(card: PartyCard, today: dt.date) -> Form:
    card = _card(card.pk)
    cell = card.member.unit
    lost_on = card.state_since if card.state == CardState.LOST else None
    body = [
        Para(f"Kính gửi: {titled('Chi bộ', cell)}", align="left", bold=True),
        *_facts(card),
        Para(f"Tôi xin báo cáo: ngày {short_date(lost_on)} tôi đã để mất thẻ đảng viên nêu trên. "
             f"Hoàn cảnh mất thẻ: {card.note or BLANK}."),
        Para("Tôi xin nhận khuyết điểm trước chi bộ và đề nghị cấp ủy xem xét, cấp lại thẻ đảng viên cho tôi."),
        Para("XÁC NHẬN CỦA CHI BỘ", align="center", bold=True),
        Para(f"Chi bộ xác nhận đồng chí {card.member.full_name} đã báo cáo mất thẻ đảng viên số {card.number}; "
             "số thẻ này không được sử dụng lại.", align="left"),
    ]
    return Form(kind="card_loss", form_code="", issuer_lines=headings(cell.parent, cell), number="",
                place_date=place_date(cell, today), title="BÁO CÁO MẤT THẺ ĐẢNG VIÊN", subtitle="", body=body,
                recipients=[], signature=["NGƯỜI BÁO CÁO"], signature_note="(Ký, ghi rõ họ và tên)",
                facts={"number": card.number, "member": card.member.full_name})


def reissue_form(card: PartyCard, today: dt.date, reason: str = CardReason.LOSS) -> Form:
    card = _card(card.pk)
    cell = card.member.unit
    grassroots = _grassroots(cell)
    reason = CardReason.LOSS if card.state == CardState.LOST else reason
    issuer = issuer_for(card.member)
    body = [
        Para(f"Kính gửi: Ban Thường vụ {committee(issuer)}", align="left", bold=True),
        Para(f"Căn cứ báo cáo của {titled('Chi bộ', cell)}, {committee(grassroots)} đề nghị cấp lại thẻ đảng viên "
             "cho đồng chí sau:"),
        *_facts(card),
        Para(f"Lý do đề nghị cấp lại: thẻ đảng viên {REASONS.get(reason, BLANK)}."),
        Para(f"Thẻ số {card.number} đã được ghi vào sổ theo dõi; số thẻ này không được sử dụng lại."),
    ]
    return Form(kind="card_reissue", form_code="", issuer_lines=headings(grassroots.parent, grassroots),
                number=f"Số: {BLANK}-TTr/ĐU", place_date=place_date(grassroots, today),
                title="TỜ TRÌNH", subtitle="Về việc đề nghị cấp lại thẻ đảng viên", body=body,
                recipients=["Nơi nhận:", "- Như trên,", "- Lưu."], signature=["T/M ĐẢNG ỦY", "BÍ THƯ"],
                signature_note="(Ký, ghi rõ họ và tên)",
                facts={"number": card.number, "member": card.member.full_name, "issuer": issuer.name})
