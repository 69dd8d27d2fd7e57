"""The annual (and quarterly) review in the console (issue 12): a unit's review page (the periods
around it, opening one), the progress of a subtree while the review runs (who is late), a unit's
own review page (the collective's self-assessment; for a cell, its members' self-reviews beside
what the data holds and the cell's proposals) and the verification and decision page of the
committee that decides a list of rows, with the quota's head-room of each peer group."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.console.forms import show_domain_error
from chibo.console.views.common import console_view, require_on
from chibo.console.widgets import DayInput
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.core.forms import TypedTextForm, check_posted_text
from chibo.core.replica import replica_reads
from chibo.core.rulebook import rule
from chibo.org import queries as org_queries
from chibo.org.enums import UnitKind
from chibo.org.models import Unit
from chibo.quality import frameworks, inputs, periods, queries, rules, services
from chibo.quality.enums import Level, Step
from chibo.quality.models import MemberReview, UnitReview
from chibo.quality.queries import MEMBERS, UNITS

UNIT_STEPS = [Step.OPEN, Step.SELF_ASSESSED, Step.VERIFIED, Step.DECIDED]
MEMBER_STEPS = [Step.OPEN, Step.SELF_ASSESSED, Step.PROPOSED, Step.VERIFIED, Step.DECIDED, Step.NOT_CLASSIFIED]
PROPOSABLE = (Step.OPEN, Step.SELF_ASSESSED, Step.PROPOSED)
PAGE_ROWS = 200
OUTCOME_SHOWN = 300  # the rows of a decision's outcome kept for the page after it
CAPS = {  # the rulebook's capping conditions (quality.caps), as a decided row explains its level
    "leadership_disciplined": gettext_lazy("capped: a member of its leadership was disciplined in the year"),
    "disciplined_in_year": gettext_lazy("capped: disciplined in the year"),
}


def _year(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise NotFound("year")
    return year


def _quarter(request: HttpRequest) -> int:
    raw = request.POST.get("quarter") or request.GET.get("quarter") or ""
    return int(raw) if raw in ("1", "2", "3", "4") else 0


def _suffix(quarter: int, **more: Any) -> str:
    params = {"quarter": quarter or "", **more}
    kept = "&".join(f"{k}={v}" for k, v in params.items() if v not in ("", None, 0))
    return f"?{kept}" if kept else ""


# --- the unit's review page ----------------------------------------------------------------------


class OpenPeriodForm(TypedTextForm):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(label=gettext_lazy("Review of"), coerce=int)
    self_until = forms.DateField(label=gettext_lazy("Self-assessments until"), widget=DayInput())
    cell_until = forms.DateField(label=gettext_lazy("Cell proposals until"), widget=DayInput())
    verify_until = forms.DateField(label=gettext_lazy("Verification until"), widget=DayInput())
    decide_until = forms.DateField(label=gettext_lazy("Decisions until"), widget=DayInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["quarter"]).choices = [(0, _("The whole year")),
                                          *[(q, _("Quarter %(n)d") % {"n": q}) for q in range(1, 5)]]
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select" if isinstance(field.widget, forms.Select)
                                          else "form-control")

    @staticmethod
    def initial_for(year: int) -> dict[str, Any]:
        return {"year": year, "quarter": 0, "self_until": dt.date(year, 12, 10), "cell_until": dt.date(year, 12, 20),
                "verify_until": dt.date(year + 1, 1, 10), "decide_until": dt.date(year + 1, 1, 31)}


def _may_open(user: Any, unit: Unit) -> bool:
    opens = unit.kind not in UnitKind.member_holding() or unit.kind == UnitKind.GRASSROOTS_CELL
    return opens and unit.is_open and policy.can(user, Perm.QUALITY_OPEN, unit.path)


@console_view
@require_http_methods(["GET", "POST"])
def unit_reviews(request: HttpRequest, pk: int) -> HttpResponse:
    """The periods covering the unit and those opened below it; a committee opens one."""
    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    form = OpenPeriodForm(request.POST or None, initial=OpenPeriodForm.initial_for(timezone.localdate().year))
    if request.method == "POST":
        require_on(request.user, Perm.QUALITY_OPEN, unit.path)
        if form.is_valid():
            try:
                period = periods.open_period(actor=request.user, issuer=unit, **form.cleaned_data)
            except DomainError as error:
                show_domain_error(form, error)
            else:
                messages.success(request, _("The review %(period)s is open for %(unit)s: %(units)d organizations and "
                                            "%(members)d members now have a review row.")
                                 % {"period": period, "unit": unit.name, "units": period.units,
                                    "members": period.members})
                return redirect("console:reviews", unit.pk)
    covering = services.periods_for(unit)
    may_open = _may_open(request.user, unit)
    own = {r.year: r for r in UnitReview.objects.filter(unit=unit, quarter=0, year__in=[p.year for p in covering])}
    return render(request, "console/reviews/unit.html", {
        "unit": unit, "ancestors": org_queries.ancestors(unit, request.user)[:-1], "form": form,
        "may_open": may_open, "below": queries.periods_below(unit),
        "min_months": rule("quality.min_months_admitted", on=timezone.localdate()) if may_open else None,
        "covering": [(p, own.get(p.year) if not p.quarter else None) for p in covering],
        "decides": unit.kind != UnitKind.CELL, "holds_members": unit.holds_members,
    })


# --- progress ------------------------------------------------------------------------------------


@console_view
@replica_reads
def progress(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    """Organizations and members of the subtree at each step, per child; who is late."""
    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    year, quarter = _year(year), _quarter(request)
    board = queries.progress(unit, year, quarter)
    lines = [{"line": line, "units": line.organizations.cells(UNIT_STEPS), "members": line.members.cells(MEMBER_STEPS)}
             for line in board.lines]
    return render(request, "console/reviews/progress.html", {
        "unit": unit, "year": year, "quarter": quarter, "suffix": _suffix(quarter), "board": board, "lines": lines,
        "period": queries.covering_period(unit, year, quarter), "levels": _levels(year, quarter),
        "unit_steps": UNIT_STEPS, "member_steps": MEMBER_STEPS, "unit_totals": board.organizations.cells(UNIT_STEPS),
        "member_totals": board.members.cells(MEMBER_STEPS), "ancestors": org_queries.ancestors(unit, request.user)[:-1],
    })


# --- the unit's own review: the collective's self-assessment and, for a cell, its members --------


@console_view
@require_http_methods(["GET", "POST"])
def own_review(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    year, quarter = _year(year), _quarter(request)
    data = queries.cell_reviews(unit, year, quarter)
    errors: dict[str, list] = {}
    posted: Any = {}
    if request.method == "POST":
        require_on(request.user, Perm.QUALITY_ASSESS, unit.path)
        try:
            check_posted_text(request.POST)
            _save_own(request, unit, year, quarter, data)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as error:
            messages.error(request, str(error.message))
            errors, posted = error.field_errors, request.POST
        else:
            return redirect(reverse("console:review_cell", args=[unit.pk, year]) + _suffix(quarter))
    return render(request, "console/reviews/cell.html", _own_context(request, unit, year, quarter, data, errors,
                                                                     posted))


def _save_own(request: HttpRequest, unit: Unit, year: int, quarter: int, data: queries.CellReviews) -> None:
    action = request.POST.get("action")
    if action == "self":
        if data.own is None:
            raise DomainError(_("This organization has no review row for this year: its committee opens the review."))
        scores = {c["key"]: request.POST.get(f"points_{c['key']}", "") for c in frameworks.shown(data.own.framework)}
        services.self_assess_unit(data.own, actor=request.user, text=request.POST.get("self_text", ""), scores=scores)
        messages.success(request, _("The collective's self-assessment was saved."))
    elif action == "propose":
        count = services.propose(unit, actor=request.user, year=year, quarter=quarter,
                                 meeting=_review_meeting(request, data), proposals=_proposals(request, data))
        messages.success(request, _("The cell's proposals for %(n)d members were saved.") % {"n": count})
    else:
        raise DomainError(_("Nothing was saved: use one of the page's buttons."))


def _review_meeting(request: HttpRequest, data: queries.CellReviews) -> Any:
    raw = request.POST.get("meeting", "")
    meeting = next((m for m in data.meetings if str(m.pk) == raw), None)
    if meeting is None:
        raise DomainError(_("Nothing was saved: choose the review meeting where the cell voted. If it is not "
                            "listed, add it on the Meetings page first."), {"meeting": [_("Choose the meeting.")]})
    return meeting


_PROPOSAL_FIELD = re.compile(r"^(score|votes_for|votes_present|note)_(\d+)$")


def _proposals(request: HttpRequest, data: queries.CellReviews) -> dict[int, services.Proposal]:
    """The rows filled in (a row left empty is not proposed); a row not on the cell's list refuses all."""
    known = {r.pk for r in data.members}
    ids = {int(m.group(2)) for m in map(_PROPOSAL_FIELD.match, request.POST) if m}
    if ids - known:
        raise DomainError(_("Nothing was saved: the list changed since the page was opened. Reload the page and "
                            "enter the proposals again."))
    post = request.POST
    proposals = {
        pk: services.Proposal(post.get(f"score_{pk}", ""), post.get(f"votes_for_{pk}", ""),
                              post.get(f"votes_present_{pk}", ""), post.get(f"note_{pk}", ""))
        for pk in sorted(ids)
        if any(post.get(f"{name}_{pk}", "").strip() for name in ("score", "votes_for", "votes_present", "note"))
    }
    if not proposals:
        raise DomainError(_("Nothing was saved: fill in the score and the vote of at least one member."))
    return proposals


