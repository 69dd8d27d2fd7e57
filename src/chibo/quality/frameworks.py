"""Criteria frameworks: the one mechanism for every scored or checked list of criteria (the
366-QĐ/TW frameworks, the "4 good" checklist, the meeting-quality score).

A framework is in force for a unit on a day when its issuer is the unit or one of its ancestors
(the national defaults have none) and the day is within its validity; the deepest issuer's
newest version wins. A committee's framework extends the one in force above it: its criteria are
the upper framework's plus its own sub-criteria, so nothing above can be removed below. When the
upper committee issues a new version, a lower framework issued on the older one no longer applies
(it would keep the upper's old sub-criteria and miss the new): the lower committee issues again.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core import audit
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.org import paths
from chibo.org.models import Unit
from chibo.quality.access import acting_user
from chibo.quality.enums import FrameworkKind
from chibo.quality.models import Framework

KEY = re.compile(r"[a-z0-9_]{1,32}")
MAX_LABEL = 300


def _valid_on(day: dt.date) -> Q:
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def _chained(found: list[Framework]) -> dict[str, Framework]:
    """Issuer path ('' for the national defaults) → the framework in force there, from the
    frameworks valid on a day: at each issuer the newest version that extends the one in force
    above it (a version issued on an older upper framework is passed over). ``extends`` is set on
    each, so walking the chain costs no query."""
    chosen: dict[str, Framework] = {}
    order = sorted(found, key=lambda f: (f.issuer.depth if f.issuer else -1, -f.valid_from.toordinal(), -f.version,
                                         -f.pk))
    for f in order:
        path = f.issuer.path if f.issuer else ""
        if path in chosen:
            continue
        above = next((chosen[a] for a in reversed(["", *paths.ancestors(path)[:-1]]) if a in chosen), None) \
            if path else None
        if f.extends_id == (above.pk if above else None):
            if above is not None:
                f.extends = above
            chosen[path] = f
    return chosen


def in_force_under(kind: str, day: dt.date, issuer_path: str) -> dict[str, Framework]:
    """Issuer path → the framework of ``kind`` in force on ``day`` at every issuer above
    ``issuer_path`` or in its subtree (one query): a unit's is its nearest issuer's."""
    above = Unit.objects.filter(path__in=paths.ancestors(issuer_path)).values("id")
    found = (Framework.objects.filter(_valid_on(day), kind=kind)
             .filter(Q(issuer__isnull=True) | Q(issuer__in=above) | policy.subtree_q("issuer__path", issuer_path))
             .select_related("issuer"))
    return _chained(list(found))


def _nearest(chosen: dict[str, Framework], unit_path: str) -> Framework | None:
    return next((chosen[a] for a in reversed(["", *paths.ancestors(unit_path)]) if a in chosen), None)


def in_force(kind: str, unit_path: str, day: dt.date) -> Framework | None:
    """The framework of ``kind`` that applies to the unit at ``unit_path`` on ``day`` (one query)."""
    issuers = Unit.objects.filter(path__in=paths.ancestors(unit_path)).values("id")
    found = (Framework.objects.filter(_valid_on(day), kind=kind)
             .filter(Q(issuer__isnull=True) | Q(issuer__in=issuers)).select_related("issuer"))
    return _nearest(_chained(list(found)), unit_path)


def in_force_for(kind: str, units: list[Unit], day: dt.date) -> dict[int, Framework | None]:
    """``in_force`` for each of ``units`` (unit id → framework), in one query."""
    wanted = {p for u in units for p in paths.ancestors(u.path)}
    found = (Framework.objects.filter(_valid_on(day), kind=kind)
             .filter(Q(issuer__isnull=True) | Q(issuer__path__in=wanted)).select_related("issuer"))
    chosen = _chained(list(found))
    return {u.pk: _nearest(chosen, u.path) for u in units}


def issued_for(unit_path: str) -> list[Framework]:
    """Every version of every kind that may apply to the unit: the national defaults and those of
    the unit and its ancestors, newest first (one query; ``in_force_among`` chooses among them)."""
    issuers = Unit.objects.filter(path__in=paths.ancestors(unit_path)).values("id")
    return list(Framework.objects.filter(Q(issuer__isnull=True) | Q(issuer__in=issuers)).select_related("issuer")
                .order_by("kind", "-valid_from", "-version", "-id"))


def in_force_among(found: list[Framework], kind: str, unit_path: str, day: dt.date) -> Framework | None:
    """``in_force`` among frameworks already read by ``issued_for`` (no query)."""
    valid = [f for f in found if f.kind == kind and f.valid_from <= day and (f.valid_to is None or f.valid_to >= day)]
    return _nearest(_chained(valid), unit_path)


def chain(framework: Framework | None) -> list[Framework]:
    """The framework and those it extends, the national one first."""
    out: list[Framework] = []
    while framework is not None and len(out) < 10:
        out.append(framework)
        framework = framework.extends
    return out[::-1]


def criteria(framework: Framework) -> list[dict[str, Any]]:
    """Every criterion of ``framework`` with those of the frameworks it extends, upper ones first."""
    merged: list[dict[str, Any]] = []
    for item in chain(framework):
        merged.extend(item.criteria)
    return merged


def _english() -> bool:
    return (get_language() or "vi").startswith("en")


def label(criterion: dict[str, Any]) -> str:
    return str(criterion.get("label_en") if _english() and criterion.get("label_en") else criterion["label"])


def display_name(framework: Framework) -> str:
    """The framework's name in the reader's language."""
    return framework.name_en if _english() and framework.name_en else framework.name


def top_level(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for c in items if not c.get("parent")]


def checklist(items: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Top-level criterion → the keys checked for it: its sub-criteria, or itself when it has none."""
    out: dict[str, list[str]] = {c["key"]: [] for c in top_level(items)}
    for c in items:
        if c.get("parent") in out:
            out[c["parent"]].append(c["key"])
    return {key: subs or [key] for key, subs in out.items()}


