"""The member search of the foundation bench (issue 11): ``members.queries.page`` at the root.

Each term is searched as the console does (first page of 50, its phases in turn); a few are also
entered from a cursor at the fourth phase, as when the earlier phases did not fill the page.
Every figure stands beside the very same search with the two indexes of migration members 0005
(``member_name_inner``, ``member_long_name``) dropped, inside a transaction rolled back
afterwards, and the two must return the same rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench import checks
from bench.report import Figure, Report, median_ms

INDEXES = ("member_name_inner", "member_long_name")
NO_INDEXES = "without the 2 new indexes"
SEARCHES = (  # (text, what it stands for)
    ("nguyen van", "common prefix"), ("khuc", "rare surname"), ("thi tuyet", "words inside the name"),
    ("van thanh", "after the surname"), ("thu", "a given or middle name"),
    ("khuc van thanh", "rare full name"), ("nguyen thi thu huong", "full name, two middle names"),
    ("ngyuen van", "typo"), ("nguyen van zung", "no match"),
)
FROM_PHASE_4 = ("nguyen van", "van thanh")  # the earlier phases passed: the page comes from the last two
FIRST_LATE_PHASE = 3  # the cursor's phase number (from 0) of name_inner


def search(report: Report, reps: int) -> None:
    from chibo.members import queries

    qs = queries.members_for_user(checks.bench_admin())
    report.context["search"] = _name_lengths()
    late = queries._encode((FIRST_LATE_PHASE, "", 0))  # the cursor of the fourth phase's start
    cases = [(text, kind, None) for text, kind in SEARCHES]
    cases += [(text, f"{kind}, from the 4th phase", late) for text, kind in SEARCHES if text in FROM_PHASE_4]
    measured = []
    for text, kind, after in cases:
        run = _run(qs, text, after)
        first = run()
        figure = report.add(Figure(f"search \"{text}\" at root ({kind})", median_ms(run, reps), "ms",
                                   budget=checks.BUDGET["search"], note=_found(first)))
        measured.append((figure, run, [m.pk for m in first.rows]))
    _plans(report, qs, tag="")
    with checks.indexes_dropped(INDEXES):
        for figure, run, pks in measured:
            figure.baseline, figure.baseline_name = median_ms(run, checks.BASELINE_REPS), NO_INDEXES
            if [m.pk for m in run().rows] != pks:
                figure.note += "; ROWS DIFFER WITHOUT THE INDEXES"
            print(f"  {figure.name}: {figure.baseline:,.1f} ms {NO_INDEXES}", flush=True)
        _plans(report, qs, tag="baseline", texts=("van thanh",), phases=(3, 4))


def _run(qs: Any, text: str, after: str | None) -> Callable[[], Any]:
    from chibo.members import queries

    return lambda: queries.page(qs, search=text, after=after)


def _found(page: Any) -> str:
    return f"{len(page.rows)} rows on the page{'' if page.next_cursor else ', the last page'}"


def _name_lengths() -> dict[str, int]:
    """How many names each of the two partial indexes holds (four words or more, five or more)."""
    from chibo.members.models import Member

    return {"names_of_4_words_or_more": Member.objects.filter(name_inner__isnull=False).count(),
            "names_of_5_words_or_more": Member.objects.filter(name_rest__isnull=False).count()}


def _plans(report: Report, qs: Any, *, tag: str, texts: tuple[str, ...] = (), phases: tuple[int, ...] = ()) -> None:
    """The plan of each phase's first page (``tag`` keeps SQLite from reusing a cached EXPLAIN)."""
    from chibo.members import queries

    for text, _kind in SEARCHES:
        if texts and text not in texts:
            continue
        for number, phase in enumerate(queries.search_phases(qs, text)):
            if phases and number not in phases:
                continue
            sql, params = phase.rows.select_related("unit").order_by(phase.key, "pk")[:51].query.sql_with_params()
            label = f"search {text} (phase {number + 1}{', ' + NO_INDEXES if tag else ''})"
            checks._plan(report, label, sql=f"/* {tag or 'search'} */ {sql}", params=params)