def _criteria(data: queries.CellReviews, errors: dict[str, list], posted: Any) -> list[dict[str, Any]]:
    own = data.own
    if own is None:
        return []
    shown = frameworks.shown(own.framework)
    for c in shown:
        given = own.self_scores.get(c["key"]) if isinstance(own.self_scores, dict) else None
        c["value"] = posted.get(f"points_{c['key']}", "") if posted else ("" if given is None else given)
        c["errors"] = errors.get(c["key"], [])
    return shown


def _levels(year: int, quarter: int) -> dict[str, Any]:
    """The lowest score of each level (the rulebook's, at the period's end)."""
    return rule("quality.levels", on=periods.period_end(year, quarter))


def _member_lines(unit: Unit, year: int, data: queries.CellReviews, errors: dict[str, list], posted: Any,
                  thresholds: dict[str, Any]) -> list[dict[str, Any]]:
    found = inputs.for_members(unit, year, [r.member_id for r in data.members]) if unit.holds_members else {}
    lines = []
    for r in data.members:
        score = r.cell_score if r.cell_score is not None else r.self_score
        values = {"score": score, "votes_for": r.votes_for, "votes_present": r.votes_present, "note": r.cell_note}
        if posted:
            values = {name: posted.get(f"{name}_{r.pk}", "") for name in values}
        lines.append({
            "review": r, "inputs": found.get(r.member_id), "values": values,
            "editable": r.step in PROPOSABLE, "capped": CAPS.get(r.capped_by, r.capped_by),
            "earned": Level(rules.level_for(r.cell_score, thresholds)).label if r.cell_score is not None else "",
            "errors": {name: errors.get(f"{name}_{r.pk}", []) for name in ("score", "votes_for", "votes_present")},
            "row_errors": errors.get(f"row_{r.pk}", []),
        })
    return lines


