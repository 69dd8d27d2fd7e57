import datetime as dt

import pytest
from django.urls import reverse

from chibo.accounts.policy import SYSTEM
from chibo.dues import closing, services
from chibo.dues.models import Payment
from tests.api.conftest import PERSONAS

pytestmark = pytest.mark.django_db
MARCH = dt.date(2026, 3, 1)


@pytest.fixture
def history(cast):
    m = cast.plain_m
    services.set_basis(m, actor=SYSTEM, category="salaried", income=9_876_000, from_month=dt.date(2026, 1, 1))
    services.decide_relief(m, actor=SYSTEM, kind="reduction", ground="hardship", percent=30,
                           from_month=dt.date(2026, 5, 1), months=3, decision="NQ 7/CB",
                           decided_on=dt.date(2026, 4, 28))
    services.record_payment(m, actor=SYSTEM, months=[dt.date(2026, 1, 1), dt.date(2026, 2, 1)], amount=200_000,
                            receipt="BL-17", paid_on=dt.date(2026, 2, 10))
    closing.close_month(cast.tree.k, MARCH, actor=SYSTEM)
    return m


def test_the_member_reads_their_dues_in_the_handbook(client, cast, history):
    client.force_login(cast.member)
    home = client.get(reverse("handbook:home")).content.decode()
    assert reverse("handbook:dues") in home
    page = client.get(reverse("handbook:dues")).content.decode()
    assert "BL-17" in page and "1 % of your social-insurance salary" in page
    assert "03/2026" in page  # unpaid, closed


def test_handbook_dues_query_count(client, cast, history, django_assert_max_num_queries):
    client.force_login(cast.member)
    client.get(reverse("handbook:dues"))
    with django_assert_max_num_queries(22):
        assert client.get(reverse("handbook:dues")).status_code == 200


def test_api_me_gives_the_months_and_payments(api, cast, history):
    got = api.member.get("/dues/me")
    assert got.status == 200
    body = got.json
    months = {m["month"]: (m["state"], m["due"], m["paid"]) for m in body["months"]}
    # January: QĐ 342's rounding to 100 đ (98,760 -> 98,800); from February QĐ 01's to 1,000 đ (99,000)
    assert months["2026-01-01"] == ("paid", 98_800, 98_800)
    assert months["2026-02-01"] == ("paid", 99_000, 101_200)  # what the receipt paid beyond goes to the last month
    assert months["2026-05-01"][1] == 69_000  # 30 % off 99,000 = 69,300 -> 69,000
    assert months["2026-08-01"][1] == 99_000  # the reduction ended with July
    assert body["unpaid"]["2026"][0] == "2026-03-01"
    assert [p["receipt"] for p in body["payments"]] == ["BL-17", "BL-17"]
    assert api.admin.get("/dues/me").status == 404  # no member record


def test_api_arrears_persona_matrix_and_paging(api, cast, history):
    url = f"/dues/units/{cast.tree.g.pk}/arrears"
    seen = {p: getattr(api, p).get(url, year=2026).status for p in PERSONAS}
    assert seen == {"admin": 200, "province": 200, "commune": 200, "secretary": 404, "member": 404, "outsider": 404}
    first = api.province.get(url, year=2026, limit=2).json
    assert first["total"] == {"members": 3, "months": 3, "amount": first["total"]["amount"]}
    assert [u["unit"]["name"] for u in first["units"]] == ["Chi bộ Giáo viên 1"]
    second = api.province.get(url, year=2026, limit=2, after=first["next"]).json
    assert len(first["items"]) == 2 and len(second["items"]) == 1 and second["next"] is None
    names = {i["member_name"] for i in first["items"] + second["items"]}
    assert names == {"Trần Thị Bình", "Đặng Văn An", "Lê Hoàng Cường"}
    assert Payment.objects.count() == 2


def test_the_member_page_shows_the_dues_panel(client, cast, history):
    client.force_login(cast.secretary)
    page = client.get(reverse("console:member", args=[history.pk])).content.decode()
    assert "dues-panel" in page and reverse("console:member_dues", args=[history.pk]) in page


def test_api_arrears_query_count_does_not_grow(api, cast, history, django_assert_max_num_queries):
    url = f"/dues/units/{cast.tree.p.pk}/arrears"
    api.province.get(url, year=2026, limit=1)
    with django_assert_max_num_queries(16):
        one = api.province.get(url, year=2026, limit=1)
    with django_assert_max_num_queries(16):
        three = api.province.get(url, year=2026, limit=3)
    assert (len(one.json["items"]), len(three.json["items"])) == (1, 3)
