"""The review's official forms (01, 2A / 2B / 2C) as Word documents, read back with python-docx:
the names, the scores per criterion, the votes and the levels are in the text; the console's
download URLs are scoped and audited."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document

from chibo.accounts.policy import SYSTEM
from chibo.core.models import AuditEntry
from chibo.meetings import services as meetings
from chibo.quality import paperwork, residence, services
from chibo.quality.models import MemberReview, UnitReview
from chibo.targets import services as targets
from tests.quality.conftest import YEAR
from tests.quality.test_inputs import MEETING_POINTS, hold

POINTS = {"politics": 18, "discipline": 9, "duties": 45, "party_duties": 9, "contact": 9}  # 90
UNIT_POINTS = {"politics": 16, "organization": 16, "tasks": 32, "inspection": 8, "mass": 8}  # 80
PERSONAS = ("admin", "province", "commune", "secretary", "member", "outsider")
SEEN = {"admin": 200, "province": 200, "commune": 200, "secretary": 200, "member": 404, "outsider": 404}


def text_of(content: bytes) -> str:
    """Every paragraph of the document and of its tables, one space between words."""
    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    parts += [p.text for table in document.tables for row in table.rows for cell in row.cells for p in cell.paragraphs]
    return re.sub(r"\s+", " ", "\n".join(parts))


def table_rows(content: bytes) -> list[list[str]]:
    """The rows of the ruled tables (the criteria), as their cells' texts."""
    document = Document(io.BytesIO(content))
    ruled = [t for t in document.tables if t.style is not None and t.style.name == "Table Grid"]
    return [[cell.text for cell in row.cells] for table in ruled for row in table.rows]


@pytest.fixture
def decided_k(cast, period):
    """Cell K assessed itself (80), was verified and decided by G (good); the member An wrote his
    self-review (90), his residence cell (in another province) commented, the cell proposed 88 at its
    review meeting (5 of 6), the committee decided 88."""
    k_review = UnitReview.objects.get(unit=cast.tree.k, year=YEAR)
    services.self_assess_unit(k_review, actor=cast.secretary, scores=UNIT_POINTS,
                              text="Chi bộ lãnh đạo hoàn thành các nhiệm vụ chính trị.\n\nCòn hạn chế về sinh hoạt.")
    services.decide([(services.verify(k_review, actor=SYSTEM), None)], actor=SYSTEM, decider=cast.tree.g)
    review = MemberReview.objects.get(member=cast.plain_m, year=YEAR)
    services.self_assess_member(review, actor=cast.member, text="Tôi luôn giữ gìn phẩm chất đạo đức.",
                                scores=POINTS)
    asked = residence.ask(review, actor=cast.secretary, residence_code="QK")
    residence.answer(asked, actor=cast.outsider, text="Gương mẫu ở khu dân cư")
    meeting = meetings.create_meeting(actor=SYSTEM, unit=cast.tree.k, kind="regular",
                                      starts_at=timezone.make_aware(dt.datetime(YEAR, 12, 4, 19, 30)))
    services.propose(cast.tree.k, actor=cast.secretary, year=YEAR, meeting=meeting,
                     proposals={review.pk: services.Proposal("88", 5, 6, "Gương mẫu, nhiệt tình.")})
    review = services.verify(MemberReview.objects.get(pk=review.pk), actor=SYSTEM, note="Đồng ý với chi bộ.")
    services.decide([(review, None)], actor=SYSTEM, decider=cast.tree.g)
    return cast