def _own_context(request: HttpRequest, unit: Unit, year: int, quarter: int, data: queries.CellReviews,
                 errors: dict[str, list], posted: Any) -> dict[str, Any]:
    levels = _levels(year, quarter)
    lines = _member_lines(unit, year, data, errors, posted, levels)
    may_assess = policy.can(request.user, Perm.QUALITY_ASSESS, unit.path)
    return {
        "unit": unit, "year": year, "quarter": quarter, "suffix": _suffix(quarter), "data": data,
        "period": data.period, "levels": levels, "criteria": _criteria(data, errors, posted), "may_assess": may_assess,
        "may_self": may_assess and data.own is not None and data.own.step in (Step.OPEN, Step.SELF_ASSESSED),
        "self_text": posted.get("self_text", "") if posted else (data.own.self_text if data.own else ""),
        "self_text_errors": errors.get("text", []),
        "classified": [ln for ln in lines if ln["review"].step != Step.NOT_CLASSIFIED],
        "not_classified": [ln for ln in lines if ln["review"].step == Step.NOT_CLASSIFIED],
        "may_propose": may_assess and any(ln["editable"] for ln in lines),
        "meeting_chosen": str(posted.get("meeting", "")) if posted else str(next(
            (r.cell_meeting_id for r in data.members if r.cell_meeting_id), "")),
        "meeting_errors": errors.get("meeting", []),
        "ancestors": org_queries.ancestors(unit, request.user)[:-1],
    }