def score(framework: Framework, points: dict[str, Any]) -> tuple[dict[str, int], Decimal]:
    """Check the points given per top-level criterion (0 to its maximum, every one) and add them."""
    limits = {c["key"]: int(c["max"]) for c in top_level(criteria(framework))}
    kept: dict[str, int] = {}
    errors: dict[str, list] = {}
    for key, top in limits.items():
        raw = points.get(key)
        try:
            value = int(str(raw).strip())
        except (TypeError, ValueError):
            value = -1
        if not 0 <= value <= top:
            errors[key] = [_("Give 0 to %(max)d points.") % {"max": top}]
        kept[key] = value
    if errors:
        raise DomainError(_("The score was not saved: correct the points marked below."), errors)
    return kept, Decimal(sum(kept.values()))


def passed(framework: Framework, checks: dict[str, Any]) -> tuple[dict[str, bool], list[str]]:
    """The pass / fail answers kept (every item of the checklist, true or false) and the
    top-level criteria passed: those whose every item passed."""
    groups = checklist(criteria(framework))
    kept = {key: bool(checks.get(key)) for keys in groups.values() for key in keys}
    return kept, [top for top, keys in groups.items() if all(kept[k] for k in keys)]


def _validate(kind: str, items: Any, upper: Framework | None) -> list[dict[str, Any]]:
    if not isinstance(items, list) or not items:
        raise DomainError(_("The framework was not saved: give at least one criterion."))
    above = {c["key"] for c in criteria(upper)} if upper else set()
    tops = {c["key"] for c in top_level(criteria(upper))} if upper else set()
    seen: set[str] = set()
    clean: list[dict[str, Any]] = []
    for position, raw in enumerate(items, start=1):
        if not isinstance(raw, dict):
            raise DomainError(_("Criterion %(n)d is not a criterion.") % {"n": position})
        key, text = str(raw.get("key", "")).strip(), str(raw.get("label", "")).strip()
        parent = str(raw.get("parent") or "").strip()
        if not key or not text:
            raise DomainError(_("Criterion %(n)d needs a key and a label.") % {"n": position})
        if not KEY.fullmatch(key):
            raise DomainError(_("The key %(key)s is not a key: use up to 32 lower-case letters (a to z), digits and "
                                "_, such as p1 or politics_2.") % {"key": key})
        if len(text) > MAX_LABEL or len(str(raw.get("label_en") or "")) > MAX_LABEL:
            raise DomainError(_("The label of %(key)s is longer than %(max)d characters.")
                              % {"key": key, "max": MAX_LABEL})
        if key in seen or key in above:
            raise DomainError(_("The key %(key)s is used twice.") % {"key": key})
        if upper is not None and parent not in tops:
            raise DomainError(_("Criterion %(key)s must add to one of the upper framework's criteria (%(keys)s): "
                                "a committee adds sub-criteria, it does not replace the criteria above.")
                              % {"key": key, "keys": ", ".join(sorted(tops))})
        item: dict[str, Any] = {"key": key, "label": text, "label_en": str(raw.get("label_en") or "").strip()}
        if parent:
            item["parent"] = parent
        elif kind in FrameworkKind.scored():
            try:
                item["max"] = int(raw["max"])
            except (KeyError, TypeError, ValueError):
                raise DomainError(_("Criterion %(key)s needs its maximum points.") % {"key": key}) from None
        seen.add(key)
        clean.append(item)
    if upper is None and kind in FrameworkKind.scored() and sum(c.get("max", 0) for c in clean) != 100 \
            and kind != FrameworkKind.MEETING:
        raise DomainError(_("The points of a 100-point framework must add up to 100."))
    return clean