def test_form_01_prints_the_collectives_scores_verification_and_level(decided_k):
    cast = decided_k
    content = paperwork.unit_form(UnitReview.objects.get(unit=cast.tree.k, year=YEAR))
    text = text_of(content)
    for piece in ("Mẫu 01", "ĐẢNG CỘNG SẢN VIỆT NAM", "ĐẢNG BỘ TRƯỜNG THCS ĐÔNG SƠN", "CHI BỘ GIÁO VIÊN 1",
                  "BÁO CÁO KIỂM ĐIỂM TẬP THỂ", "Chi bộ Giáo viên 1 năm 2026",
                  "Chi bộ lãnh đạo hoàn thành các nhiệm vụ chính trị.", "Còn hạn chế về sinh hoạt.",
                  "Tổng điểm tự chấm: 80. Tự xếp loại: “Hoàn thành tốt nhiệm vụ”.", "Điểm thẩm định: 80.",
                  "Đảng ủy Trường THCS Đông Sơn quyết định ngày", "xếp loại: “Hoàn thành tốt nhiệm vụ” (80 điểm).",
                  "Kết nạp đảng viên năm 2026: chưa giao chỉ tiêu; đã kết nạp 0 đảng viên.",
                  "Sinh hoạt đảng trong năm: 0 cuộc sinh hoạt đã tổ chức.", "T/M CHI BỘ"):
        assert piece in text, piece
    assert table_rows(content) == [
        ["TT", "Tiêu chí", "Điểm tối đa", "Điểm tự chấm"],
        ["1", "Xây dựng Đảng về chính trị, tư tưởng, đạo đức", "20", "16"],
        ["2", "Xây dựng tổ chức, đội ngũ cán bộ, đảng viên", "20", "16"],
        ["3", "Lãnh đạo thực hiện nhiệm vụ chính trị được giao", "40", "32"],
        ["4", "Kiểm tra, giám sát, phòng chống tham nhũng, lãng phí", "10", "8"],
        ["5", "Công tác dân vận, lãnh đạo các đoàn thể", "10", "8"],
        ["", "Tổng cộng", "100", "80"],
    ]


def test_form_01_before_the_self_assessment_says_what_is_missing(cast, period):
    form = paperwork.unit_report(UnitReview.objects.get(unit=cast.tree.g, year=YEAR))
    content = paperwork.unit_form(UnitReview.objects.get(unit=cast.tree.g, year=YEAR))
    text = text_of(content)
    for piece in ("ĐẢNG ỦY TRƯỜNG THCS ĐÔNG SƠN", "Ban Chấp hành Đảng bộ Trường THCS Đông Sơn năm 2026",
                  "(Chưa có bản tự đánh giá.)", "Chưa thẩm định.", "Chưa có quyết định xếp loại.",
                  "Đông Sơn, ngày … tháng … năm 2026", "T/M ĐẢNG ỦY"):
        assert piece in text, piece
    assert table_rows(content)[-1] == ["", "Tổng cộng", "100", ""]
    assert (form.facts["self_score"], form.facts["level"]) == (None, "")


def test_a_members_form_prints_the_self_review_the_cells_vote_and_the_decision(decided_k):
    cast = decided_k
    review = MemberReview.objects.get(member=cast.plain_m, year=YEAR)
    content = paperwork.member_form(review)
    text = text_of(content)
    for piece in ("Mẫu 2C", "ĐẢNG CỘNG SẢN VIỆT NAM", "BẢN KIỂM ĐIỂM CÁ NHÂN", "Năm 2026", "(Dùng cho đảng viên khác)",
                  "Họ và tên: Đặng Văn An", "Ngày sinh: 09/07/1990", "Ngày vào Đảng: 19/05/2010",
                  "Sinh hoạt tại: Chi bộ Giáo viên 1", "Tôi luôn giữ gìn phẩm chất đạo đức.",
                  "Tổng điểm tự chấm: 90. Tự xếp loại: “Hoàn thành xuất sắc nhiệm vụ”.",
                  "Nhận xét của chi bộ nơi cư trú (Chi bộ thôn Bắc): Gương mẫu ở khu dân cư",
                  "Chi bộ họp ngày 04/12/2026 đề nghị: 88 điểm, mức “Hoàn thành tốt nhiệm vụ”.",
                  "Số đảng viên dự họp: 6; số tán thành: 5.", "Nhận xét của chi bộ: Gương mẫu, nhiệt tình.",
                  "Điểm thẩm định: 88.", "Ý kiến của cơ quan tham mưu: Đồng ý với chi bộ.",
                  "xếp loại: “Hoàn thành tốt nhiệm vụ” (88 điểm).", "NGƯỜI TỰ KIỂM ĐIỂM"):
        assert piece in text, piece
    assert "Số:" not in text and "Chức vụ Đảng" not in text
    rows = table_rows(content)
    assert rows[3] == ["3", "Kết quả thực hiện chức trách, nhiệm vụ được giao", "50", "45"]
    assert rows[-1] == ["", "Tổng cộng", "100", "90"]


