"""Every step of a review, as a verb: the self-assessment (a member in the handbook, a collective
by its committee), the cell's proposal with its vote, the advisory body's verification and the
competent level's decision, one row or a whole list. Opening a period is ``periods.open_period``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import groupby
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.accounts import policy
from chibo.accounts.models import RoleGrant
from chibo.accounts.roles import Perm
from chibo.core import audit
from chibo.core.errors import DomainError, NotFound
from chibo.core.rulebook import rule
from chibo.meetings.models import Meeting
from chibo.members.models import Discipline
from chibo.org.enums import UnitKind
from chibo.org.models import Unit
from chibo.quality import frameworks, rules, tallies
from chibo.quality.access import acting_user as _user
from chibo.quality.access import require as _require
from chibo.quality.enums import Exclusion, Level, Step
from chibo.quality.models import MemberReview, Period, Review, UnitReview
from chibo.quality.periods import leaders_q

AnyReview = UnitReview | MemberReview


def _why_not_classified(review: AnyReview) -> str:
    """Why a row is reviewed but not classified this year ('' when it is classified)."""
    if review.step != Step.NOT_CLASSIFIED:
        return ""
    if getattr(review, "excluded", "") == Exclusion.SUSPENDED:
        return _("Not classified this year: suspended from party activity at the period's end.")
    return _("Not classified this year: admitted less than the required months before the period's end.")


def period_start(review: Review) -> dt.date:
    if not review.quarter:
        return dt.date(review.year, 1, 1)
    return dt.date(review.year, review.quarter * 3 - 2, 1)


def _score(value: Any, field: str) -> Decimal:
    try:
        score = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        score = Decimal(-1)
    if not score.is_finite() or not Decimal(0) <= score <= Decimal(100):
        raise DomainError(_("The review was not saved: correct the score."),
                          {field: [_("Give a score from 0 to 100.")]})
    return score.quantize(Decimal("0.01"))


def _assessed(review: AnyReview, scores: dict[str, Any]) -> Decimal:
    if review.framework is None:
        raise DomainError(_("No criteria framework is in force for this review."))
    review.self_scores, total = frameworks.score(review.framework, scores)
    review.self_score = total
    return total


@transaction.atomic
def self_assess_member(review: MemberReview, *, actor: Any, text: str, scores: dict[str, Any],
                       level: str = "") -> MemberReview:
    """The member's own review in the handbook (form 2A, 2B or 2C): the text, a score per
    criterion and the level they propose (at most the one their score earns)."""
    review = (MemberReview.objects.select_for_update(of=("self",)).select_related("framework", "member")
              .get(pk=review.pk))  # of: the framework is a nullable join, which PostgreSQL cannot lock
    member = getattr(actor, "member", None)
    if member is None or member.pk != review.member_id:
        raise NotFound("review")
    if review.step not in (Step.OPEN, Step.SELF_ASSESSED):
        raise DomainError(_why_not_classified(review)
                          or _("Your cell has already made its proposal: your self-review can no longer change."))
    if not text.strip():
        raise DomainError(_("The self-review was not saved."), {"text": [_("Write your self-review.")]})
    earned = rules.level_for(_assessed(review, scores), rule("quality.levels", on=review.period.ends_on))
    if level and level not in Level.values:
        raise DomainError(_("Choose a level."), {"level": [_("Choose a level.")]})
    if level and Level.rank(level) < Level.rank(earned):
        raise DomainError(_("The self-review was not saved."),
                          {"level": [_("Your score earns at most “%(level)s”.") % {"level": Level(earned).label}]})
    review.self_text, review.self_level, review.self_at = text.strip(), level or earned, timezone.now()
    before, review.step = review.step, Step.SELF_ASSESSED
    review.save(update_fields=["self_text", "self_scores", "self_score", "self_level", "self_at", "step"])
    tallies.apply(review.unit_path, review.year, review.quarter, tallies.step_vector("member", before, review.step))
    audit.record("quality.self_assessed", actor=actor, obj=review, unit_path=review.unit_path,
                 payload={"year": review.year, "score": str(review.self_score)})
    return review


@transaction.atomic
def self_assess_unit(review: UnitReview, *, actor: Any, text: str, scores: dict[str, Any]) -> UnitReview:
    """A collective's self-assessment, recorded by its secretary or committee staff."""
    _require(actor, Perm.QUALITY_ASSESS, review.unit_path, _("You may view this review but not record it."))
    review = UnitReview.objects.select_for_update(of=("self",)).select_related("framework").get(pk=review.pk)
    if review.step not in (Step.OPEN, Step.SELF_ASSESSED):
        raise DomainError(_("This review has been verified: its self-assessment can no longer change."))
    _assessed(review, scores)
    review.self_text, review.self_at, review.self_by = text.strip(), timezone.now(), _user(actor)
    before, review.step = review.step, Step.SELF_ASSESSED
    review.save(update_fields=["self_text", "self_scores", "self_score", "self_at", "self_by", "step"])
    tallies.apply(review.unit_path, review.year, review.quarter, tallies.step_vector("org", before, review.step))
    audit.record("quality.unit_self_assessed", actor=actor, obj=review, unit_path=review.unit_path,
                 payload={"year": review.year, "score": str(review.self_score)})
    return review