@transaction.atomic
def issue(*, actor: Any, issuer: Unit, kind: str, name: str, valid_from: dt.date, items: Any,
          name_en: str = "", valid_to: dt.date | None = None, rule: dict | None = None,
          source: str = "") -> Framework:
    """A committee issues a framework for its subtree: it adds sub-criteria to the one in force
    above it on ``valid_from`` (a new version when it had issued one before)."""
    if not policy.can(actor, Perm.UNITS_VIEW, issuer.path):
        raise NotFound("unit")
    if not policy.can(actor, Perm.QUALITY_OPEN, issuer.path):
        raise PermissionDenied(_("You may not issue criteria for this unit."))
    if kind not in FrameworkKind.values:
        raise DomainError(_("Choose the kind of framework."))
    if not name.strip():
        raise DomainError(_("The framework was not saved."), {"name": [_("Give the framework a name.")]})
    if valid_to is not None and valid_to < valid_from:
        raise DomainError(_("The framework was not saved."), {"valid_to": [_("The framework ends before it starts.")]})
    Unit.objects.select_for_update().filter(pk=issuer.pk).first()  # one new version at a time per issuer
    upper = in_force(kind, issuer.path, valid_from)
    if upper is not None and upper.issuer_id == issuer.pk:
        upper = upper.extends
    if upper is None:
        raise DomainError(_("No framework of this kind is in force above this unit on %(day)s: a committee adds "
                            "sub-criteria to the one in force, so start on a later day.")
                          % {"day": valid_from.strftime("%d/%m/%Y")})
    clean = _validate(kind, items, upper)
    version = (Framework.objects.filter(kind=kind, issuer=issuer).aggregate(v=Max("version"))["v"] or 0) + 1
    framework = Framework.objects.create(
        kind=kind, name=name.strip(), name_en=name_en.strip(), issuer=issuer, extends=upper, version=version,
        valid_from=valid_from, valid_to=valid_to, criteria=clean, rule=rule or (upper.rule if upper else {}),
        source=source.strip(), created_by=acting_user(actor))
    audit.record("quality.framework_issued", actor=actor, obj=framework, unit_path=issuer.path,
                 payload={"kind": kind, "version": version, "criteria": len(clean)})
    return framework


def shown(framework: Framework | None) -> list[dict[str, Any]]:
    """The top-level criteria as a form shows them: key, label in the reader's language, maximum,
    and the sub-criteria's labels beneath."""
    if framework is None:
        return []
    items = criteria(framework)
    subs: dict[str, list[str]] = {}
    for c in items:
        if c.get("parent"):
            subs.setdefault(c["parent"], []).append(label(c))
    return [{"key": c["key"], "label": label(c), "max": c.get("max"), "subs": subs.get(c["key"], [])}
            for c in top_level(items)]
