"""Criteria frameworks: the national defaults in both languages, versions by effective date, a
committee adding sub-criteria without removing or replacing the upper ones, versions numbered,
who may issue, and the frameworks a period gives its rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from chibo.accounts.policy import SYSTEM
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.core.models import AuditEntry
from chibo.quality import frameworks
from chibo.quality.enums import FrameworkKind
from chibo.quality.models import Framework, MemberReview, UnitReview
from tests.quality.conftest import YEAR, open_year

IND = FrameworkKind.INDIVIDUAL
JAN, JUL = dt.date(YEAR, 1, 1), dt.date(YEAR, 7, 1)


def _issue(issuer, items, valid_from=JAN, kind=IND, actor=SYSTEM, **kwargs):
    return frameworks.issue(actor=actor, issuer=issuer, kind=kind, name=kwargs.pop("name", "Khung bổ sung"),
                            valid_from=valid_from, items=items, **kwargs)


def _sub(key, parent="duties", label="Tiêu chí con", label_en="A sub-criterion"):
    return {"key": key, "parent": parent, "label": label, "label_en": label_en}


def _keys(framework):
    return [c["key"] for c in frameworks.criteria(framework)]


# --- the national defaults ---


def test_the_national_defaults_are_present_in_both_languages(db):
    defaults = Framework.objects.filter(issuer__isnull=True)
    assert {f.kind for f in defaults} == set(FrameworkKind.values)
    for framework in defaults.exclude(source="meetings"):
        assert framework.name and framework.name_en and framework.version >= 1
        for criterion in framework.criteria:
            assert criterion["label"] and criterion["label_en"], criterion
    for kind in (FrameworkKind.COLLECTIVE, FrameworkKind.INDIVIDUAL):
        framework = frameworks.in_force(kind, "00001", dt.date(2025, 1, 1))
        assert sum(c["max"] for c in frameworks.top_level(frameworks.criteria(framework))) == 100
    four_good = frameworks.in_force(FrameworkKind.FOUR_GOOD, "00001", JAN)
    assert [c["key"] for c in frameworks.top_level(four_good.criteria)] == ["g1", "g2", "g3", "g4"]
    assert four_good.rule == {"months_min": 9, "min_level": "good", "approvals": 2}


def test_the_labels_follow_the_readers_language(db):
    framework = frameworks.in_force(IND, "00001", JAN)
    with translation.override("vi"):
        assert frameworks.shown(framework)[0]["label"] == "Chính trị tư tưởng, đạo đức, lối sống"
    with translation.override("en"):
        assert frameworks.shown(framework)[0]["label"] == "Political thought, ethics and way of life"


def test_no_framework_before_the_national_defaults_take_effect(db):
    assert frameworks.in_force(IND, "00001", dt.date(2024, 12, 31)) is None
    assert frameworks.in_force(IND, "00001", dt.date(2025, 1, 1)).issuer is None


# --- versions by effective date ---


def test_a_committees_framework_is_in_force_in_its_subtree_from_its_first_day(cast):
    t = cast.tree
    province = _issue(t.p, [_sub("p1")], valid_from=JUL)
    assert frameworks.in_force(IND, t.k.path, JUL - dt.timedelta(days=1)).issuer is None
    assert frameworks.in_force(IND, t.k.path, JUL) == province
    assert frameworks.in_force(IND, t.p.path, JUL) == province
    assert frameworks.in_force(IND, t.qk.path, JUL).issuer is None  # another province
    assert frameworks.in_force(IND, t.root.path, JUL).issuer is None


def test_a_framework_ends_after_its_last_day(cast):
    t = cast.tree
    province = _issue(t.p, [_sub("p1")], valid_to=dt.date(YEAR, 6, 30))
    assert frameworks.in_force(IND, t.k.path, dt.date(YEAR, 6, 30)) == province
    assert frameworks.in_force(IND, t.k.path, JUL).issuer is None


def test_versions_are_numbered_per_issuer_and_kind_and_the_newest_in_force_wins(cast):
    t = cast.tree
    first = _issue(t.p, [_sub("p1")])
    second = _issue(t.p, [_sub("p2")], valid_from=JUL)
    other_kind = _issue(t.p, [_sub("pc", parent="tasks")], kind=FrameworkKind.COLLECTIVE)
    commune = _issue(t.c, [_sub("c1")], valid_from=dt.date(YEAR, 8, 1))
    assert (first.version, second.version, other_kind.version, commune.version) == (1, 2, 1, 1)
    assert frameworks.in_force(IND, t.k.path, dt.date(YEAR, 6, 30)) == first
    assert frameworks.in_force(IND, t.k.path, JUL) == second
    assert _keys(second) == [*_keys(first)[:-1], "p2"]  # a new version replaces the issuer's own sub-criteria
    assert second.extends.issuer is None
    assert AuditEntry.objects.filter(action="quality.framework_issued").count() == 4


def test_the_deepest_issuer_wins_and_adds_to_the_criteria_above(cast):
    t = cast.tree
    _issue(t.p, [_sub("p1")])
    commune = _issue(t.c, [_sub("c1", parent="politics")])
    assert frameworks.in_force(IND, t.k.path, JAN) == commune
    assert frameworks.in_force(IND, t.c.path, JAN) == commune
    assert frameworks.in_force(IND, t.p.path, JAN).issuer == t.p
    keys = _keys(commune)
    assert keys[:5] == ["politics", "discipline", "duties", "party_duties", "contact"]
    assert keys[5:] == ["p1", "c1"]
    shown = {c["key"]: c["subs"] for c in frameworks.shown(commune)}
    assert shown["duties"] == ["A sub-criterion"] and shown["politics"] == ["A sub-criterion"]


def test_a_new_upper_version_is_never_hidden_by_a_lower_framework_issued_on_the_old_one(cast):
    """The province replaces its sub-criterion p1 by p2 in July: the commune's framework issued on
    the province's first version does not keep p1 nor hide p2; the commune issues again."""
    t = cast.tree
    _issue(t.p, [_sub("p1")])
    commune = _issue(t.c, [_sub("c1")], valid_from=dt.date(YEAR, 3, 1))
    assert _keys(frameworks.in_force(IND, t.k.path, dt.date(YEAR, 6, 30)))[5:] == ["p1", "c1"]
    province_2 = _issue(t.p, [_sub("p2")], valid_from=JUL)
    assert frameworks.in_force(IND, t.k.path, dt.date(YEAR, 6, 30)) == commune
    assert frameworks.in_force(IND, t.k.path, JUL) == province_2
    commune_2 = _issue(t.c, [_sub("c1")], valid_from=dt.date(YEAR, 8, 1))
    assert commune_2.extends == province_2 and commune_2.version == 2
    assert _keys(frameworks.in_force(IND, t.k.path, dt.date(YEAR, 8, 1)))[5:] == ["p2", "c1"]


