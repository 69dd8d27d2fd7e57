"""The introduction letter (DOCX), the right form for each type, read back with python-docx."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document

from chibo.members.transfers import letter
from chibo.members.transfers.enums import Reason, TransferKind
from tests.members.transfers.conftest import sent

pytestmark = pytest.mark.django_db


def _read(transfer) -> tuple[str, list[str]]:
    document = Document(io.BytesIO(letter.letter(transfer)))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join(p.text for p in document.paragraphs), cells


def test_letter_within_the_grassroots_organization(cast):
    text, cells = _read(sent(cast.plain_m, cast.tree.k2))
    assert "(Chuyển sinh hoạt đảng chính thức trong đảng bộ cơ sở)" in text
    assert "Kính gửi: Chi bộ Giáo viên 2" in text and "Kính chuyển" not in cells
    assert "Giới thiệu đồng chí: Đặng Văn An, sinh ngày 09/07/1990" in text
    assert "Hiện sinh hoạt tại: Chi bộ Giáo viên 1" in text
    assert "trước ngày 16/03/2026" in text
    assert "ĐẢNG BỘ TRƯỜNG THCS ĐÔNG SƠN" in cells[0] and "Số: 45-GGT" in cells[0]  # the issuer: G


def test_letter_within_the_province_goes_through_the_committee_above(cast):
    from tests.factories.registry import make_unit

    other = make_unit(cast.tree.c, "G2", "Đảng bộ Trạm Y tế", "grassroots_committee")
    text, cells = _read(sent(cast.plain_m, other))
    assert "(Chuyển sinh hoạt đảng chính thức trong đảng bộ tỉnh, thành phố)" in text
    assert "Kính chuyển" in cells and "Đảng ủy xã Đông Sơn" in cells


def test_letter_to_another_province_goes_through_both_organization_boards(cast):
    text, cells = _read(sent(cast.plain_m, cast.tree.qc))
    assert "(Chuyển sinh hoạt đảng chính thức ra ngoài đảng bộ tỉnh, thành phố)" in text
    assert "Kính gửi: Đảng ủy xã Tây Sơn" in text
    assert "Ban Tổ chức Tỉnh ủy Bắc Hà" in cells and "Ban Tổ chức Tỉnh ủy Nam Lâm" in cells
    assert "lý do: chuyển công tác" in text


def test_temporary_letter_names_the_period(cast):
    transfer = sent(cast.plain_m, cast.tree.qk, kind=TransferKind.TEMPORARY, reason=Reason.STUDY,
                    until=dt.date(2027, 1, 5))
    text, _cells = _read(transfer)
    assert "(Sinh hoạt đảng tạm thời)" in text and "tạm thời đến Chi bộ thôn Bắc" in text
    assert "Thời gian sinh hoạt tạm thời: từ ngày 26/01/2026 đến ngày 05/01/2027" in text
