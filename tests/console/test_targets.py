"""Targets and progress pages: who sees and does what, the assistant's proposal, saving,
approving and locking through the forms, the dashboard's figures and its query count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from chibo.targets.models import Revision, State, Target
from tests.console.conftest import PERSONAS, statuses

OK, FORBIDDEN, MISSING = 200, 403, 404


def _matrix(*codes):
    return dict(zip(PERSONAS, codes, strict=True))


PAGES = {
    "progress of the commune": (lambda c: reverse("console:progress", args=[c.tree.c.pk]),
                                _matrix(OK, OK, OK, MISSING, MISSING, MISSING)),
    "progress of the cell": (lambda c: reverse("console:progress", args=[c.tree.k.pk]),
                             _matrix(OK, OK, OK, OK, MISSING, MISSING)),
    "targets of the commune": (lambda c: reverse("console:targets", args=[c.tree.c.pk]),
                               _matrix(OK, OK, OK, MISSING, MISSING, MISSING)),
    "progress of the commune as XLSX": (lambda c: reverse("console:progress_export", args=[c.tree.c.pk, "xlsx"]),
                                        _matrix(OK, OK, OK, MISSING, MISSING, MISSING)),
    "progress of the cell as PDF": (lambda c: reverse("console:progress_export", args=[c.tree.k.pk, "pdf"]),
                                    _matrix(OK, OK, OK, OK, MISSING, MISSING)),
    "members panel of the commune": (lambda c: reverse("console:progress_members", args=[c.tree.c.pk]),
                                     _matrix(OK, OK, OK, MISSING, MISSING, MISSING)),
    "year-end tables of the commune": (lambda c: reverse("console:year_end", args=[c.tree.c.pk]),
                                       _matrix(OK, OK, OK, MISSING, MISSING, MISSING)),
    "year-end tables as XLSX": (lambda c: reverse("console:year_end_export", args=[c.tree.c.pk, "xlsx"]),
                                _matrix(OK, OK, OK, MISSING, MISSING, MISSING)),
    "reports of the cell": (lambda c: reverse("console:progress_reports", args=[c.tree.k.pk]),
                            _matrix(OK, OK, OK, OK, MISSING, MISSING)),
    "a stored report as PDF": (lambda c: reverse("console:progress_report_export", args=[_report(c).pk, "pdf"]),
                               _matrix(OK, OK, OK, OK, MISSING, MISSING)),
}


def _report(cast):
    from chibo.accounts.policy import SYSTEM
    from chibo.targets import reports

    return reports.take(cast.tree.k, dt.date(2024, 6, 30), actor=SYSTEM)


@pytest.mark.parametrize("page", list(PAGES))
def test_persona_matrix(page, cast, client):
    url_of, expected = PAGES[page]
    assert statuses(client, cast, url_of(cast)) == expected


def test_set_approve_lock_and_revise_through_the_page(cast, login):
    g, k, k2 = cast.tree.g, cast.tree.k, cast.tree.k2
    url = reverse("console:targets", args=[g.pk]) + "?year=2026"
    client = login("province")
    page = client.get(url + "&propose=rate&rate=20").content.decode()
    assert "Proposal filled in: 1 for the unit" in page  # 20% of G's 3 members = 0.6, rounded half up
    response = client.post(url, {"year": 2026, "indicator": "admissions", "method": "rate", "action": "save",
                                 f"value_{g.pk}": "4", f"value_{k.pk}": "3", f"value_{k2.pk}": "1"})
    assert response.status_code == 302
    assert Target.objects.filter(year=2026).count() == 3
    bad = client.post(url, {"year": 2026, "indicator": "admissions", "action": "save", f"value_{k.pk}": "-2"})
    assert bad.status_code == 200 and "whole number" in bad.content.decode()
    assert Target.objects.get(unit=k).value == 3
    assert client.post(url, {"year": 2026, "action": "lock"}).status_code == 403  # board staff cannot approve
    assert login("commune").post(url, {"year": 2026, "action": "lock"}).status_code == 302
    assert set(Target.objects.values_list("state", flat=True)) == {State.LOCKED}
    client = login("province")
    refused = client.post(url, {"year": 2026, "indicator": "admissions", "action": "save", f"value_{k.pk}": "2"})
    assert "give the reason" in refused.content.decode()
    client.post(url, {"year": 2026, "indicator": "admissions", "action": "save", f"value_{k.pk}": "2",
                      "reason": "Điều chỉnh theo Nghị quyết 05"})
    assert Revision.objects.get().new_value == 2
    assert "Điều chỉnh theo Nghị quyết 05" in client.get(url).content.decode()


def test_the_commune_leader_sees_but_cannot_set(cast, login):
    url = reverse("console:targets", args=[cast.tree.g.pk])
    response = login("commune").post(url, {"year": 2026, "indicator": "admissions", "action": "save",
                                           f"value_{cast.tree.g.pk}": "4"})
    assert response.status_code == 403
    assert not Target.objects.exists()


@pytest.mark.parametrize("children", [1, 3])
def test_the_dashboard_page_query_count_does_not_grow(children, cast, login, django_assert_max_num_queries):
    from tests.factories.registry import make_unit

    for i in range(children):
        make_unit(cast.tree.g, f"N{i}", f"Chi bộ mới {i}", "cell")
    client = login("province")
    with django_assert_max_num_queries(19):  # the nineteenth: the review's tallies (grassroots rated good or better)
        response = client.get(reverse("console:progress", args=[cast.tree.g.pk]) + "?day=2026-06-30")
    assert len(response.context["board"].children) == children + 2


def test_a_garbled_or_future_day_falls_back_to_today(cast, login):
    client = login("province")
    for day in ("yesterday", "2999-01-01"):
        response = client.get(reverse("console:progress", args=[cast.tree.c.pk]) + f"?day={day}")
        assert response.context["board"].day == dt.date.today()


def test_members_panel_year_end_page_and_its_exports(cast, login, tmp_path):
    import io

    from openpyxl import load_workbook

    from tests.factories.registry import make_unit

    make_unit(cast.tree.c, "TH", "Chi bộ thôn Hạ", "grassroots_cell", "residential")
    client = login("province")
    panel = client.get(reverse("console:progress_members", args=[cast.tree.c.pk])).content.decode()
    assert "Chi bộ thôn Hạ" in panel and "Increase" in panel
    year = dt.date.today().year - 1
    page = client.get(reverse("console:year_end", args=[cast.tree.c.pk]) + f"?year={year}").content.decode()
    assert "Increase and decrease of party members" in page and "Party members by general education" in page
    xlsx = client.get(reverse("console:year_end_export", args=[cast.tree.c.pk, "xlsx"]) + f"?year={year}")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert len(book.worksheets) == 11  # tables a–f
    assert login("outsider").get(reverse("console:year_end", args=[cast.tree.c.pk])).status_code == 404


def test_read_only_roles_cannot_take_reports_or_schedule_them(cast, login):
    from chibo.targets.models import ProgressReport, ReportSchedule

    url = reverse("console:progress_reports", args=[cast.tree.k.pk])
    client = login("secretary")
    assert client.post(url, {"action": "take", "cutoff": "2024-06-30"}).status_code == 403
    assert client.post(url, {"action": "schedule", "cadence": "yearly"}).status_code == 403
    assert not ProgressReport.objects.exists() and not ReportSchedule.objects.exists()
    province = login("province")
    province.post(url, {"action": "take", "cutoff": "2024-06-30"})
    first = ProgressReport.objects.get()
    province.post(url, {"action": "take", "cutoff": "2024-06-30"})  # again: the stored figures stay
    assert ProgressReport.objects.get().created_at == first.created_at


@pytest.mark.parametrize("query", ["?day=0001-06-01", "?day=2024-02-30", "?year=%C2%B2"])
def test_odd_parameters_fall_back_instead_of_failing(cast, login, query):
    client = login("province")
    for name in ("console:progress", "console:targets", "console:year_end"):
        assert client.get(reverse(name, args=[cast.tree.c.pk]) + query).status_code == 200
    assert client.get(reverse("console:progress_export", args=[cast.tree.c.pk, "xlsx"]) + query).status_code == 200


def test_a_bogus_method_or_an_absurd_target_is_refused(cast):
    from chibo.core.errors import DomainError
    from chibo.targets import services

    with pytest.raises(DomainError):
        services.set_targets(actor=cast.province, parent=cast.tree.g, year=2026, indicator="admissions",
                             values={cast.tree.g.pk: 3}, method="x" * 40)
    with pytest.raises(DomainError):
        services.set_targets(actor=cast.province, parent=cast.tree.g, year=2026, indicator="admissions",
                             values={cast.tree.g.pk: 10**12})
    assert not Target.objects.exists()


def test_export_file_names_carry_the_day_of_their_figures_once(cast, login):
    client = login("province")

    def name(url: str) -> str:
        return client.get(url)["Content-Disposition"].split("filename=")[1].strip('"')

    day = dt.date(2024, 6, 30)
    progress = name(reverse("console:progress_export", args=[cast.tree.c.pk, "xlsx"]) + f"?day={day}")
    assert progress == f"tien-do-{cast.tree.c.code}.2024-06-30.xlsx"
    report = name(reverse("console:progress_report_export", args=[_report(cast).pk, "pdf"]))
    assert report == f"bao-cao-{cast.tree.k.code}.2024-06-30.pdf"
    year_end = name(reverse("console:year_end_export", args=[cast.tree.c.pk, "xlsx"]) + "?year=2024")
    assert year_end == f"thong-ke-{cast.tree.c.code}.2024-12-31.xlsx"


def test_the_members_panel_query_count_does_not_grow_with_the_units(cast, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories.registry import make_unit

    client, url = login("province"), reverse("console:progress_members", args=[cast.tree.g.pk])
    counts = []
    for n in (1, 3):
        for i in range(n):
            make_unit(cast.tree.g, f"M{n}{i}", f"Chi bộ thêm {n}{i}", "cell")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
