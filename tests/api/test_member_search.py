"""Searching the member list through the API: a citizen ID only where the caller may see it."""


def _names(response):
    assert response.status == 200, response.json
    return [m["full_name"] for m in response.json["items"]]


def test_a_secretary_cannot_confirm_a_masked_citizen_id_by_searching_for_it(api, cast):
    masked = api.secretary.get(f"/members/{cast.plain_m.pk}").json["citizen_id"]
    assert masked == "••••••••" + cast.plain_m.citizen_id[-4:]
    assert _names(api.secretary.get("/members/", q=cast.plain_m.citizen_id)) == []
    assert _names(api.secretary.get("/members/", q="dang van")) == ["Đặng Văn An"]


def test_a_citizen_id_search_finds_the_member_for_those_who_may_see_it(api, cast):
    assert _names(api.province.get("/members/", q=cast.plain_m.citizen_id)) == ["Đặng Văn An"]
    assert _names(api.admin.get("/members/", q=cast.far_m.citizen_id)) == ["Phạm Minh Đức"]
    assert _names(api.commune.get("/members/", q=cast.plain_m.citizen_id)) == ["Đặng Văn An"]
