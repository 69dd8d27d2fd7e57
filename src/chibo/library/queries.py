"""Reads of the library, all starting from :func:`visible_q` (one SQL filter per query).

A document's audience is a unit's subtree. A member sees the documents addressed to their cell
or to any unit above it; staff see those addressed within their scope and those pushed down to it
from above. Both are one condition on the audience path: ``unit_path IN (the ancestors of the
member's cell and of the staff's scope roots) OR unit_path in the scope's ranges``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, Substr

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core.errors import NotFound
from chibo.core.numbers import whole_percent
from chibo.core.text import fold, prefix_upper_bound
from chibo.library.models import Bookmark, Document, StudyAssignment, StudyConfirmation
from chibo.library.paging import Page, Phase, page
from chibo.members.enums import Status
from chibo.members.models import Member
from chibo.org import paths
from chibo.org.models import Unit

PAGE_SIZE = 30
LIST_DEFERRED = ("text", "text_folded")  # a list never reads the whole text of its documents


def _member_paths(user: Any) -> list[str]:
    """The paths of the user's own cell and temporary cell, when they are an active member
    (cached on the user object for the request)."""
    if user is policy.SYSTEM or not getattr(user, "member_id", None):
        return []
    cached = getattr(user, "_chibo_member_paths", None)
    if cached is None:
        row = (Member.objects.filter(pk=user.member_id, status__in=Status.active())
               .values_list("unit_path", "temp_unit__path").first())
        cached = [p for p in (row or ()) if p]
        user._chibo_member_paths = cached
    return cached


def visible_q(user: Any, field: str = "unit_path") -> Q:
    """The condition on an audience path ``field`` for what ``user`` may read."""
    scope = policy.scope_for(user, Perm.UNITS_VIEW)
    if scope.everything:
        return Q()
    above: set[str] = set()
    for root in [*scope.roots, *_member_paths(user)]:
        above.update(paths.ancestors(root))
    if not above:
        return Q(pk__in=[])
    return Q(**{f"{field}__in": sorted(above)}) | scope.q(field)


def visible_documents(user: Any) -> QuerySet[Document]:
    return Document.objects.filter(visible_q(user))


def get_document_for_user(user: Any, pk: int) -> Document:
    document = visible_documents(user).select_related("unit", "uploaded_by").filter(pk=pk).first()
    if document is None:
        raise NotFound("document")
    return document


def search_phases(qs: QuerySet[Document], text: str) -> list[Phase[Document]]:
    """The phases of a search, best matches first, accent-insensitive ("nghi quyet" finds "Nghị
    quyết", "dang" finds "Đảng"): numbers that start with the text ("21-nq" finds 21-NQ/TW), titles
    that start with it, titles with a word that starts with it (index ranges and a scan of the
    titles), then documents whose title or text holds every word of it, newest first. Each phase
    leaves out the rows of the earlier ones. No text: every document, newest first."""
    key = fold(text)
    if not key:
        return [Phase(qs, "issued_on", descending=True)]
    bound = prefix_upper_bound(key)
    number = Q(number_folded__gte=key, number_folded__lt=bound)
    title_start = Q(title_folded__gte=key, title_folded__lt=bound)
    title_word = Q(title_folded__contains=" " + key)
    words = Q()
    for word in key.split():
        words &= Q(title_folded__contains=word) | Q(text_folded__contains=word)
    return [
        Phase(qs.filter(number), "number_folded"),
        Phase(qs.filter(title_start).exclude(number), "title_folded"),
        Phase(qs.filter(title_word).exclude(number | title_start), "title_folded"),
        Phase(qs.filter(words).exclude(number | title_start | title_word), "issued_on", descending=True),
    ]


def search(user: Any, text: str = "", *, kind: str = "", after: str | None = None,
           size: int = PAGE_SIZE) -> Page[Document]:
    """A page of the documents ``user`` may read, matching ``text`` (and of ``kind`` if given)."""
    qs = visible_documents(user).select_related("unit").defer(*LIST_DEFERRED)
    if kind:
        qs = qs.filter(kind=kind)
    return page(search_phases(qs, text), after=after, size=size)


def bookmarks(user: Any, *, after: str | None = None, size: int = PAGE_SIZE) -> Page[Document]:
    """The documents ``user`` bookmarked and may still read, the latest bookmark first."""
    qs = (Bookmark.objects.filter(user_id=user.pk).filter(visible_q(user, "document__unit_path"))
          .select_related("document__unit").defer(*(f"document__{f}" for f in LIST_DEFERRED)))
    found = page([Phase(qs, "pk", descending=True)], after=after, size=size)
    return Page([b.document for b in found.rows], found.next_cursor)


def bookmarked_ids(user: Any, documents: list[Document]) -> set[int]:
    """Which of ``documents`` the user bookmarked (one query for a page of them)."""
    if not getattr(user, "pk", None) or not documents:
        return set()
    ids = [d.pk for d in documents]
    return set(Bookmark.objects.filter(user_id=user.pk, document_id__in=ids).values_list("document_id", flat=True))


def assignments_for_member(member: Member) -> QuerySet[StudyAssignment]:
    """The study assignments that reach ``member`` (made on their cell or a unit above it), each
    with ``confirmed``: whether the member confirmed it; the soonest due first."""
    mine = StudyConfirmation.objects.filter(assignment=OuterRef("pk"), member=member)
    return (StudyAssignment.objects.filter(unit_path__in=paths.ancestors(member.unit_path))
            .select_related("document", "unit").defer(*(f"document__{f}" for f in LIST_DEFERRED))
            .annotate(confirmed=Exists(mine)).order_by("due_on", "id"))


def assignments_of(user: Any, document: Document) -> list[StudyAssignment]:
    """The study assignments of ``document`` that ``user`` may see (on units within or above their
    scope or cell), the latest due first."""
    return list(StudyAssignment.objects.filter(visible_q(user), document=document).select_related("unit")
                .order_by("-due_on", "-id"))


def assignable_units(user: Any, document: Document) -> list[Unit]:
    """The top units within ``document``'s audience where ``user`` may assign it for study."""
    scope = policy.scope_for(user, Perm.LIBRARY_PUBLISH)
    if scope.covers(document.unit_path):
        wanted = [document.unit_path]
    else:
        wanted = [root for root in scope.roots if root.startswith(document.unit_path)]
    if not wanted:
        return []
    return list(Unit.objects.filter(path__in=wanted, closed_on__isnull=True).order_by("path"))


def get_assignment_for_user(user: Any, pk: int) -> StudyAssignment:
    found = (StudyAssignment.objects.filter(visible_q(user), pk=pk).select_related("document", "unit")
             .defer(*(f"document__{f}" for f in LIST_DEFERRED)).first())
    if found is None:
        raise NotFound("assignment")
    return found


@dataclass
class CompletionRow:
    unit: Unit
    confirmed: int
    expected: int

    @property
    def percent(self) -> int:
        return min(100, whole_percent(self.confirmed, self.expected) or 0)


@dataclass
class Completion:
    unit: Unit
    rows: list[CompletionRow]

    @property
    def confirmed(self) -> int:
        return sum(r.confirmed for r in self.rows)

    @property
    def expected(self) -> int:
        return sum(r.expected for r in self.rows)

    @property
    def percent(self) -> int:
        return CompletionRow(self.unit, self.confirmed, self.expected).percent


def completion(assignment: StudyAssignment, unit: Unit | None = None) -> Completion:
    """Confirmed / expected members under each child of ``unit`` (the assignment's unit by
    default; a cell is one row of its own). Expected: the active, non-exempt members of the
    child's subtree now (its tally); confirmed: one GROUP BY on the prefix of the confirming
    members' paths. Two queries whatever the size of the subtree."""
    unit = unit or assignment.unit
    if not unit.path.startswith(assignment.unit_path):
        raise NotFound("unit")
    if unit.holds_members:
        parts, width = Unit.objects.filter(pk=unit.pk), len(unit.path)
    else:
        parts, width = Unit.objects.filter(parent=unit, closed_on__isnull=True), len(unit.path) + paths.STEP
    parts = parts.annotate(total=Coalesce(F("tally__total"), 0), exempted=Coalesce(F("tally__exempted"), 0))
    counts = dict(StudyConfirmation.objects.filter(assignment=assignment)
                  .filter(policy.subtree_q("unit_path", unit.path))
                  .annotate(prefix=Substr("unit_path", 1, width)).values_list("prefix")
                  .annotate(n=Count("id")).values_list("prefix", "n"))
    rows = [CompletionRow(u, counts.get(u.path, 0), u.total - u.exempted)  # type: ignore[attr-defined]
            for u in parts.order_by("name_folded", "pk")]
    return Completion(unit, rows)