@dataclass
class Proposal:
    score: Any
    votes_for: Any
    votes_present: Any
    note: str = ""


def _count(value: Any, field: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = -1
    if number < 0:
        raise DomainError(_("The proposals were not saved."), {field: [_("Give a whole number.")]})
    return number


@transaction.atomic
def propose(cell: Unit, *, actor: Any, year: int, meeting: Meeting | None, proposals: dict[int, Proposal],
            quarter: int = 0) -> int:
    """The cell's proposals, per member review id, voted at its review meeting: a score and the vote."""
    _require(actor, Perm.QUALITY_ASSESS, cell.path, _("You may view this cell's reviews but not propose levels."))
    if meeting is not None and meeting.unit_id != cell.pk:
        raise DomainError(_("Choose a meeting of this cell."))
    rows = {r.pk: r for r in MemberReview.objects.select_for_update().filter(
        unit=cell, year=year, quarter=quarter, pk__in=list(proposals))}
    errors: dict[str, list] = {}
    before = {pk: r.step for pk, r in rows.items()}
    for pk, proposal in proposals.items():
        review = rows.get(pk)
        if review is None:
            raise NotFound("review")
        if review.step not in (Step.OPEN, Step.SELF_ASSESSED, Step.PROPOSED):
            errors[f"row_{pk}"] = [_why_not_classified(review)
                                   or _("Already verified: the proposal can no longer change.")]
            continue
        try:
            review.cell_score = _score(proposal.score, f"score_{pk}")
            review.votes_for = _count(proposal.votes_for, f"votes_for_{pk}")
            review.votes_present = _count(proposal.votes_present, f"votes_present_{pk}")
        except DomainError as error:
            errors.update(error.field_errors)
            continue
        if review.votes_for > review.votes_present:
            errors[f"votes_for_{pk}"] = [_("More votes for than members present.")]
        review.cell_note, review.cell_meeting = proposal.note.strip(), meeting
        review.cell_at, review.cell_by, review.step = timezone.now(), _user(actor), Step.PROPOSED
    if errors:
        raise DomainError(_("The proposals were not saved: correct the rows marked below."), errors)
    MemberReview.objects.bulk_update(list(rows.values()), ["cell_score", "votes_for", "votes_present", "cell_note",
                                                            "cell_meeting", "cell_at", "cell_by", "step"])
    tallies.apply_many(((r.unit_path, tallies.step_vector("member", before[pk], r.step)) for pk, r in rows.items()),
                       year, quarter)
    audit.record("quality.proposed", actor=actor, obj=cell, unit_path=cell.path,
                 payload={"year": year, "quarter": quarter, "members": len(rows),
                          "meeting": meeting.pk if meeting else None})
    return len(rows)


def _subject(review: AnyReview) -> str:
    """The tallies' name for the row's kind: ``member`` or ``org``."""
    return "member" if isinstance(review, MemberReview) else "org"


def _ready_to_verify(review: AnyReview) -> Decimal | None:
    if isinstance(review, MemberReview):
        return review.cell_score if review.step in (Step.PROPOSED, Step.VERIFIED) else None
    return review.self_score if review.step in (Step.SELF_ASSESSED, Step.VERIFIED) else None


@transaction.atomic
def verify(review: AnyReview, *, actor: Any, score: Any = None, note: str = "") -> AnyReview:
    """The advisory body of the deciding committee checks the proposal and gives its score."""
    decider = Unit.objects.get(pk=review.decider_id)
    _require(actor, Perm.QUALITY_VERIFY, decider.path, _("You may view this review but not verify it."))
    review = type(review).objects.select_for_update().get(pk=review.pk)
    proposed = _ready_to_verify(review)
    if proposed is None:
        raise DomainError(_why_not_classified(review)
                          or _("This review has no proposal to verify yet, or it is decided."))
    review.verified_score = _score(score, "score") if score not in (None, "") else proposed
    review.verify_note, review.verified_at, review.verified_by = note.strip(), timezone.now(), _user(actor)
    before, review.step = review.step, Step.VERIFIED
    review.save(update_fields=["verified_score", "verify_note", "verified_at", "verified_by", "step"])
    tallies.apply(review.unit_path, review.year, review.quarter,
                  tallies.step_vector(_subject(review), before, review.step))
    audit.record("quality.verified", actor=actor, obj=review, unit_path=review.unit_path,
                 payload={"year": review.year, "score": str(review.verified_score)})
    return review


def facts(review: AnyReview) -> list[str]:
    """The rulebook's capping conditions that hold for this row."""
    start, end = period_start(review), review.period.ends_on
    in_period = Q(decided_on__gte=start, decided_on__lte=end)
    if isinstance(review, MemberReview):
        return ["disciplined_in_year"] if Discipline.objects.filter(in_period, member_id=review.member_id).exists() \
            else []
    leaders = RoleGrant.objects.filter(leaders_q(start, end), unit_id=review.unit_id).values("user__member_id")
    return ["leadership_disciplined"] if Discipline.objects.filter(in_period, member_id__in=leaders).exists() else []


def _first_undecided(review: AnyReview) -> str | None:
    """The name of a collective that must be decided before this row (the rulebook's order)."""
    order = rule("quality.order", on=review.period.ends_on)
    if isinstance(review, UnitReview):
        if not order.get("lower_collectives_first"):
            return None
        below = (UnitReview.objects.filter(policy.subtree_q("unit_path", review.unit_path), year=review.year,
                                           quarter=review.quarter).exclude(pk=review.pk)
                 .exclude(step=Step.DECIDED).select_related("unit").order_by("-depth", "unit_path").first())
        return below.unit.name if below else None
    if not order.get("collective_before_members"):
        return None
    cell = UnitReview.objects.filter(unit_id=review.unit_id, year=review.year, quarter=review.quarter) \
        .exclude(step=Step.DECIDED).select_related("unit").first()
    return cell.unit.name if cell else None


def headroom(model: type[AnyReview], group: str, year: int, quarter: int, on: dt.date) -> rules.Headroom:
    quota = rule("quality.excellent_quota", on=on)
    counts = dict(model.objects.filter(peer_group=group, year=year, quarter=quarter, step=Step.DECIDED,
                                       level__in=[Level.EXCELLENT, Level.GOOD])
                  .values_list("level").annotate(n=Count("id")).values_list("level", "n"))
    good = counts.get(Level.GOOD, 0)
    return rules.Headroom(group, counts.get(Level.EXCELLENT, 0), good,
                          rules.quota_limit(good, percent=quota["percent"], rounding=quota["rounding"]))


def peer_group_label(group: str, kind: str, decider_name: str) -> str:
    """A quota's peer group in words: the rows' kind (or leaders, members) and the deciding unit."""
    if group.startswith(("leaders@", "members@")):
        who = _("leaders") if group.startswith("leaders@") else _("members")
        return _("%(who)s decided by %(unit)s") % {"who": who, "unit": decider_name}
    name = UnitKind(kind).label if kind in UnitKind.values else kind
    return _("%(kind)s decided by %(unit)s") % {"kind": name, "unit": decider_name}


def group_label(review: AnyReview) -> str:
    """The row's peer group in words, for the quota's messages."""
    kind = review.kind if isinstance(review, UnitReview) else ""
    return peer_group_label(review.peer_group, kind, Unit.objects.get(pk=review.decider_id).name)


class Refused(DomainError):
    pass


class _Excellent(Exception):  # noqa: N818 (not an error: the row waits for the excellent places)
    def __init__(self, final: Decimal):
        self.final = final


def _decide_one(review: AnyReview, *, actor: Any, score: Any, hold_excellent: bool = False) -> AnyReview:
    """Decide one row; with ``hold_excellent``, a row that would be rated excellent is left as it
    is (``_Excellent``) to be decided once its group's good ones count in the quota."""
    model = type(review)
    review = model.objects.select_for_update().select_related("period").get(pk=review.pk)
    if review.step != Step.VERIFIED:
        raise Refused(_("Already decided.") if review.step == Step.DECIDED
                      else _why_not_classified(review) or _("Not verified yet."))
    first = _first_undecided(review)
    if first:
        raise Refused(_("Decide %(unit)s first: lower collectives before higher ones, the collective before "
                        "its members.") % {"unit": first})
    final = _score(score, "score") if score not in (None, "") else review.verified_score
    if final is None:
        raise Refused(_("Not verified yet."))
    ends = review.period.ends_on
    earned = rules.level_for(final, rule("quality.levels", on=ends))
    subject = "member" if model is MemberReview else "collective"
    level, capped_by = rules.capped(earned, subject=subject, facts=facts(review), caps=rule("quality.caps", on=ends))
    if level == Level.EXCELLENT and hold_excellent:
        raise _Excellent(final)
    if level == Level.EXCELLENT:
        room = headroom(model, review.peer_group, review.year, review.quarter, ends)
        if room.left < 1:
            raise Refused(_("Over the quota for %(group)s: %(good)d rated good allow at most %(limit)d rated "
                            "excellent, and %(excellent)d already are.")
                          % {"group": group_label(review), "good": room.good, "limit": room.limit,
                             "excellent": room.excellent})
    review.final_score, review.level, review.capped_by = final, level, capped_by
    review.decided_at, review.decided_by, review.step = timezone.now(), _user(actor), Step.DECIDED
    review.save(update_fields=["final_score", "level", "capped_by", "decided_at", "decided_by", "step"])
    vector = tallies.decided_vector(_subject(review), level, getattr(review, "kind", ""))
    tallies.apply(review.unit_path, review.year, review.quarter, vector)
    return review


@dataclass
class Outcome:
    decided: list[AnyReview]
    refused: list[tuple[AnyReview, str]]


def _tier(item: tuple[AnyReview, Any]) -> tuple[bool, int]:
    """Lower collectives first, then members (a peer group lies within one tier)."""
    review = item[0]
    return isinstance(review, MemberReview), -getattr(review, "depth", 0)


def _attempt(outcome: Outcome, review: AnyReview, *, actor: Any, score: Any, hold_excellent: bool) -> Decimal | None:
    """One row in its own savepoint: decided, refused with the reason, or (held) its final score."""
    try:
        with transaction.atomic():
            outcome.decided.append(_decide_one(review, actor=actor, score=score, hold_excellent=hold_excellent))
    except _Excellent as held:
        return held.final
    except DomainError as error:
        reason = str(error.message) if not error.field_errors else error.describe()
        outcome.refused.append((review, reason))
    return None


@transaction.atomic
def decide(items: Iterable[tuple[AnyReview, Any]], *, actor: Any, decider: Unit) -> Outcome:
    """The competent level classifies a list (one row or thousands): each row's final score (the
    verified one when none is given) gives its level, capped by the rulebook's conditions.
    Lower collectives go first, then members; within each, every row below excellent is decided
    before the excellent ones, so that those rated good count in the quota, and the excellent
    places go to the best scores. A row that breaks a rule is refused with the reason; the others
    are decided."""
    _require(actor, Perm.QUALITY_DECIDE, decider.path, _("You may view these reviews but not decide them."))
    items = list(items)
    if any(review.decider_id != decider.pk for review, _score_given in items):
        raise NotFound("review")
    Unit.objects.select_for_update().filter(pk=decider.pk).first()  # one decision at a time per deciding unit
    outcome = Outcome([], [])
    for _key, tier in groupby(sorted(items, key=_tier), key=_tier):
        held = []
        for review, score in tier:
            final = _attempt(outcome, review, actor=actor, score=score, hold_excellent=True)
            if final is not None:
                held.append((final, review, score))
        for _final, review, score in sorted(held, key=lambda row: row[0], reverse=True):
            _attempt(outcome, review, actor=actor, score=score, hold_excellent=False)
    if outcome.decided:
        first = outcome.decided[0]
        audit.record("quality.decided", actor=actor, obj=decider, unit_path=decider.path,
                     payload={"year": first.year, "quarter": first.quarter, "decided": len(outcome.decided),
                              "refused": len(outcome.refused),
                              "levels": {lv: sum(1 for r in outcome.decided if r.level == lv) for lv in Level.values}})
    return outcome


def periods_for(unit: Unit) -> list[Period]:
    """The periods whose subtree holds ``unit``: opened by it or above it."""
    from chibo.org import paths

    return list(Period.objects.filter(unit_path__in=paths.ancestors(unit.path)).select_related("issuer"))


def check_scores(scores: dict[str, Any]) -> dict[str, Decimal | None]:
    """Scores typed for several rows (field name → text): each a number from 0 to 100 or empty
    (``None``). A :class:`DomainError` names every field that is neither, before anything is saved."""
    kept: dict[str, Decimal | None] = {}
    errors: dict[str, list] = {}
    for name, raw in scores.items():
        if raw is None or not str(raw).strip():
            kept[name] = None
            continue
        try:
            kept[name] = _score(raw, name)
        except DomainError as error:
            errors.update(error.field_errors)
    if errors:
        raise DomainError(_("Nothing was saved: correct the scores marked below."), errors)
    return kept


@transaction.atomic
def verify_many(decider: Unit, *, actor: Any, model: type[AnyReview], year: int, quarter: int = 0,
                rows: dict[int, tuple[Any, str]]) -> int:
    """The advisory body verifies a list of the rows ``decider`` decides at once: per row id, a
    score (empty: the proposal is accepted as it is) and a note. All or nothing: a row missing, not
    ready or with a bad score refuses the whole list, each one named; one audit entry."""
    _require(actor, Perm.QUALITY_VERIFY, decider.path, _("You may view these reviews but not verify them."))
    if not rows:
        raise DomainError(_("Choose the rows to verify."))
    found = {r.pk: r for r in model.objects.select_for_update().filter(decider=decider, year=year, quarter=quarter,
                                                                        pk__in=list(rows))}
    if len(found) != len(rows):
        raise DomainError(_("Nothing was verified: %(n)d of the rows chosen are not on this list any more. Reload "
                            "the page and choose again.") % {"n": len(rows) - len(found)})
    errors: dict[str, list] = {}
    now = timezone.now()
    before = {pk: r.step for pk, r in found.items()}
    for pk, (score, note) in rows.items():
        review = found[pk]
        proposed = _ready_to_verify(review)
        if proposed is None:
            errors[f"row_{pk}"] = [_("No proposal to verify yet, or already decided.")]
            continue
        try:
            review.verified_score = _score(score, f"score_{pk}") if score not in (None, "") else proposed
        except DomainError as error:
            errors.update(error.field_errors)
            continue
        review.verify_note, review.verified_at, review.verified_by = (note or "").strip(), now, _user(actor)
        review.step = Step.VERIFIED
    if errors:
        raise DomainError(_("Nothing was verified: correct the rows marked below."), errors)
    verified: list[Any] = list(found.values())
    model.objects.bulk_update(verified, ["verified_score", "verify_note", "verified_at", "verified_by",
                                                     "step"], batch_size=1000)
    tallies.apply_many(((r.unit_path, tallies.step_vector(_subject(r), before[r.pk], r.step)) for r in verified),
                       year, quarter)
    audit.record("quality.verified_list", actor=actor, obj=decider, unit_path=decider.path,
                 payload={"year": year, "quarter": quarter, "reviews": len(found),
                          "subject": "members" if model is MemberReview else "organizations"})
    return len(found)
