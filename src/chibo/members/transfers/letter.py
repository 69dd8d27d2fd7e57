"""The introduction letter (giấy giới thiệu sinh hoạt đảng) of a transfer, as a Word document.

Four letters, by how far the member goes (``LetterType``): within the grassroots organization the
grassroots committee writes to the receiving cell directly; within the province the letter goes
through the committee above to the receiving grassroots organization; to another province through
the two provinces' organization boards; a temporary letter names the period of the stay. The texts
are Vietnamese by nature (official papers) and are not translated; the layout is ``core.word``'s.
"""

from __future__ import annotations

from chibo.core.word import BLANK, Form, Para, Table, build, short_date
from chibo.members.transfers.enums import LetterType, Reason, TransferKind
from chibo.members.transfers.models import Transfer
from chibo.org.enums import UnitKind
from chibo.org.models import Unit
from chibo.org.titles import ancestry, committee, headings, place_date, titled

SUBTITLES = {
    LetterType.GRASSROOTS: "(Chuyển sinh hoạt đảng chính thức trong đảng bộ cơ sở)",
    LetterType.PROVINCE: "(Chuyển sinh hoạt đảng chính thức trong đảng bộ tỉnh, thành phố)",
    LetterType.OTHER_PROVINCE: "(Chuyển sinh hoạt đảng chính thức ra ngoài đảng bộ tỉnh, thành phố)",
    LetterType.TEMPORARY: "(Sinh hoạt đảng tạm thời)",
}
REASONS: dict[str, str] = {
    Reason.JOB_CHANGE: "chuyển công tác", Reason.RETIREMENT: "nghỉ hưu", Reason.RESIDENCE: "thay đổi nơi cư trú",
    Reason.WORK_AWAY: "đi làm việc ở nơi khác", Reason.STUDY: "đi học tập",
    Reason.ORGANIZATION_CLOSED: "tổ chức đảng nơi sinh hoạt giải thể", Reason.OTHER: "lý do khác",
}


def letter(transfer: Transfer) -> bytes:
    """The letter of ``transfer`` (the caller checked that the user sees its whole dossier)."""
    return build(letter_form(transfer))


def _issuer(cell: Unit) -> Unit:
    """The grassroots organization above the cell (or the cell itself when it is a grassroots cell)."""
    chain = ancestry(cell)
    return next((u for u in chain if u.kind in UnitKind.grassroots()), cell.parent or cell)


def _province(unit: Unit) -> Unit | None:
    return next((u for u in ancestry(unit) if u.kind == UnitKind.PROVINCE), None)


def _board(province: Unit) -> str:
    """A province's organization board: ``Ban Tổ chức Tỉnh ủy Bắc Hà``, ``Ban Tổ chức Thành ủy Hà Nội``."""
    for prefix, body in (("tỉnh ", "Tỉnh ủy"), ("thành phố ", "Thành ủy")):
        if province.name.lower().startswith(prefix):
            return f"Ban Tổ chức {body} {province.name[len(prefix):]}"
    return f"Ban Tổ chức {committee(province)}"


def _route(transfer: Transfer, issuer: Unit) -> list[str]:
    """The committees the letter passes through (kính chuyển), by its type."""
    sender_province, receiver_province = _province(transfer.from_unit), _province(transfer.to_unit)
    if transfer.letter_type == LetterType.OTHER_PROVINCE:
        return [_board(p) for p in (sender_province, receiver_province) if p is not None]
    if transfer.letter_type == LetterType.PROVINCE and issuer.parent is not None:
        return [committee(issuer.parent)]
    return []


def letter_form(transfer: Transfer) -> Form:
    transfer = Transfer.objects.select_related("member", "from_unit__parent", "to_unit__parent").get(pk=transfer.pk)
    member, issuer = transfer.member, _issuer(transfer.from_unit)
    on = transfer.left_on or transfer.decided_on
    temporary = transfer.kind == TransferKind.TEMPORARY
    body: list[Para | Table] = [
        Para(committee(transfer.to_unit), lead="Kính gửi:", align="left"),
        Para(f"{member.full_name}, sinh ngày {short_date(member.birth_date)}", lead="Giới thiệu đồng chí:",
             align="left"),
        Para(f"vào Đảng ngày {short_date(member.admission_date)}, chính thức ngày {short_date(member.official_date)}",
             lead="Đảng viên", align="left"),
        Para(f"số thẻ đảng viên {member.card_number or BLANK}, số lý lịch {member.background_sheet_no or BLANK}",
             align="left"),
        Para(titled("Chi bộ", transfer.from_unit), lead="Hiện sinh hoạt tại:", align="left"),
        Para(f"{'tạm thời ' if temporary else ''}đến {titled(_word(transfer.to_unit), transfer.to_unit)}, "
             f"lý do: {REASONS.get(transfer.reason, BLANK)}", lead="Được chuyển sinh hoạt đảng", align="left"),
        Para(f"số {transfer.decision_number or BLANK} ngày {short_date(transfer.decided_on)} của {transfer.decided_by}",
             lead="Căn cứ quyết định", align="left"),
    ]
    if temporary:
        body.append(Para(f"từ ngày {short_date(transfer.accepted_on or on)} đến ngày "
                         f"{short_date(transfer.temporary_until)}", lead="Thời gian sinh hoạt tạm thời:", align="left"))
    body.append(Para(f"Đã đóng đảng phí hết tháng {BLANK}. Đề nghị các đồng chí nhận và giới thiệu đồng chí "
                     f"{member.full_name} sinh hoạt đảng theo quy định. Đồng chí {member.full_name} phải xuất trình "
                     f"giấy này với cấp ủy nơi đến trước ngày {short_date(transfer.present_by)}."))
    route = _route(transfer, issuer)
    if route:
        body.append(Table(header=["Kính chuyển", "Ngày nhận, ký tên, đóng dấu"],
                          rows=[[name, BLANK] for name in route], widths=[95, 70]))
    return Form(
        kind=f"transfer_{transfer.letter_type}", form_code="", issuer_lines=headings(issuer.parent, issuer),
        number=f"Số: {transfer.letter_number or BLANK}", place_date=place_date(issuer, on),
        title="GIẤY GIỚI THIỆU SINH HOẠT ĐẢNG", subtitle=SUBTITLES[LetterType(transfer.letter_type)],
        body=body, recipients=["Nơi nhận:", "- Như trên,", "- Đảng viên được giới thiệu,", "- Lưu."],
        signature=["T/M ĐẢNG ỦY" if issuer.kind != UnitKind.GRASSROOTS_CELL else "T/M CHI BỘ", "BÍ THƯ"],
        signature_note="(Ký, đóng dấu, ghi rõ họ và tên)",
        facts={"member": member.full_name, "letter_type": transfer.letter_type, "route": route,
               "to": transfer.to_unit.name, "number": transfer.letter_number})


def _word(unit: Unit) -> str:
    return "Chi bộ" if unit.kind in UnitKind.member_holding() else "Đảng bộ"
