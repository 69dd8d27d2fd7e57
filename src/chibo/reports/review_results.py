"""The review's results (``quality.results``) as tables and charts for the XLSX and PDF exports:
the unit's figures by level beside last year, each subordinate unit's, and the quality of the
year's new members. Percentages are ratios here (the exports' convention: 0.755 is 75.5 %)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from chibo.quality.enums import Level
from chibo.quality.results import NewMembers, Results, SubjectFigures, UnitResults
from chibo.reports.charts import bar_chart_svg
from chibo.reports.tables import Column, Table

INDENT = "– "
# the levels in a table's narrow columns (members' columns, after "Members reviewed")
SHORT_LEVELS = {Level.EXCELLENT.value: pgettext_lazy("review level", "Excellent"),
                Level.GOOD.value: pgettext_lazy("review level", "Good"),
                Level.COMPLETION.value: pgettext_lazy("review level", "Completion"),
                Level.NON_COMPLETION.value: pgettext_lazy("review level", "Non-completion")}


def _ratio(percent: Decimal | None) -> Decimal | None:
    return None if percent is None else percent / 100


def _subject_rows(s: SubjectFigures) -> list[dict[str, Any]]:
    rows = [{"item": _("%(subject)s: reviewed") % {"subject": s.label}, "now": s.reviewed,
             "before": s.last_reviewed},
            {"item": INDENT + _("classified"), "now": s.classified, "before": s.last_classified}]
    rows += [{"item": INDENT * 2 + line.label, "now": line.count, "now_share": _ratio(line.percent),
              "before": line.last_count, "before_share": _ratio(line.last_percent)} for line in s.lines]
    rows.append({"item": INDENT + _("good completion or better"), "now": s.good_or_better,
                 "now_share": _ratio(s.good_percent), "before_share": _ratio(s.last_good_percent)})
    if s.subject == "member":
        rows.append({"item": INDENT + _("reviewed, not classified"), "now": s.not_classified})
    rows.append({"item": INDENT + _("awaiting the decision"), "now": s.undecided})
    return rows


def levels_table(board: Results, *, unit_name: str, subtitle: str) -> Table:
    year = board.year
    columns = [Column("item", _("Item"), "text", 44), Column("now", str(year), "int"),
               Column("now_share", _("%(year)d, share of the classified") % {"year": year}, "percent", 14),
               Column("before", str(year - 1), "int"),
               Column("before_share", _("%(year)d, share of the classified") % {"year": year - 1}, "percent", 14)]
    rows = [row for s in board.unit.subjects for row in _subject_rows(s)]
    return Table(title=_("Classification results") + f": {unit_name}, {year}", subtitle=subtitle,
                 columns=columns, rows=rows)


def _child_row(r: UnitResults, target: int | None) -> dict[str, Any]:
    orgs, members = r.of("org"), r.of("member")
    row: dict[str, Any] = {"name": r.name, "orgs": orgs.reviewed, "orgs_good": _ratio(orgs.good_percent),
                           "grassroots": _ratio(r.grassroots_share),
                           "target": None if target is None else Decimal(target) / 100,
                           "members": members.reviewed, "not_classified": members.not_classified,
                           "members_good": _ratio(members.good_percent),
                           "members_good_before": _ratio(members.last_good_percent)}
    row.update({f"m_{line.level}": line.count for line in members.lines})
    return row


def children_table(board: Results, targets: dict[int, int], *, subtitle: str) -> Table:
    columns = [Column("name", _("Unit"), "text", 22), Column("orgs", _("Organizations reviewed"), "int", 15),
               Column("orgs_good", _("Organizations good or better"), "percent", 15),
               Column("grassroots", _("Grassroots good or better"), "percent", 14),
               Column("target", _("Target"), "percent", 10),
               Column("members", _("Members reviewed"), "int", 12)]
    columns += [Column(f"m_{level}", str(label), "int", 12) for level, label in SHORT_LEVELS.items()]
    columns += [Column("not_classified", _("Not classified"), "int", 11),
                Column("members_good", _("Members good or better"), "percent", 12),
                Column("members_good_before", _("Last year"), "percent", 10)]
    rows = [_child_row(r, targets.get(r.unit_id)) for r in board.children]
    return Table(title=_("Classification results by subordinate unit"), subtitle=subtitle, columns=columns,
                 rows=rows, total=_child_row(board.unit, targets.get(board.unit.unit_id)) | {"name": _("Total")})


def _new_row(n: NewMembers) -> dict[str, Any]:
    return {"name": n.name, "reviewed": n.reviewed, "decided": n.decided, "good": n.good,
            "share": _ratio(n.percent)}


def new_members_table(board: Results) -> Table:
    columns = [Column("name", _("Unit"), "text", 34), Column("reviewed", _("Admitted, reviewed"), "int"),
               Column("decided", _("Classified"), "int"), Column("good", _("Good or better"), "int"),
               Column("share", _("Share good or better"), "percent")]
    return Table(title=_("Quality of the members admitted in %(year)d") % {"year": board.year},
                 subtitle=_("At their first classified review"),
                 columns=columns, rows=[_new_row(n) for n in board.new_members_by_child],
                 total={**_new_row(board.new_members), "name": _("Total")}, notes=[new_members_note()])


def new_members_note() -> str:
    return _("Members admitted late in the year are first classified in the next year's review: the share of a "
             "year's new members is complete once the next year's review is decided.")


def tables(board: Results, targets: dict[int, int], *, unit_name: str, subtitle: str) -> list[Table]:
    out = [levels_table(board, unit_name=unit_name, subtitle=subtitle)]
    if board.children:
        out.append(children_table(board, targets, subtitle=subtitle))
    out.append(new_members_table(board))
    return out


def charts(board: Results, target: int | None) -> list[SafeString]:
    """Members by level this year (the bars) against last year (a dash over each); the
    subordinate units' grassroots organizations rated good or better against the target."""
    members = board.unit.of("member")
    out = [bar_chart_svg([line.label for line in members.lines], [float(line.percent or 0) for line in members.lines],
                         [float(line.last_percent) if line.last_percent is not None else None
                          for line in members.lines],
                         title=_("Party members by level, %% of the classified (dash: %(year)d)")
                         % {"year": board.year - 1})]
    shares = [(c.name, c.grassroots_share) for c in board.children if c.grassroots_share is not None]
    if shares:
        out.append(bar_chart_svg([name for name, _s in shares], [float(s) for _n, s in shares],
                                 target=float(target) if target is not None else None,
                                 title=_("Grassroots organizations rated good or better (%)")))
    return out