def test_walking_the_chain_costs_no_query(cast, django_assert_num_queries):
    t = cast.tree
    _issue(t.p, [_sub("p1")])
    _issue(t.c, [_sub("c1")])
    _issue(t.g, [_sub("g1")])
    with django_assert_num_queries(1):
        framework = frameworks.in_force(IND, t.k.path, JAN)
        assert _keys(framework)[5:] == ["p1", "c1", "g1"]


# --- what a committee may not do ---


@pytest.mark.parametrize(("items", "message"), [
    ([{"key": "new", "label": "Tiêu chí mới", "max": 10}], "must add to one of the upper framework's criteria"),
    ([_sub("x1", parent="nope")], "must add to one of the upper framework's criteria"),
    ([_sub("x1", parent="p1")], "must add to one of the upper framework's criteria"),  # a sub of a sub
    ([_sub("duties", parent="politics")], "The key duties is used twice."),  # replaces an upper criterion
    ([_sub("p1")], "The key p1 is used twice."),  # the province's own
    ([_sub("x1"), _sub("x1", parent="contact")], "The key x1 is used twice."),
    ([], "give at least one criterion"),
    ("duties", "give at least one criterion"),
    (["duties"], "Criterion 1 is not a criterion."),
    ([{"key": "x1", "parent": "duties", "label": "  "}], "Criterion 1 needs a key and a label."),
    ([_sub("X 1")], "The key X 1 is not a key"),
    ([_sub("x1", label="a" * 301)], "longer than 300 characters"),
])
def test_a_committee_adds_sub_criteria_and_nothing_else(cast, items, message):
    _issue(cast.tree.p, [_sub("p1")])
    before = Framework.objects.count()
    with pytest.raises(DomainError) as refused:
        _issue(cast.tree.c, items)
    assert message in str(refused.value)
    assert Framework.objects.count() == before


