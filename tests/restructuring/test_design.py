"""The restructuring module's place: ``org`` imports none of the apps built on it, every stored
copy of a unit path is either rewritten by a move or kept on purpose, and each rewritten copy is
an index range."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import CharField

import chibo.org
from chibo.restructuring.stored_paths import FOLLOWING, KEPT

# the kernel, the tree itself, and the access policy the tree's services check
BELOW_OR_BESIDE_ORG = {"core", "org", "accounts"}


def imported_apps(folder: Path) -> dict[str, set[str]]:
    """``chibo`` apps imported anywhere in ``folder``'s modules (function-level imports included)."""
    found: dict[str, set[str]] = {}
    for module in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "chibo":
                names = [f"chibo.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "chibo" and len(parts) > 1:
                    found.setdefault(parts[1], set()).add(str(module.relative_to(folder)))
    return found


def test_org_imports_none_of_the_apps_built_on_it():
    above = {app: files for app, files in imported_apps(Path(chibo.org.__file__).parent).items()
             if app not in BELOW_OR_BESIDE_ORG}
    assert above == {}


def _stored_paths() -> set[str]:
    return {f"{model._meta.label}.{field.name}"
            for model in apps.get_models() if model.__module__.startswith("chibo.")
            for field in model._meta.get_fields()
            if isinstance(field, CharField) and (field.name == "path" or field.name.endswith("_path"))}


def test_every_stored_unit_path_is_either_rewritten_by_a_move_or_kept_on_purpose():
    following = {f"{model._meta.label}.{field}" for model, field in FOLLOWING}
    assert following.isdisjoint(KEPT)
    assert _stored_paths() == following | set(KEPT) | {"org.Unit.path"}


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "field"), FOLLOWING, ids=lambda x: getattr(x, "__name__", x))
def test_every_rewritten_path_leads_an_index(model, field):
    column = model._meta.get_field(field).column
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    assert any(c["index"] and c["columns"][:1] == [column] for c in constraints.values())
