"""GET /connections: filters, ordering, count, keyset pagination (contract §4)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import s3_connection_body
from tests.support.wire import error_code


def _create(api: httpx.Client, name: str, description: str | None = None) -> dict[str, Any]:
    body = s3_connection_body(s3AccessKey="a", s3SecretKey="b")
    body["name"] = name
    body["description"] = description
    response = api.post("/connections", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


def _all_pages(api: httpx.Client, **params: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    response = api.get("/connections", params=params)
    while True:
        body = response.json()
        items += body["items"]
        if not body["_links"]:
            return items
        href = body["_links"]["next"]["href"]
        token = href.split("=", 1)[1]  # how real clients take it
        assert "&" not in token
        assert "=" not in token
        response = api.get("/connections", params={"continuationToken": token})


@pytest.fixture
def three(api: httpx.Client) -> list[dict[str, Any]]:
    return [_create(api, name, f"about {name}") for name in ("bravo", "alpha", "charlie")]


def test_default_order_is_newest_first(api: httpx.Client, three: list[dict[str, Any]]) -> None:
    assert _names(api.get("/connections")) == ["charlie", "alpha", "bravo"]


@pytest.mark.parametrize(
    ("orderby", "expected"),
    [("name", ["alpha", "bravo", "charlie"]), ("+name", ["alpha", "bravo", "charlie"]),
     ("-name", ["charlie", "bravo", "alpha"]), ("createdAt", ["bravo", "alpha", "charlie"]),
     ("-updatedAt", ["charlie", "alpha", "bravo"])],
)  # fmt: skip
def test_orderby(
    api: httpx.Client, three: list[dict[str, Any]], orderby: str, expected: list[str]
) -> None:
    assert _names(api.get("/connections", params={"orderby": orderby})) == expected


def test_filters(api: httpx.Client, three: list[dict[str, Any]]) -> None:
    ids = {item["name"]: item["id"] for item in api.get("/connections").json()["items"]}

    def get(*props: str) -> list[str]:
        params = [("property", p) for p in props] + [("orderby", "name")]
        return _names(api.get("/connections", params=params))

    assert get("name==alpha") == ["alpha"]
    assert get("name==alpha,charlie") == ["alpha", "charlie"]
    assert get("name!=alpha") == ["bravo", "charlie"]
    assert get("name!=alpha,bravo") == ["charlie"]
    assert get("name>alpha") == ["bravo", "charlie"]
    assert get("name>=bravo") == ["bravo", "charlie"]
    assert get("name<bravo") == ["alpha"]
    assert get("name<=bravo") == ["alpha", "bravo"]
    assert get(f"id=={ids['bravo']}") == ["bravo"]
    assert get("description==about charlie") == ["charlie"]
    assert get("state==enabled") == ["alpha", "bravo", "charlie"]
    assert get("state==disabled") == []
    assert get("connectionSpec.id==ecadc60c-7455-4d87-84dc-2a0e293d997b", "name!=bravo") == [
        "alpha",
        "charlie",
    ]


def test_timestamp_filters(api: httpx.Client, three: list[dict[str, Any]]) -> None:
    items = {i["name"]: i for i in api.get("/connections").json()["items"]}
    created = items["alpha"]["createdAt"]
    after = _names(
        api.get(
            "/connections", params={"property": f"createdAt>={created}", "orderby": "createdAt"}
        )
    )
    assert after[0] == "alpha"
    assert "bravo" not in after
    assert _names(api.get("/connections", params={"property": f"updatedAt<{created}"})) == ["bravo"]


def test_count(api: httpx.Client, three: list[dict[str, Any]]) -> None:
    assert api.get("/connections", params={"count": "true"}).json() == {"count": 3}
    assert api.get("/connections", params={"count": "true", "property": "name!=alpha"}).json() == {
        "count": 2
    }


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"count": "true", "limit": "2"}, "1401-400"),
        ({"orderby": "*name"}, "1432-400"),
        ({"orderby": "colour"}, "1433-400"),
        ({"property": "name~alp"}, "1440-400"),
        ({"property": "name"}, "1450-400"),
        ({"property": "colour==red"}, "1449-400"),
        ({"property": "auth.params.s3SecretKey==x"}, "1449-400"),
        ({"sort": "name"}, "1451-400"),
        ({"property": "createdAt>yesterday"}, "1452-400"),
        ({"property": "state==paused"}, "1452-400"),
        ({"limit": "abc"}, "1452-400"),
        ({"limit": "0"}, "1452-400"),
        ({"continuationToken": "not-a-token"}, "1452-400"),
        ({"property": "name=="}, "1453-400"),
        ({"property": "name==a,"}, "1453-400"),
    ],
)
def test_bad_list_queries(api: httpx.Client, params: dict[str, str], code: str) -> None:
    response = api.get("/connections", params=params)
    assert response.status_code == 400, response.text
    assert error_code(response) == code


def test_pages_cover_everything_once_in_order(api: httpx.Client) -> None:
    names = [f"conn-{i:02d}" for i in range(23)]
    for name in names:
        _create(api, name)
    first = api.get(
        "/connections", params={"limit": "5", "orderby": "name", "property": "name!=conn-03"}
    )
    assert len(first.json()["items"]) == 5
    assert first.json()["_links"]["next"]["href"].startswith("/connections?continuationToken=")
    items = _all_pages(api, limit="5", orderby="name", property="name!=conn-03")
    assert [i["name"] for i in items] == [n for n in names if n != "conn-03"]


def test_last_page_has_empty_links(api: httpx.Client, three: list[dict[str, Any]]) -> None:
    assert api.get("/connections", params={"limit": "3"}).json()["_links"] == {}


def test_pagination_is_stable_under_concurrent_inserts(api: httpx.Client) -> None:
    for i in range(6):
        _create(api, f"old-{i}")
    page = api.get("/connections", params={"limit": "3", "orderby": "createdAt"}).json()
    seen = [i["name"] for i in page["items"]]
    _create(api, "new-during-paging")
    token = page["_links"]["next"]["href"].split("=", 1)[1]
    rest = api.get("/connections", params={"continuationToken": token}).json()
    seen += [i["name"] for i in rest["items"]]
    assert seen[:6] == [f"old-{i}" for i in range(6)]
    assert len(seen) == len(set(seen))


def test_equal_sort_keys_are_not_skipped_across_pages(api: httpx.Client) -> None:
    for _ in range(7):
        _create(api, "same-name")
    items = _all_pages(api, limit="2", orderby="name")
    assert len(items) == 7
    assert len({i["id"] for i in items}) == 7
