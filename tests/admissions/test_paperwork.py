"""The official admission forms, read back from the files: the Word text with python-docx, the PDF
text with pdftotext, and the first PDF page drawn with pdftoppm (it must not be blank).

``CHIBO_DOCS_SCREENSHOTS=1`` also saves each form's first page to docs/screenshots/forms-<kind>.png.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from docx import Document
from PIL import Image  # WeasyPrint's own dependency

from chibo.admissions import paperwork
from chibo.admissions.stages import Stage
from chibo.core.errors import DomainError, NotFound
from tests.factories.admissions import carry, open_case

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
NAME = "Nguyễn Thị Hương Giang"
PLACES = {"home_town": "Xã Đông Sơn, tỉnh Bắc Hà", "residence": "Thôn Thượng, xã Đông Sơn, tỉnh Bắc Hà"}



def run(tool: str, *args: str) -> str:
    """Run a poppler-utils tool; without it the test fails and says how to install it."""
    if not shutil.which(tool):
        pytest.fail(f"{tool} is missing: run scripts/ensure-pdf-tools (Debian's poppler-utils)")
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True).stdout


def _case(cast, stage):
    return carry(open_case(cast.tree.k, full_name=NAME, **PLACES), stage)


def _flat(text: str) -> str:
    """NFC, one space between words: a name may wrap across lines in the PDF."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    parts += [p.text for table in document.tables for row in table.rows for cell in row.cells
              for p in cell.paragraphs]
    return _flat("\n".join(parts))


def pdf_text(content: bytes, tmp_path: Path) -> str:
    source = tmp_path / "form.pdf"
    source.write_bytes(content)
    return _flat(run("pdftotext", str(source), "-"))


def first_page_png(content: bytes, tmp_path: Path) -> bytes:
    source = tmp_path / "page.pdf"
    source.write_bytes(content)
    run("pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", "-singlefile", str(source), str(tmp_path / "page"))
    return (tmp_path / "page.png").read_bytes()


def dark_pixels(png: bytes) -> int:
    """Pixels darker than mid-grey: ink on the page."""
    image = Image.open(io.BytesIO(png)).convert("L")
    return sum(image.histogram()[:128])