# --- verification and decision -------------------------------------------------------------------


def _outcome_key(unit: Unit) -> str:
    return f"quality.outcome.{unit.pk}"


@console_view
@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    """The rows this unit decides: the advisory body verifies them, the committee decides a list."""
    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    year, quarter = _year(year), _quarter(request)
    subject = MEMBERS if (request.GET.get("show") or request.POST.get("show")) == MEMBERS else UNITS
    step = request.GET.get("step", "")
    step = step if step in Step.values else ""
    raw_page = request.GET.get("page", "")
    page = int(raw_page) if raw_page.isdecimal() and 0 < int(raw_page) < 10_000 else 1
    errors: dict[str, list] = {}
    posted: Any = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        require_on(request.user, Perm.QUALITY_VERIFY if action == "verify" else Perm.QUALITY_DECIDE, unit.path)
        try:
            check_posted_text(request.POST)
            _act(request, unit, year, quarter, subject, action)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as error:
            messages.error(request, str(error.message))
            errors, posted = error.field_errors, request.POST
        else:
            return redirect(request.get_full_path())
    return render(request, "console/reviews/decide.html", _decide_context(
        request, unit, year, quarter, subject, step, page, errors, posted))


def _picked(request: HttpRequest) -> list[int]:
    raw = request.POST.getlist("pick")
    if not raw:
        raise DomainError(_("Nothing was saved: tick the rows first."))
    if not all(v.isdecimal() for v in raw):
        raise DomainError(_("Nothing was saved: the rows chosen are not valid. Reload the page and choose again."))
    return sorted({int(v) for v in raw})


def _act(request: HttpRequest, unit: Unit, year: int, quarter: int, subject: str, action: str) -> None:
    ids = _picked(request)
    scores = services.check_scores({f"score_{pk}": request.POST.get(f"score_{pk}", "") for pk in ids})
    if action == "verify":
        model: type[services.AnyReview] = MemberReview if subject == MEMBERS else UnitReview
        n = services.verify_many(unit, actor=request.user, model=model, year=year, quarter=quarter, rows={
            pk: (scores[f"score_{pk}"], request.POST.get(f"note_{pk}", "")) for pk in ids})
        messages.success(request, _("%(n)d reviews were verified.") % {"n": n})
        return
    if action != "decide":
        raise DomainError(_("Nothing was saved: use one of the page's buttons."))
    rows = queries.rows_by_id(unit, year, quarter, subject, ids)
    if len(rows) != len(ids):
        raise DomainError(_("Nothing was decided: %(n)d of the rows chosen are not on this list any more. Reload "
                            "the page and choose again.") % {"n": len(ids) - len(rows)})
    outcome = services.decide([(rows[pk], scores[f"score_{pk}"]) for pk in ids], actor=request.user, decider=unit)
    request.session[_outcome_key(unit)] = {
        "decided_count": len(outcome.decided), "refused_count": len(outcome.refused),
        "decided": [[_row_name(rows[r.pk]), str(Level(r.level).label), str(r.final_score)]
                    for r in outcome.decided[:OUTCOME_SHOWN]],
        "refused": [[_row_name(rows[r.pk]), reason] for r, reason in outcome.refused[:OUTCOME_SHOWN]],
    }


