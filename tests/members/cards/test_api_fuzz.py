"""Schemathesis on the cards operations (tests/api/test_fuzz.py walks every operation too): no
answer is a server error, with generated and real unit ids, in both generation modes."""

from __future__ import annotations

import logging

import schemathesis
from schemathesis import GenerationMode

from tests.api.test_fuzz import _fuzz, wsgi_in_test_transaction  # noqa: F401 (the fixture)


def test_the_cards_operations_answer_no_server_error(api, cast, caplog, wsgi_in_test_transaction):  # noqa: F811
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_in_test_transaction)
    headers = {"Authorization": f"Bearer {api.raw['admin']}"}
    operations = [r.ok() for r in schema.get_all_operations() if r.ok().path.startswith("/api/v1/cards/")]
    assert sorted(o.path for o in operations) == ["/api/v1/cards/me", "/api/v1/cards/units/{unit_id}/badges"]
    with caplog.at_level(logging.WARNING, logger="chibo.api"):
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _fuzz(operation, headers, mode)
                if operation.path_parameters:
                    _fuzz(operation, headers, mode, path_parameters={"unit_id": cast.tree.g.pk})
    assert [r.getMessage() for r in caplog.records if r.name == "chibo.api"] == []