def check_pdf_page(content: bytes, kind: str, tmp_path: Path) -> None:
    """The page has ink on it, in Noto Serif (the font with the Vietnamese letters) embedded."""
    png = first_page_png(content, tmp_path)
    fonts = run("pdffonts", str(tmp_path / "page.pdf"))
    assert "Noto-Serif" in fonts or "NotoSerif" in fonts, fonts
    assert png.startswith(b"\x89PNG")
    assert dark_pixels(png) > 2000  # text, not an empty page
    if os.environ.get("CHIBO_DOCS_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / f"forms-{kind}.png").write_bytes(png)


def expect_in(text: str, *pieces: str) -> None:
    missing = [p for p in pieces if _flat(p) not in text]
    assert not missing, f"missing {missing} in: {text}"


def both_formats(case, kind: str, tmp_path: Path) -> list[str]:
    """The text of the form as Word and as PDF (the PDF page checked on the way)."""
    pdf = paperwork.render_pdf(case, kind)
    assert pdf.startswith(b"%PDF")
    check_pdf_page(pdf, kind, tmp_path)
    return [docx_text(paperwork.render_docx(case, kind)), pdf_text(pdf, tmp_path)]


def _vn(day) -> str:
    return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def test_cell_resolution(cast, tmp_path):
    case = _case(cast, Stage.CELL_VOTED)
    vote = case.steps.get(stage=Stage.CELL_VOTED)
    assert (vote.number, vote.yes, vote.voters, vote.needed) == ("05-NQ/CB", 3, 3, 2)
    for text in both_formats(case, "cell_resolution", tmp_path):
        expect_in(text, "Mẫu 6-KNĐ", "ĐẢNG BỘ TRƯỜNG THCS ĐÔNG SƠN", "CHI BỘ GIÁO VIÊN 1", "ĐẢNG CỘNG SẢN VIỆT NAM",
                  f"Đông Sơn, {_vn(vote.on)}", "Số: 05-NQ/CB", "NGHỊ QUYẾT", "đề nghị kết nạp đảng viên",
                  f"Họ và tên: {NAME}", "Ngày sinh: 10/05/2000", f"Quê quán: {PLACES['home_town']}",
                  f"Nơi cư trú: {PLACES['residence']}",
                  "Tổng số đảng viên chính thức: 3; số đồng ý: 3 (100%); số cần có: 2.",
                  f"Đề nghị cấp ủy cấp trên xem xét, kết nạp quần chúng {NAME} vào Đảng Cộng sản Việt Nam.",
                  "T/M CHI BỘ", "BÍ THƯ")


def test_admission_decision(cast, tmp_path):
    case = _case(cast, Stage.ADMITTED)
    vote = case.steps.get(stage=Stage.CELL_VOTED)
    context = paperwork.form_context(case, "admission_decision")
    assert context["facts"]["issuer"] == "Đảng bộ Trường THCS Đông Sơn"  # the grassroots committee above
    for text in both_formats(case, "admission_decision", tmp_path):
        expect_in(text, "Mẫu 9-KNĐ", "ĐẢNG BỘ XÃ ĐÔNG SƠN", "ĐẢNG ỦY TRƯỜNG THCS ĐÔNG SƠN", "ĐẢNG CỘNG SẢN VIỆT NAM",
                  f"Số: {case.decision_no}", f"Đông Sơn, {_vn(case.decision_on)}", "QUYẾT ĐỊNH",
                  "kết nạp đảng viên", "BAN THƯỜNG VỤ ĐẢNG ỦY TRƯỜNG THCS ĐÔNG SƠN",
                  f"Xét Nghị quyết số 05-NQ/CB ngày {vote.on:%d/%m/%Y} của Chi bộ Giáo viên 1",
                  f"Điều 1. Kết nạp quần chúng {NAME}, sinh ngày 10/05/2000, quê quán {PLACES['home_town']}, "
                  "vào Đảng Cộng sản Việt Nam. Thời gian dự bị 12 tháng kể từ ngày chi bộ tổ chức lễ kết nạp.",
                  "Điều 2. Chi bộ Giáo viên 1", "T/M BAN THƯỜNG VỤ")


def test_recognition_decision(cast, tmp_path):
    case = _case(cast, Stage.OFFICIAL)
    decision = case.steps.get(stage=Stage.OFFICIAL)
    case.member.refresh_from_db()
    official_on = case.member.official_date
    assert official_on == case.ceremony_on.replace(year=case.ceremony_on.year + 1)
    assert official_on is not None and decision.number
    for text in both_formats(case, "recognition_decision", tmp_path):
        expect_in(text, f"Số: {decision.number}", f"Đông Sơn, {_vn(decision.on)}", "QUYẾT ĐỊNH",
                  "công nhận đảng viên chính thức", f"Công nhận đồng chí {NAME}, sinh ngày 10/05/2000",
                  f"là đảng viên chính thức kể từ ngày {official_on:%d/%m/%Y}.", "T/M BAN THƯỜNG VỤ")


def test_the_word_document_is_an_a4_page_in_times_new_roman(cast):
    document = Document(io.BytesIO(paperwork.render_docx(_case(cast, Stage.CELL_VOTED), "cell_resolution")))
    section, normal = document.sections[0], document.styles["Normal"]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (normal.font.name, normal.font.size.pt) == ("Times New Roman", 13)
    sizes = {run.font.size.pt for p in document.paragraphs for run in p.runs}
    assert 13 in sizes and sizes <= {11, 12, 13, 14}


def test_a_grassroots_cell_is_decided_by_the_commune(cast):
    from tests.factories.registry import make_member

    make_member(cast.tree.qk, "Hà Văn Sơn")
    case = carry(open_case(cast.tree.qk, full_name=NAME), Stage.ADMITTED)
    form = paperwork.form_context(case, "admission_decision")["form"]
    assert form.issuer_lines == ["ĐẢNG BỘ TỈNH NAM LÂM", "ĐẢNG ỦY XÃ TÂY SƠN"]
    assert form.place_date.startswith("Tây Sơn, ngày ")
    resolution = paperwork.form_context(case, "cell_resolution")["form"]
    assert resolution.issuer_lines == ["ĐẢNG BỘ XÃ TÂY SƠN", "CHI BỘ THÔN BẮC"]
    assert "số đồng ý: 2 (100%); số cần có: 2." in " ".join(p.text for p in resolution.body)


@pytest.mark.parametrize(("kind", "stage", "needed"), [
    ("cell_resolution", Stage.VERIFIED, "Cell resolution"),
    ("admission_decision", Stage.COMMITTEE_RESOLVED, "Admission decision"),
    ("recognition_decision", Stage.RECOGNITION_VOTED, "Official member"),
])
def test_a_form_waits_for_its_step(cast, kind, stage, needed):
    case = _case(cast, stage)
    for render in (paperwork.form_context, paperwork.render_docx, paperwork.render_pdf):
        with pytest.raises(DomainError) as err:
            render(case, kind)
        assert f"record the step “{needed}” first" in str(err.value.message)


def test_an_unknown_form(cast):
    case = open_case(cast.tree.k)
    with pytest.raises(NotFound):
        paperwork.render_pdf(case, "membership_card")
