"""The system check that the database compares text byte by byte (name search ranges need it)."""

from __future__ import annotations

import pytest

from chibo.core.checks import collation_is_byte_order, is_byte_order


@pytest.mark.parametrize(("collation", "provider", "expected"), [
    ("C", "c", True), ("C.UTF-8", "c", True), ("POSIX", "c", True),
    ("en_US.UTF-8", "c", False), ("vi_VN.UTF-8", "c", False), ("C.UTF-8", "i", False),
])
def test_byte_order_collations(collation, provider, expected):
    assert is_byte_order(collation, provider) is expected


@pytest.mark.django_db
def test_the_test_database_passes_the_check():
    assert collation_is_byte_order(databases=["default"]) == []
