import datetime as dt

import pytest

from chibo.core.models import RuleOverride
from chibo.core.rulebook import UnknownRule, rule, rule_version


@pytest.mark.django_db
def test_shipped_figures_are_sourced():
    version = rule_version("admission.min_age_months", on=dt.date(2026, 1, 1))
    assert version.value == 216
    assert "24-QĐ/TW" in version.source


@pytest.mark.django_db
def test_unknown_rule_and_date_before_any_version():
    with pytest.raises(UnknownRule):
        rule("no.such.rule", on=dt.date(2026, 1, 1))
    with pytest.raises(UnknownRule):
        rule("dues.rates", on=dt.date(2000, 1, 1))


@pytest.mark.django_db
def test_override_applies_from_its_date_only():
    RuleOverride.objects.create(key="admission.decision_working_days", value=45,
                                effective_from=dt.date(2027, 1, 1), source="QĐ 999-QĐ/TW")
    assert rule("admission.decision_working_days", on=dt.date(2026, 12, 31)) == 60
    assert rule("admission.decision_working_days", on=dt.date(2027, 1, 1)) == 45
