"""GET /api/v1/transfers/: a unit's transfers, scoped, keyset paged; incoming rows limited."""

from __future__ import annotations

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.members.transfers import services
from tests.api.conftest import PERSONAS, api  # noqa: F401 (the fixture)
from tests.api.test_fuzz import wsgi_in_test_transaction  # noqa: F401 (the fixture)
from tests.members.transfers.conftest import ACCEPTED, sent

pytestmark = pytest.mark.django_db


@pytest.fixture
def transfer(cast):
    return sent(cast.plain_m, cast.tree.qc, actor=cast.province)


def _statuses(api, **params):  # noqa: F811
    return {p: getattr(api, p).get("/transfers/", **params).status for p in PERSONAS}


def test_persona_matrix_on_both_sides(api, cast, transfer):  # noqa: F811
    t = cast.tree
    assert _statuses(api, unit=t.k.pk) == {"admin": 200, "province": 200, "commune": 200, "secretary": 200,
                                           "member": 404, "outsider": 404}
    assert _statuses(api, unit=t.q.pk, direction="incoming") == {
        "admin": 200, "province": 404, "commune": 404, "secretary": 404, "member": 404, "outsider": 200}
    assert api.anonymous.get("/transfers/", unit=t.k.pk).status == 401
    assert api.province.get("/transfers/", unit=t.k.pk, direction="sideways").status == 422


def test_incoming_rows_are_limited_until_the_acceptance(api, cast, transfer):  # noqa: F811
    answer = api.outsider.get("/transfers/", unit=cast.tree.q.pk, direction="incoming")
    [row] = answer.json["items"]
    assert (row["limited"], row["member_name"], row["birth_year"], row["letter_number"]) == (
        True, "Đặng Văn An", 1990, "45-GGT")
    assert row["from_unit"]["name"] == "Chi bộ Giáo viên 1"
    assert (row["member_id"], row["decision_number"], row["decided_by"], row["reason"]) == (None, None, None, None)
    [mine] = api.province.get("/transfers/", unit=cast.tree.p.pk).json["items"]
    assert (mine["limited"], mine["member_id"], mine["decision_number"]) == (False, cast.plain_m.pk, "12-QĐ/ĐU")
    services.accept_transfer(transfer, actor=SYSTEM, cell=cast.tree.qk, on=ACCEPTED)
    [row] = api.outsider.get("/transfers/", unit=cast.tree.q.pk, direction="incoming").json["items"]
    assert (row["limited"], row["member_id"], row["cell"]["code"]) == (False, cast.plain_m.pk, "QK")


def test_keyset_pages(api, cast):  # noqa: F811
    for member in (cast.plain_m, cast.other_m, cast.sec_m):
        sent(member, cast.tree.qc)
    first = api.province.get("/transfers/", unit=cast.tree.k.pk, limit=2).json
    second = api.province.get("/transfers/", unit=cast.tree.k.pk, limit=2, after=first["next"]).json
    names = [r["member_name"] for r in first["items"] + second["items"]]
    assert sorted(names) == ["Lê Hoàng Cường", "Trần Thị Bình", "Đặng Văn An"] and second["next"] is None


@pytest.mark.parametrize("n", [1, 3])
def test_list_query_count_does_not_grow(api, cast, n, django_assert_num_queries):  # noqa: F811
    for member in (cast.plain_m, cast.other_m, cast.sec_m)[:n]:
        sent(member, cast.tree.qc)
    with django_assert_num_queries(5):
        answer = api.province.get("/transfers/", unit=cast.tree.k.pk)
    assert len(answer.json["items"]) == n


def test_fuzzing_the_list_finds_no_server_error(api, cast, caplog, wsgi_in_test_transaction):  # noqa: F811
    """Schemathesis on GET /transfers/ (positive and negative, and its coverage cases), as in
    tests/api/test_fuzz.py, with a transfer in the data."""
    import logging

    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error

    from tests.api.test_fuzz import _fuzz

    sent(cast.plain_m, cast.tree.qc)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_in_test_transaction)
    headers = {"Authorization": f"Bearer {api.raw['admin']}"}
    [operation] = [r.ok() for r in schema.get_all_operations() if r.ok().path == "/api/v1/transfers/"]
    with caplog.at_level(logging.WARNING, logger="chibo.api"):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, headers, mode)
        for case in schema.iter_coverage_cases(operation, generation_modes=list(GenerationMode),
                                               generation_config=schema.config.generation_for(operation=operation)):
            case.validate_response(case.call(headers=headers), checks=[not_a_server_error])
    assert [r.getMessage() for r in caplog.records if r.name == "chibo.api"] == []
