"""The member search: its phases, each an index range, and the citizen-ID rule."""

import datetime as dt
import re

import pytest
from django.db import connection

from chibo.members.models import Member
from chibo.members.queries import members_for_user, page, search_phases
from tests.factories.registry import make_member

D = dt.date


def names(qs, text, *, size=50, user=None):
    return [m.full_name for m in page(qs, search=text, size=size, user=user).rows]


def every_page(qs, text):
    """The names of every page of one row, each entered from the previous page's cursor."""
    seen, cursor = [], None
    while True:
        p = page(qs, search=text, size=1, after=cursor)
        seen += [m.full_name for m in p.rows]
        cursor = p.next_cursor
        if cursor is None:
            return seen


@pytest.mark.parametrize(("name", "inner", "rest"), [
    ("Nguyễn Văn An", None, None), ("Nguyễn Thị Thu Hương", "thu huong", None),
    ("Tôn Nữ Thị Hồng Vân", "thi hong van", "hong van"), ("Ksor H'Nhi", None, None),
    ("Rơ Mah Thị Thu Hà Linh", "thi thu ha linh", "thu ha linh"),
])
def test_the_database_computes_the_middle_words_of_long_names(cast, name, inner, rest):
    member = make_member(cast.tree.k2, name, sex="F" if "Văn" not in name else "M", birth_date=D(1990, 1, 1))
    assert Member.objects.values_list("name_inner", "name_rest").get(pk=member.pk) == (inner, rest)


LONG_NAMES = [  # (name, the phase that finds it by "hong")
    ("Hồng Thị Lan", 1), ("Lê Hồng Sơn", 2), ("Trần Thị Hồng", 3), ("Nguyễn Thị Hồng Nhung", 4),
    ("Tôn Nữ Hồng Thị Vân", 4), ("Tôn Nữ Thị Hồng Vân", 5), ("Rơ Mah Thị Thu Hồng Ánh", 5),
    ("Nguyễn Thị Thu Hà", None),
]


def test_search_finds_every_later_word_in_phase_order_and_pages_through_all_phases(cast):
    for i, (name, _phase) in enumerate(LONG_NAMES):
        make_member(cast.tree.k2, name, sex="M" if name == "Lê Hồng Sơn" else "F", birth_date=D(1980 + i, 1, 1))
    qs = members_for_user(cast.admin)
    expected = ["Hồng Thị Lan", "Lê Hồng Sơn", "Trần Thị Hồng",
                "Nguyễn Thị Hồng Nhung", "Tôn Nữ Hồng Thị Vân",  # phase 4, by the name from the third word
                "Rơ Mah Thị Thu Hồng Ánh", "Tôn Nữ Thị Hồng Vân"]  # phase 5, by the whole name
    assert names(qs, "hong") == expected
    assert every_page(qs, "hong") == expected
    assert names(qs, "thu hong") == ["Rơ Mah Thị Thu Hồng Ánh"]
    assert names(qs, "hong v") == ["Tôn Nữ Thị Hồng Vân"]


def test_a_name_matching_at_two_words_is_listed_once_in_the_earlier_phase(cast):
    make_member(cast.tree.k2, "Nguyễn Thị Thu Thu Hà", sex="F", birth_date=D(1991, 1, 1))
    make_member(cast.tree.k2, "Lê Thu Minh Thu Hà", sex="F", birth_date=D(1992, 1, 1))
    qs = members_for_user(cast.admin)
    assert every_page(qs, "thu") == ["Lê Thu Minh Thu Hà", "Nguyễn Thị Thu Thu Hà"]


def test_no_match_and_a_typo_find_nothing_in_every_phase(cast):
    make_member(cast.tree.k2, "Tôn Nữ Thị Hồng Vân", sex="F", birth_date=D(1990, 1, 1))
    qs = members_for_user(cast.admin)
    assert names(qs, "nguyen vna") == []
    assert names(qs, "xyz") == []
    assert [len(phase.rows) for phase in search_phases(qs, "hogn")] == [0, 0, 0, 0, 0]


def _plan(phase) -> str:
    rows = phase.rows.order_by(phase.key, "pk")[:51]
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:  # the test tables are tiny: make a scan cost what it would
            cur.execute("SET LOCAL enable_seqscan = off")
            cur.execute("SET LOCAL enable_sort = off")
    return rows.explain()


@pytest.mark.parametrize("text", ["zzz", "thu", "nguyen van an"])
def test_every_search_phase_reads_its_own_index_never_the_whole_table(cast, text):
    qs = members_for_user(cast.admin)
    indexes = ["member_name", "member_name_tail", "member_given_name", "member_name_inner", "member_long_name"]
    for number, (phase, index) in enumerate(zip(search_phases(qs, text), indexes, strict=True)):
        plan = _plan(phase).replace('"', "")
        assert re.search(rf"(INDEX|using) {index}\b", plan), plan
        if number < 4:  # a range of the index; the last phase reads the whole partial index
            assert f"USING INDEX {index} (" in plan or "Index Cond" in plan, plan
        assert "Seq Scan" not in plan, plan