def test_a_leaders_form_is_2a_and_a_review_not_started_says_so(cast, period):
    review = MemberReview.objects.get(member=cast.sec_m, year=YEAR)
    text = text_of(paperwork.member_form(review))
    for piece in ("Mẫu 2A", "(Dùng cho đảng viên giữ chức vụ lãnh đạo, quản lý)", "Họ và tên: Trần Thị Bình",
                  "Chức vụ Đảng, chính quyền, đoàn thể:", "(Đảng viên chưa viết bản tự kiểm điểm.)",
                  "Chi bộ chưa họp xét, đề nghị mức xếp loại.", "Chưa thẩm định.", "Chưa có quyết định xếp loại.",
                  "Sinh hoạt chi bộ thường kỳ năm 2026: được mời 0 cuộc"):
        assert piece in text, piece
    assert "chi bộ nơi cư trú" not in text  # not asked


def test_the_forms_print_the_inputs_beside_the_scores(cast, period):
    t, sec, plain, other = cast.tree, cast.sec_m.pk, cast.plain_m.pk, cast.other_m.pk
    targets.set_targets(actor=SYSTEM, parent=t.g, year=YEAR, indicator="admissions", values={t.k.pk: 3})
    hold(cast, t.k, dt.date(YEAR, 3, 4), {sec: "present", plain: "present", other: "excused"},
         points=MEETING_POINTS | {"content": 35})  # 90
    hold(cast, t.k, dt.date(YEAR, 4, 4), {sec: "present", plain: "unexcused", other: "present"},
         points=MEETING_POINTS)  # 91
    unit_text = text_of(paperwork.unit_form(UnitReview.objects.get(unit=t.k, year=YEAR)))
    assert "Kết nạp đảng viên năm 2026: chỉ tiêu 3, đã kết nạp 0 đảng viên (đạt 0%)." in unit_text
    assert ("Sinh hoạt đảng trong năm: 2 cuộc sinh hoạt đã tổ chức; tỷ lệ đảng viên dự sinh hoạt 66,67%; "
            "điểm chất lượng sinh hoạt bình quân 90,5.") in unit_text
    member_text = text_of(paperwork.member_form(MemberReview.objects.get(member=cast.plain_m, year=YEAR)))
    assert ("Sinh hoạt chi bộ thường kỳ năm 2026: được mời 2 cuộc, có mặt 1, vắng có lý do 0, "
            "vắng không có lý do 1.") in member_text
    assert "Học tập, nghiên cứu văn bản: đã xác nhận học 0/0 văn bản được giao." in member_text


# ---- the console's downloads ---------------------------------------------------------------------

@pytest.mark.parametrize("persona", PERSONAS)
def test_form_01_download_is_scoped(client, decided_k, persona):
    cast = decided_k
    client.force_login(getattr(cast, persona))
    response = client.get(reverse("console:review_form01", args=[cast.tree.k.pk, YEAR]))
    assert response.status_code == SEEN[persona]
    if response.status_code == 200:
        assert response["Content-Disposition"] == f'attachment; filename="mau-01-K-{YEAR}.docx"'
        assert "Chi bộ Giáo viên 1 năm 2026" in text_of(response.content)
        entry = AuditEntry.objects.get(action="reports.exported")
        assert (entry.actor_id, entry.unit_path) == (getattr(cast, persona).pk, cast.tree.k.path)
        assert entry.payload | {"title": ""} == {"kind": "quality_form", "format": "docx", "form": "01",
                                                 "year": YEAR, "quarter": 0, "title": ""}
    else:
        assert not AuditEntry.objects.filter(action="reports.exported").exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_members_form_download_is_scoped(client, decided_k, persona):
    cast = decided_k
    review = MemberReview.objects.get(member=cast.plain_m, year=YEAR)
    client.force_login(getattr(cast, persona))
    response = client.get(reverse("console:review_member_form", args=[review.pk]))
    assert response.status_code == SEEN[persona]
    if response.status_code == 200:
        filename = f"mau-2c-{cast.plain_m.pk}-{YEAR}.docx"
        assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
        assert "Họ và tên: Đặng Văn An" in text_of(response.content)
        assert AuditEntry.objects.get(action="reports.exported").payload["form"] == "2C"


def test_a_year_without_a_review_or_another_provinces_member_is_not_found(client, cast, period):
    client.force_login(cast.admin)
    assert client.get(reverse("console:review_form01", args=[cast.tree.k.pk, YEAR - 1])).status_code == 404
    assert client.get(reverse("console:review_form01", args=[cast.tree.c.pk, YEAR])).status_code == 404  # issuer
    client.force_login(cast.outsider)
    review = MemberReview.objects.get(member=cast.plain_m, year=YEAR)
    assert client.get(reverse("console:review_member_form", args=[review.pk])).status_code == 404
    assert client.get(reverse("console:review_member_form", args=[review.pk + 1000])).status_code == 404
