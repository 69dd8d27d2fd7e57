"""Schemathesis fuzzes every operation of the OpenAPI schema: no answer may be a server error.

Each operation runs with generated path ids (mostly unknown: 404) and with the ids of real
objects of the cast (so query strings and bodies reach the services), in positive and negative
generation modes, as the administrator. Input that slips past the declared validation is
answered 400 and logged on ``chibo.api``: the test fails on that too, so a value the database
refuses is fixed in the schema, not hidden by the fallback handler.
"""

from __future__ import annotations

import logging

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from chibo.wsgi import application
from tests.factories.admissions import open_case

FUZZ = settings(max_examples=25, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


def _fuzz(operation, headers: dict[str, str], mode: GenerationMode, path_parameters=None,
          body_unit: int | None = None) -> None:
    @FUZZ
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    def run(case):
        if body_unit is not None and isinstance(case.body, dict):
            # a real cell, so that valid bodies reach the service (a new case names it "cell")
            case.body["cell" if case.path.endswith("/admissions/cases") else "unit"] = body_unit
        response = case.call(headers=headers)
        case.validate_response(response, checks=[not_a_server_error])

    run()


@pytest.fixture
def wsgi_in_test_transaction():
    """Keep the test's database connection across WSGI requests, as Django's test client does
    (a request's start and end would otherwise close a connection inside a transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield application
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_fuzzing_every_operation_finds_no_server_error(api, cast, caplog, wsgi_in_test_transaction):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_in_test_transaction)
    headers = {"Authorization": f"Bearer {api.raw['admin']}"}
    real_ids = {"unit_id": cast.tree.g.pk, "member_id": cast.plain_m.pk, "case_id": open_case(cast.tree.k).pk}
    cell = cast.tree.k.pk
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 27
    with caplog.at_level(logging.WARNING, logger="chibo.api"):
        for operation in operations:
            fixed = {p.name: real_ids[p.name] for p in operation.path_parameters}
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _fuzz(operation, headers, mode)
                if fixed:
                    _fuzz(operation, headers, mode, path_parameters=fixed)
                if operation.method.upper() == "POST":
                    _fuzz(operation, headers, mode, body_unit=cell)
    assert [r.getMessage() for r in caplog.records if r.name == "chibo.api"] == []


def test_schemathesis_coverage_cases_find_no_server_error(api, cast, caplog, wsgi_in_test_transaction):
    """The deterministic boundary cases (limits, enum values, wrong types) of every operation."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_in_test_transaction)
    headers = {"Authorization": f"Bearer {api.raw['admin']}"}
    statuses: set[int] = set()
    with caplog.at_level(logging.WARNING, logger="chibo.api"):
        for result in schema.get_all_operations():
            operation = result.ok()
            for case in schema.iter_coverage_cases(
                operation, generation_modes=list(GenerationMode),
                generation_config=schema.config.generation_for(operation=operation),
            ):
                response = case.call(headers=headers)
                case.validate_response(response, checks=[not_a_server_error])
                statuses.add(response.status_code)
    assert [r.getMessage() for r in caplog.records if r.name == "chibo.api"] == []
    assert {200, 404, 422} <= statuses
