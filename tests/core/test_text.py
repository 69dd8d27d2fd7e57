import pytest
from hypothesis import given
from hypothesis import strategies as st

from chibo.core.text import (
    fold,
    name_problem,
    normalize_name,
    plainly_text,
    prefix_upper_bound,
    text_problem,
    too_long_problem,
)


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


# ---- the rules for text a person typed --------------------------------------------------------


def _control(code: str, position: int) -> str:
    return f"The text contains a control character ({code}) at position {position}: delete it and type the text again."


def test_ordinary_vietnamese_text_has_no_problem():
    for value in ("Nguyễn Văn An", "Đắk Lắk", "Thôn \"Thượng\", xã Đông Sơn", "123-QĐ/TU", "", "  ", "a\u00a0b",
                  "Nguye\u0302\u0303n", "Ghi chú 🙂", "🫨"):  # the last one is newer than Python's Unicode 14
        assert text_problem(value) is None, value
        assert name_problem(value) is None, value


def test_control_characters_are_found_with_their_position():
    assert text_problem("Nguy\x1bễn") == _control("U+001B", 5)
    assert text_problem("a\x00") == _control("U+0000", 2)
    assert text_problem("ab\x7f") == _control("U+007F", 3)
    assert text_problem("a\tb") == _control("U+0009", 2)
    assert text_problem("a\u0085b") == _control("U+0085", 2)
    assert text_problem("a\u2028b") == _control("U+2028", 2)


def test_outer_spaces_and_line_breaks_are_not_counted_as_problems_but_positions_count_them():
    assert text_problem("\tNguyễn Văn An\r\n") is None
    assert text_problem("  a\x1b") == _control("U+001B", 4)


def test_multiline_text_keeps_line_breaks_tabs_and_joined_emoji():
    note = "Dòng 1\r\n\tDòng 2\u2028👨\u200d👩\u200d👧"
    assert text_problem(note, multiline=True) is None
    assert text_problem("a\n\x1b", multiline=True) == _control("U+001B", 3)
    assert text_problem("👨\u200d👩") == (
        "The text contains an invisible formatting character (U+200D) at position 2: delete it and type the text "
        "again.")


@pytest.mark.parametrize("char", ["\u202e", "\u202d", "\u2066", "\u200b", "\u200e", "\ufeff", "\u00ad"])
def test_invisible_formatting_characters_are_refused(char):
    assert text_problem(f"An{char}") == (
        f"The text contains an invisible formatting character (U+{ord(char):04X}) at position 3: delete it and "
        "type the text again.")


@pytest.mark.parametrize("char", ["\ue000", "\U000f0000", "\u0378", "\ud800", "\uffff"])
def test_unassigned_private_use_and_surrogate_characters_are_refused(char):
    assert text_problem(f"An{char}") == (
        f"The text contains a character that is not in use (U+{ord(char):04X}) at position 3: delete it and type "
        "the text again.")


@pytest.mark.parametrize("value", ["\u3164", "\u3164 \u3164", "\u2800", "\u0301\u0301", "\u115f\u1160"])
def test_a_value_made_only_of_invisible_characters_is_refused(value):
    assert text_problem(value) == (
        "The text is made only of invisible characters: type it again with letters, or leave it empty.")


@pytest.mark.parametrize("value", ["=HYPERLINK(\"x\")", "+cmd|x", "-cmd", "@SUM(A1)", " =1"])
def test_a_name_cannot_start_like_a_formula(value):
    sign = value.strip()[0]
    assert name_problem(value) == f"A name or place cannot start with “{sign}”: delete the sign at the start."
    assert text_problem(value) is None


def test_a_name_s_other_problems_come_first():
    assert name_problem("=a\x1b") == _control("U+001B", 3)


@given(st.text(max_size=30))
def test_the_quick_test_never_passes_what_the_rules_refuse(value):
    value = value.strip()
    if value and plainly_text(value):
        assert text_problem(value) is None
        assert name_problem(value) is None


def test_too_long_says_both_lengths():
    assert too_long_problem("a" * 120, 120) is None
    assert too_long_problem("a" * 121, 120) == "At most 120 characters (this has 121)."