def _row_name(review: services.AnyReview) -> str:
    if isinstance(review, MemberReview):
        return f"{review.member.full_name} ({review.unit.name})"
    return review.unit.name


def _decide_rows(rows: list[Any], subject: str, year: int, errors: dict[str, list],
                 posted: Any) -> list[dict[str, Any]]:
    found = inputs.for_units([r.unit for r in rows], year) if subject == UNITS else {}
    picked = set(posted.getlist("pick")) if posted else set()
    return [{
        "review": r, "inputs": found.get(r.unit_id),
        "proposed": r.cell_score if subject == MEMBERS else r.self_score,
        "verifiable": r.step in ((Step.PROPOSED, Step.VERIFIED) if subject == MEMBERS
                                 else (Step.SELF_ASSESSED, Step.VERIFIED)),
        "decidable": r.step == Step.VERIFIED, "capped": CAPS.get(r.capped_by, r.capped_by),
        "picked": str(r.pk) in picked,
        "score": posted.get(f"score_{r.pk}", "") if posted else "",
        "note": posted.get(f"note_{r.pk}", "") if posted else "",
        "errors": errors.get(f"score_{r.pk}", []) + errors.get(f"row_{r.pk}", []),
    } for r in rows]


def _decide_context(request: HttpRequest, unit: Unit, year: int, quarter: int, subject: str, step: str, page: int,
                    errors: dict[str, list], posted: Any) -> dict[str, Any]:
    groups = queries.decision_groups(unit, year, quarter)
    rows, more = queries.decision_rows(unit, year, quarter, subject=subject, step=step, page=page, size=PAGE_ROWS)
    shown = [g for g in groups if g.subject == subject]
    steps = UNIT_STEPS if subject == UNITS else MEMBER_STEPS
    by_step = {s: sum(g.by_step.get(s, 0) for g in shown) for s in steps}
    return {
        "unit": unit, "year": year, "quarter": quarter, "subject": subject, "step": step, "page": page,
        "more": more, "rows": _decide_rows(rows, subject, year, errors, posted), "groups": shown,
        "counts": {UNITS: sum(g.total for g in groups if g.subject == UNITS),
                   MEMBERS: sum(g.total for g in groups if g.subject == MEMBERS)},
        "steps": [(s, Step(s).label, by_step[s]) for s in steps], "total": sum(by_step.values()),
        "period": queries.covering_period(unit, year, quarter), "levels": _levels(year, quarter),
        "may_verify": policy.can(request.user, Perm.QUALITY_VERIFY, unit.path),
        "may_decide": policy.can(request.user, Perm.QUALITY_DECIDE, unit.path),
        "outcome": request.session.pop(_outcome_key(unit), None) if request.method == "GET" else None,
        "here": _suffix(quarter, show=subject if subject == MEMBERS else "", step=step),
        "filter_base": _suffix(quarter, show=subject if subject == MEMBERS else ""),
        "next_page": _suffix(quarter, show=subject if subject == MEMBERS else "", step=step, page=page + 1),
        "previous_page": _suffix(quarter, show=subject if subject == MEMBERS else "", step=step,
                                 page=page - 1 if page > 2 else ""),
        "ancestors": org_queries.ancestors(unit, request.user)[:-1], "UNITS": UNITS, "MEMBERS": MEMBERS,
        "quarter_suffix": _suffix(quarter), "members_suffix": _suffix(quarter, show=MEMBERS),
    }


urlpatterns = [
    path("units/<int:pk>/reviews/", unit_reviews, name="reviews"),
    path("units/<int:pk>/reviews/<int:year>/progress/", progress, name="review_progress"),
    path("units/<int:pk>/reviews/<int:year>/cell/", own_review, name="review_cell"),
    path("units/<int:pk>/reviews/<int:year>/decide/", decide, name="review_decide"),
]
