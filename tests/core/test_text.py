from hypothesis import given
from hypothesis import strategies as st

from chibo.core.text import fold, normalize_name, prefix_upper_bound


def test_fold_strips_vietnamese_marks_and_maps_d_stroke():
    assert fold("Nguyễn Văn An") == "nguyen van an"
    assert fold("Đặng Thị Ánh") == "dang thi anh"
    assert fold("  Hoàng   Ngọc  Đức ") == "hoang ngoc duc"
    assert fold("") == ""
    assert fold(None) == ""


def test_normalize_name_composes_and_collapses_spaces():
    decomposed = "Nguye\u0302\u0303n"
    assert normalize_name(f"  {decomposed}   Văn ") == "Nguyễn Văn"


@given(st.text(alphabet="abcdđĐạẾễ ơư", min_size=1, max_size=20))
def test_fold_is_idempotent_and_ascii_for_vietnamese_letters(text):
    folded = fold(text)
    assert fold(folded) == folded
    assert folded.isascii()


@given(st.text(alphabet="abcxyz ", min_size=1, max_size=8), st.text(alphabet="abcxyz ", max_size=8))
def test_prefix_upper_bound_bounds_every_extension(prefix, rest):
    bound = prefix_upper_bound(prefix)
    assert prefix <= prefix + rest < bound
