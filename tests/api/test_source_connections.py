"""``/sourceConnections`` (dataflows §3) over HTTP on both back ends."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import S3_SPEC_ID
from tests.support.dataflows import base_connection, created_id, dataflow, item, source_body
from tests.support.wire import error_code


@pytest.fixture
def base_id(api: httpx.Client) -> str:
    return base_connection(api)


def _count(api: httpx.Client) -> int:
    return int(api.get("/sourceConnections", params={"count": "true"}).json()["count"])


def test_create_and_read_with_inherited_attributes(api: httpx.Client, base_id: str) -> None:
    response = api.post("/sourceConnections", json=source_body(base_id))
    source_id = created_id(response)
    assert response.headers["location"].endswith(f"/sourceConnections/{source_id}")
    source = item(api, f"/sourceConnections/{source_id}")
    assert source["baseConnectionId"] == base_id
    assert source["state"] == "enabled"
    assert source["data"] == {
        "format": "delimited",
        "schema": None,
        "properties": {"columnDelimiter": ",", "encoding": "UTF-8"},
    }
    assert source["params"] == {"path": "/acme/summer/*.csv", "type": "folder"}
    assert source["inheritedAttributes"] == {
        "baseConnection": {"id": base_id, "connectionSpec": {"id": S3_SPEC_ID, "version": "1.0"}}
    }
    assert source["lastOperation"]["operation"] == "create"
    assert source["etag"] == source["version"] == response.json()["etag"]


def test_documented_variants_are_accepted(api: httpx.Client, base_id: str) -> None:
    variants: list[dict[str, Any]] = [
        {
            "data": {"format": "delimited", "columnDelimiter": "\\t"},
            "params": {"path": "/acme/compressed/files.gzip"},
        },
        {
            "data": {"format": "JSON", "properties": {"compressionType": "gzip"}},
            "params": {"path": "/acme/a/", "type": "folder", "recursive": "true"},
        },
        {
            "data": {"format": "parquet_xdm", "schema": {"id": "https://ns.adobe.com/x/schemas/y"}},
            "params": {"path": "acme/samples", "recursive": True},
            "connectionSpec": {"id": S3_SPEC_ID, "version": 1},
        },
    ]
    for variant in variants:
        source_id = created_id(api.post("/sourceConnections", json=source_body(base_id, **variant)))
        assert item(api, f"/sourceConnections/{source_id}")["params"]["path"].startswith("/acme/")


def _broken(base_id: str, **changes: Any) -> dict[str, Any]:
    body = source_body(base_id)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = body
        for part in parents:
            node = node.setdefault(part, {})
        if value is ...:
            node.pop(last, None)
        else:
            node[last] = value
    return body


CASES: list[tuple[str, dict[str, Any], str]] = [
    ("no-name", {"name": ...}, "1304-400"),
    ("no-base", {"baseConnectionId": ...}, "1304-400"),
    ("unknown-base", {"baseConnectionId": "00000000-0000-4000-8000-000000000000"}, "1100-400"),
    ("no-spec", {"connectionSpec": ...}, "1304-400"),
    ("unknown-spec", {"connectionSpec__id": "00000000-0000-4000-8000-000000000000"}, "1413-400"),
    ("spec-version", {"connectionSpec__version": "9.9"}, "1413-400"),
    ("no-data", {"data": ...}, "1304-400"),
    ("no-format", {"data__format": ...}, "1304-400"),
    ("bad-format", {"data__format": "xml"}, "1327-400"),
    ("long-delimiter", {"data__properties__columnDelimiter": ";;"}, "1331-400"),
    ("bad-encoding", {"data__properties__encoding": "UTF-16"}, "1312-400"),
    ("bad-compression", {"data__properties__compressionType": "zstd"}, "1312-400"),
    (
        "parquet-compression",
        {"data__format": "parquet", "data__properties": {"compressionType": "gzip"}},
        "1312-400",
    ),
    ("no-path", {"params__path": ...}, "1323-400"),
    ("empty-path", {"params__path": " "}, "1323-400"),
    ("bad-type", {"params__type": "bucket"}, "1312-400"),
    ("bad-recursive", {"params__recursive": "maybe"}, "1312-400"),
    ("wildcard-in-folder", {"params__path": "/acme/*/a.csv"}, "1312-400"),
    ("other-bucket", {"params__path": "/other/a.csv"}, "1363-400"),
    ("unknown-field", {"colour": "red"}, "1106-400"),
]


@pytest.mark.parametrize(("changes", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_source_connections_are_refused_and_nothing_is_stored(
    api: httpx.Client, base_id: str, changes: dict[str, Any], code: str
) -> None:
    before = _count(api)
    response = api.post("/sourceConnections", json=_broken(base_id, **changes))
    assert response.status_code == 400, response.text
    assert error_code(response) == code
    assert _count(api) == before


def test_a_base_connection_of_another_spec_is_refused(api: httpx.Client, base_id: str) -> None:
    body = source_body(base_id, connectionSpec={"id": "c604ff05-7f1a-43c0-8e18-33bf874cb11c"})
    response = api.post("/sourceConnections", json=body)
    assert response.status_code == 400
    assert error_code(response) == "1413-400"


def test_patch_params_and_refusals(api: httpx.Client, base_id: str) -> None:
    source_id = created_id(api.post("/sourceConnections", json=source_body(base_id)))
    etag = item(api, f"/sourceConnections/{source_id}")["etag"]
    op = {"op": "add", "path": "/params/path", "value": "/acme/winter/"}
    patched = api.patch(f"/sourceConnections/{source_id}", json=op, headers={"If-Match": etag})
    assert patched.status_code == 200, patched.text
    assert set(patched.json()) == {"id", "etag"}
    source = item(api, f"/sourceConnections/{source_id}")
    assert source["params"]["path"] == "/acme/winter/"
    assert source["lastOperation"]["operation"] == "update"
    for path, code in (("/connectionSpec/id", "1414-400"), ("/baseConnectionId", "1455-400")):
        response = api.patch(
            f"/sourceConnections/{source_id}",
            json=[{"op": "replace", "path": path, "value": "x"}],
            headers={"If-Match": patched.json()["etag"]},
        )
        assert error_code(response) == code
    stale = api.patch(f"/sourceConnections/{source_id}", json=op, headers={"If-Match": etag})
    assert error_code(stale) == "1404-412"
    bad = api.patch(
        f"/sourceConnections/{source_id}",
        headers={"If-Match": patched.json()["etag"]},
        json=[{"op": "replace", "path": "/data/format", "value": "xml"}],
    )
    assert error_code(bad) == "1327-400"


def test_delete_in_use_is_1447_then_allowed(api: httpx.Client, catalog: httpx.Client) -> None:
    flow = dataflow(api, catalog)
    response = api.delete(f"/sourceConnections/{flow.source_id}")
    assert response.status_code == 400
    assert error_code(response) == "1447-400"
    assert api.delete(f"/flows/{flow.flow_id}").status_code == 204
    assert api.delete(f"/sourceConnections/{flow.source_id}").status_code == 204
    assert api.get(f"/sourceConnections/{flow.source_id}").status_code == 404


def test_filters_on_columns_and_paths(api: httpx.Client, base_id: str) -> None:
    one = created_id(api.post("/sourceConnections", json=source_body(base_id, name="one")))
    other_base = base_connection(api)
    two = created_id(api.post("/sourceConnections", json=source_body(other_base, name="two")))

    def ids(*props: str) -> list[str]:
        response = api.get("/sourceConnections", params=[("property", p) for p in props])
        assert response.status_code == 200, response.text
        return [i["id"] for i in response.json()["items"]]

    assert ids(f"baseConnectionId=={base_id}") == [one]
    assert ids(f"connectionSpec.id=={S3_SPEC_ID}", "name==two") == [two]
    assert set(ids("params.type==folder")) == {one, two}
    assert ids('data.format=="delimited"', "name!=two") == [one]
    assert ids("params.path==/nowhere") == []