def test_a_lower_framework_keeps_every_upper_criterion(cast):
    """Whatever a committee adds, the criteria above are all there, in their order, with their points."""
    upper = frameworks.in_force(IND, cast.tree.c.path, JAN)
    commune = _issue(cast.tree.c, [_sub("c1"), _sub("c2", parent="contact")])
    assert frameworks.criteria(commune)[:5] == frameworks.criteria(upper)
    assert frameworks.score(commune, {"politics": 20, "discipline": 10, "duties": 50, "party_duties": 10,
                                      "contact": 10})[1] == 100


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"name": "  "}, "name", "Give the framework a name."),
    ({"valid_to": dt.date(YEAR - 1, 12, 31)}, "valid_to", "The framework ends before it starts."),
])
def test_bad_details_are_refused_by_field(cast, changes, field, message):
    with pytest.raises(DomainError) as refused:
        _issue(cast.tree.c, [_sub("c1")], **changes)
    assert refused.value.field_errors == {field: [message]}


def test_an_unknown_kind_is_refused(cast):
    with pytest.raises(DomainError, match="Choose the kind of framework."):
        _issue(cast.tree.c, [_sub("c1")], kind="nope")


def test_a_committee_cannot_issue_before_any_framework_is_in_force(cast):
    """Nothing in force above on that day: a committee would be writing whole criteria of its own."""
    with pytest.raises(DomainError, match="No framework of this kind is in force above this unit on 31/12/2024"):
        _issue(cast.tree.p, [{"key": "x", "label": "Tất cả", "max": 100}], valid_from=dt.date(2024, 12, 31))
    assert not Framework.objects.filter(issuer__isnull=False).exists()


@pytest.mark.parametrize(("name", "unit", "expected"), [
    ("admin", "c", None), ("province", "c", None), ("province", "p", None), ("commune", "c", PermissionDenied),
    ("secretary", "k", PermissionDenied), ("secretary", "c", NotFound), ("member", "c", NotFound),
    ("outsider", "c", NotFound), ("outsider", "q", None)])
def test_who_may_issue(cast, name, unit, expected):
    issuer = getattr(cast.tree, unit)
    if expected is None:
        assert _issue(issuer, [_sub("x1")], actor=getattr(cast, name)).issuer == issuer
    else:
        with pytest.raises(expected):
            _issue(issuer, [_sub("x1")], actor=getattr(cast, name))
        assert not Framework.objects.filter(issuer__isnull=False).exists()


# --- the frameworks a period gives its rows ---


def test_opening_gives_each_row_the_framework_in_force_at_its_nearest_issuer_on_the_periods_end(cast):
    t = cast.tree
    province = _issue(t.p, [_sub("p1")])
    commune_later = _issue(t.c, [_sub("c1")], valid_from=dt.date(YEAR + 1, 1, 1))  # not yet on 31/12
    grassroots = _issue(t.g, [_sub("pc", parent="tasks")], kind=FrameworkKind.COLLECTIVE)
    assert commune_later.extends == province
    open_year(t.p)
    members = set(MemberReview.objects.values_list("framework_id", flat=True))
    assert members == {province.pk}
    units = dict(UnitReview.objects.values_list("unit__code", "framework__issuer__code"))
    assert units == {"C": None, "G": "G", "K": "G", "K2": "G"}
    assert grassroots.version == 1


def test_in_force_for_a_list_of_units_chooses_as_in_force_does(cast, django_assert_num_queries):
    t = cast.tree
    _issue(t.p, [_sub("p1")])
    _issue(t.c, [_sub("c1")], valid_from=dt.date(YEAR, 3, 1))
    _issue(t.p, [_sub("p2")], valid_from=JUL)  # the commune's is passed over from July
    _issue(t.qc, [_sub("q1")])
    units = [t.root, t.p, t.c, t.k, t.k2, t.q, t.qk]
    for day in (JAN, dt.date(YEAR, 3, 1), JUL):
        with django_assert_num_queries(1):
            chosen = frameworks.in_force_for(IND, units, day)
        assert chosen == {u.pk: frameworks.in_force(IND, u.path, day) for u in units}
