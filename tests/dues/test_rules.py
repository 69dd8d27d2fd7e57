import ast
import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chibo.core.models import RuleOverride
from chibo.core.rulebook import RULEBOOK_FILE, rule
from chibo.dues import rules

RATES_2026 = {"salaried_per_mille": 10, "pensioner_per_mille": 5,
              "fixed_vnd": {"student": 5000, "other": 10000, "overseas": 50000}, "round_to_vnd": 1000}


@pytest.mark.parametrize(("category", "income", "expected"), [
    ("salaried", 8_450_000, 85_000),  # 84,500 rounds half up
    ("salaried", 8_449_999, 84_000),
    ("pensioner", 5_300_000, 27_000),  # 26,500 -> 27,000
    ("pensioner", 3_000_000, 15_000),
    ("student", 0, 5_000),
    ("other", 0, 10_000),
    ("overseas", 0, 50_000),
])
def test_amount_per_category(category, income, expected):
    assert rules.amount(category, income, RATES_2026) == expected


@pytest.mark.django_db
def test_the_rate_in_force_follows_the_month():
    assert rule("dues.rates", on=dt.date(2026, 1, 1))["fixed_vnd"]["student"] == 2000  # QĐ 342
    assert rule("dues.rates", on=dt.date(2026, 2, 1))["fixed_vnd"]["student"] == 5000  # QĐ 01 (2026)
    assert rules.amount("salaried", 9_876_000, rule("dues.rates", on=dt.date(2026, 1, 1))) == 98_800
    assert rules.amount("salaried", 9_876_000, rule("dues.rates", on=dt.date(2026, 2, 1))) == 99_000


@pytest.mark.django_db
def test_an_administrator_override_changes_the_amount_from_its_month():
    RuleOverride.objects.create(key="dues.rates", value={**RATES_2026, "fixed_vnd": {**RATES_2026["fixed_vnd"],
                                                                                     "other": 12_000}},
                                effective_from=dt.date(2027, 1, 1), source="test")
    assert rules.amount("other", 0, rule("dues.rates", on=dt.date(2026, 12, 1))) == 10_000
    assert rules.amount("other", 0, rule("dues.rates", on=dt.date(2027, 1, 1))) == 12_000


@pytest.mark.parametrize(("percent", "expected"), [(30, 60_000), (50, 43_000), (70, 26_000), (100, 0)])
def test_reductions(percent, expected):
    assert rules.reduced(85_000, percent, 1000) == expected  # 59,500->60,000; 42,500->43,000; 25,500->26,000


def test_member_months_at_their_boundaries():
    today = dt.date(2026, 6, 1)
    assert rules.member_months(2026, admitted=dt.date(2026, 3, 31), left=None, today=today)[0] == dt.date(2026, 3, 1)
    assert rules.member_months(2026, admitted=dt.date(2020, 1, 1), left=None, today=today)[-1] == dt.date(2026, 6, 1)
    # leaving on the 1st: that month is not owed; on the 2nd it is
    assert rules.member_months(2026, admitted=dt.date(2020, 1, 1), left=dt.date(2026, 4, 1), today=today)[-1] == \
        dt.date(2026, 3, 1)
    assert rules.member_months(2026, admitted=dt.date(2020, 1, 1), left=dt.date(2026, 4, 2), today=today)[-1] == \
        dt.date(2026, 4, 1)


def test_shares_keep_every_dong():
    chain = rules.shares(1_000_003, [300, 500, 500, 500], 5)
    assert chain[0] == (300_000, 700_003)
    assert sum(kept for kept, _up in chain) == 1_000_003
    assert chain[-1][1] == 0


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=1, max_value=8))
def test_shares_are_integers_that_add_up(amount, levels):
    chain = rules.shares(amount, [300, 500, 500, 500], levels)
    assert all(type(k) is int and type(u) is int for k, u in chain)
    assert sum(k for k, _u in chain) == amount


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        rules.amount("salaried", 8_450_000.0, RATES_2026)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        rules.round_vnd(84_500.0, 1000)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        rules.shares(10.5, [300], 2)  # type: ignore[arg-type]


def test_no_float_touches_money_in_the_code_or_the_rulebook():
    """No float literal, float() call or true division in the dues app; the dues rules hold integers only."""
    app = Path(rules.__file__).parent
    for path in app.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            assert not (isinstance(node, ast.Constant) and isinstance(node.value, float)), (path, node.lineno)
            assert not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)), (path, node.lineno)
            assert not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "float"), (path, node.lineno)
    data = json.loads(RULEBOOK_FILE.read_text(encoding="utf-8"))

    def ints(value):
        if isinstance(value, dict):
            return all(ints(v) for v in value.values())
        if isinstance(value, list):
            return all(ints(v) for v in value)
        return type(value) is int

    for key in ("dues.rates", "dues.shares", "dues.removal_unpaid_months", "dues.exempt_party_age_years",
                "dues.reduction_max_months"):
        assert all(ints(v["value"]) for v in data[key]), key
