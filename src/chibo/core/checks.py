"""System checks about the database Chibo runs on (``python -m chibo check``, run by ``migrate``)."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, Tags, register
from django.db import connections

BYTE_ORDER = {"C", "POSIX", "C.UTF-8", "C.utf8", "ucs_basic"}


def is_byte_order(collation: str, provider: str = "c") -> bool:
    """Whether a PostgreSQL database with this default collation (libc ``c`` or ICU ``i``
    provider) compares text byte by byte."""
    return provider == "c" and collation in BYTE_ORDER


@register(Tags.database)
def collation_is_byte_order(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[Error]:
    """Name searches read index ranges of folded (ASCII) names: ``name >= 'an' AND name < 'ao'``.
    That holds only when the database compares text byte by byte; a linguistic collation
    (en_US.UTF-8, vi_VN.UTF-8) orders spaces and letters differently and would miss names."""
    errors: list[Error] = []
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue  # SQLite compares text byte by byte
        with connection.cursor() as cur:
            cur.execute("SELECT datcollate, datlocprovider FROM pg_database WHERE datname = current_database()")
            collation, provider = cur.fetchone()
        if not is_byte_order(collation, provider):
            how = "an ICU collation" if provider == "i" else f"the {collation!r} collation"
            errors.append(Error(
                f"The database {connection.settings_dict['NAME']!r} sorts text by {how}; "
                "Chibo's name search needs byte order.",
                hint="Create the database with: createdb --template=template0 --locale=C.UTF-8 NAME "
                     "(then restore or migrate into it).",
                id="chibo.E001",
            ))
    return errors
