"""How money and shares read on the dues pages."""

from __future__ import annotations

from django.utils import translation

from chibo.dues.templatetags.dues import permille_percent, vnd


def test_an_amount_keeps_its_currency_on_the_same_line():
    with translation.override("vi"):
        assert vnd(99000) == "99.000\u00a0đ"
    with translation.override("en"):
        assert vnd(-2500) == "-2,500\u00a0đ"
    assert vnd(None) == "—"


def test_a_share_in_per_mille_reads_as_a_percentage():
    with translation.override("vi"):
        assert [permille_percent(v) for v in (300, 500, 125, 0)] == ["30%", "50%", "12,5%", "0%"]
    with translation.override("en"):
        assert permille_percent(125) == "12.5%"
