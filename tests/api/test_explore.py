"""Test, explore and preview over HTTP, against real S3 servers (moto and rclone), on both
storage back ends."""

from __future__ import annotations

import gzip
import io
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import s3_connection_body
from tests.support.s3servers import Keys, S3Server
from tests.support.wire import error_code

pytestmark = pytest.mark.s3

CSV = (
    b"id,name,amount,active,joined\n"
    b"1,Ann,1.5,true,2024-01-02\n2,Bob,,false,2024-02-03\n3,Cy,7,TRUE,\n"
)


def _connect(api: httpx.Client, params: dict[str, str]) -> str:
    response = api.post("/connections", json=s3_connection_body(**params))
    assert response.status_code == 201, response.text
    connection_id: str = response.json()["id"]
    return connection_id


@pytest.fixture
def bucket(s3_server: S3Server) -> str:
    name = s3_server.new_bucket("explore")
    s3_server.put_objects(
        name,
        {
            "data/accounts.csv": CSV,
            "data/accounts.csv.gz": gzip.compress(CSV),
            "data/nested/deeper.json": b'{"a": {"b": 1}}\n',
            "data/events.parquet": _parquet(),
            "data/not-gzip.csv": b"plain,text\n1,2\n",
            "top.txt": b"hello",
        },
    )
    return name


def _parquet() -> bytes:
    table = pa.table({"id": [1, 2, 3], "city": ["Oslo", "Lima", None]})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def _explore(api: httpx.Client, connection_id: str, **params: str) -> httpx.Response:
    return api.get(f"/connections/{connection_id}/explore", params=params)


# -- test -------------------------------------------------------------------------------------


def test_connection_test_passes_with_good_credentials(
    api: httpx.Client, s3_server: S3Server, bucket: str
) -> None:
    connection_id = _connect(api, s3_server.params(bucketName=bucket, folderPath="data/"))
    response = api.get(f"/connections/{connection_id}/test")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["result"] is True
    assert [s["name"] for s in body["steps"]] == ["credentials", "list", "read"]
    assert all(s["outcome"] in ("passed", "skipped") for s in body["steps"])


def test_connection_test_fails_with_wrong_secret_and_names_the_fix(
    api: httpx.Client, s3_server: S3Server, bucket: str
) -> None:
    wrong = Keys(s3_server.access_key, "Wrong-Secret-Distinctive-99")
    connection_id = _connect(api, s3_server.params(wrong, bucketName=bucket))
    response = api.get(f"/connections/{connection_id}/test")
    assert response.status_code == 200
    body = response.json()
    assert body["result"] is False
    failed = [s for s in body["steps"] if s["outcome"] == "failed"]
    assert failed
    assert failed[0]["code"] == "1360-400"
    assert "Wrong-Secret-Distinctive-99" not in response.text


def test_invalid_session_token_says_to_patch_it(api: httpx.Client, moto_s3: S3Server) -> None:
    bucket = moto_s3.new_bucket("token")
    stale = Keys(moto_s3.access_key, moto_s3.secret_key, "expired-session-token")
    connection_id = _connect(api, moto_s3.params(stale, bucketName=bucket))
    body = api.get(f"/connections/{connection_id}/test").json()
    assert body["result"] is False
    messages = " ".join(s["message"] for s in body["steps"])
    assert "/auth/params/s3SessionToken" in messages


@pytest.mark.parametrize(
    ("objects", "read"),
    [
        ({"in/a-empty.csv": b"", "in/b.csv": b"id\n1\n"}, "Read 5 bytes of /{bucket}/in/b.csv."),
        (
            {"in/only-empty.csv": b""},
            "Read /{bucket}/in/only-empty.csv: an empty object (0 bytes).",
        ),
    ],
    ids=["empty-then-not", "only-empty"],
)
def test_connection_test_passes_when_the_first_object_is_empty(
    api: httpx.Client, s3_server: S3Server, objects: dict[str, bytes], read: str
) -> None:
    bucket = s3_server.new_bucket("empty")
    s3_server.put_objects(bucket, objects)
    connection_id = _connect(api, s3_server.params(bucketName=bucket, folderPath="in/"))
    body = api.get(f"/connections/{connection_id}/test").json()
    assert body["result"] is True, body
    assert body["steps"][2] == {
        "name": "read", "outcome": "passed", "code": None, "message": read.format(bucket=bucket)
    }  # fmt: skip


def test_test_of_unknown_connection_is_404(api: httpx.Client) -> None:
    assert api.get("/connections/00000000-0000-4000-8000-000000000000/test").status_code == 404


# -- explore ----------------------------------------------------------------------------------


def test_root_lists_the_configured_folder(
    api: httpx.Client, s3_server: S3Server, bucket: str
) -> None:
    connection_id = _connect(api, s3_server.params(bucketName=bucket, folderPath="data/"))
    response = _explore(api, connection_id, objectType="ROOT")
    assert response.status_code == 200, response.text
    entries = response.json()
    assert isinstance(entries, list)
    by_name = {e["name"]: e for e in entries}
    assert by_name["nested"] == {
        "type": "folder", "name": "nested", "path": f"/{bucket}/data/nested/",
        "canPreview": False, "canFetchSchema": False,
    }  # fmt: skip
    assert by_name["accounts.csv"]["path"] == f"/{bucket}/data/accounts.csv"
    assert by_name["accounts.csv"]["canPreview"] is True
    assert "top.txt" not in by_name


def test_root_without_bucket_lists_buckets(
    api: httpx.Client, s3_server: S3Server, bucket: str
) -> None:
    connection_id = _connect(api, s3_server.params())
    entries = _explore(api, connection_id, objectType="root").json()
    assert {
        "type": "folder",
        "name": bucket,
        "path": f"/{bucket}/",
        "canPreview": False,
        "canFetchSchema": False,
    } in entries


def test_folder_pages_with_limit_and_continuation_header(
    api: httpx.Client, s3_server: S3Server
) -> None:
    bucket = s3_server.new_bucket("paged")
    keys = [f"many/file-{i:03d}.csv" for i in range(25)]
    s3_server.put_many(bucket, keys)
    connection_id = _connect(api, s3_server.params(bucketName=bucket))
    seen: list[str] = []
    params = {"objectType": "folder", "object": f"/{bucket}/many/", "limit": "10"}
    while True:
        response = _explore(api, connection_id, **params)
        assert response.status_code == 200, response.text
        assert len(response.json()) <= 10
        seen += [e["path"] for e in response.json()]
        token = response.headers.get("x-continuation-token")
        if token is None:
            break
        assert "=" not in token
        assert "&" not in token
        params["continuationToken"] = token
    assert seen == [f"/{bucket}/{k}" for k in keys]


@pytest.mark.parametrize(
    ("path", "code"),
    [("/other-bucket/data/", "1363-400"), ("/{bucket}/data/../secret/", "1363-400")],
)
def test_paths_outside_the_connection_are_refused(
    api: httpx.Client, s3_server: S3Server, bucket: str, path: str, code: str
) -> None:
    connection_id = _connect(api, s3_server.params(bucketName=bucket, folderPath="data/"))
    response = _explore(api, connection_id, objectType="folder", object=path.format(bucket=bucket))
    assert response.status_code == 400, response.text
    assert error_code(response) == code


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"objectType": "folder"}, "1337-400"),
        ({"objectType": "file", "fileType": "delimited"}, "1337-400"),
        ({"objectType": "bucket"}, "1358-400"),
        ({}, "1358-400"),
        (
            {
                "objectType": "file",
                "object": "/b/x.csv",
                "fileType": "delimited",
                "columnDelimiter": ";;",
            },
            "1331-400",
        ),
        (
            {
                "objectType": "file",
                "object": "/b/x.csv",
                "fileType": "delimited",
                "determineProperties": "true",
            },
            "1374-400",
        ),
    ],
)
def test_bad_explore_queries(
    api: httpx.Client, s3_server: S3Server, params: dict[str, str], code: str
) -> None:
    connection_id = _connect(api, s3_server.params())
    response = _explore(api, connection_id, **params)
    assert response.status_code == 400, response.text
    assert error_code(response) == code


# -- preview ----------------------------------------------------------------------------------


def test_preview_csv_with_types(api: httpx.Client, s3_server: S3Server, bucket: str) -> None:
    connection_id = _connect(api, s3_server.params(bucketName=bucket))
    response = _explore(
        api, connection_id, objectType="file", object=f"/{bucket}/data/accounts.csv",
        preview="true", fileType="delimited",
    )  # fmt: skip
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["format"] == "flat"
    types = {c["name"]: c["type"] for c in body["schema"]["columns"]}
    assert types == {
        "id": "integer",
        "name": "string",
        "amount": "number",
        "active": "boolean",
        "joined": "date",
    }
    assert len(body["data"]) == 3
    assert body["data"][0]["name"] == "Ann"
    assert body["data"][1]["amount"] is None


def test_preview_detects_gzip_from_bytes(
    api: httpx.Client, s3_server: S3Server, bucket: str
) -> None:
    connection_id = _connect(api, s3_server.params(bucketName=bucket))
    response = _explore(
        api, connection_id, objectType="file", object=f"/{bucket}/data/accounts.csv.gz",
        preview="true", determineProperties="true",
    )  # fmt: skip
    assert response.status_code == 200, response.text
    properties = response.json()["properties"]
    assert properties["fileType"] == "delimited"
    assert properties["compressionType"] == "gzip"
    assert properties["columnDelimiter"] == ","
    assert len(response.json()["data"]) == 3


def test_preview_parquet(api: httpx.Client, s3_server: S3Server, bucket: str) -> None:
    connection_id = _connect(api, s3_server.params(bucketName=bucket))
    response = _explore(
        api, connection_id, objectType="file", object=f"/{bucket}/data/events.parquet",
        preview="true", fileType="parquet",
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["data"] == [
        {"id": 1, "city": "Oslo"},
        {"id": 2, "city": "Lima"},
        {"id": 3, "city": None},
    ]


@pytest.mark.parametrize(
    ("preview", "says"),
    [
        ({}, "Reading a file's format and schema (objectType=file without preview=true)"),
        ({"preview": "true"}, "A preview (objectType=file&preview=true)"),
    ],
    ids=["schema", "preview"],
)
def test_file_without_file_type_says_what_the_request_needs(
    api: httpx.Client, s3_server: S3Server, bucket: str, preview: dict[str, str], says: str
) -> None:
    connection_id = _connect(api, s3_server.params(bucketName=bucket))
    path = f"/{bucket}/data/accounts.csv"
    response = _explore(api, connection_id, objectType="file", object=path, **preview)
    assert response.status_code == 400, response.text
    assert error_code(response) == "1376-400"
    message = response.json()["errorMessage"]
    assert message.startswith(says)
    assert "determineProperties=true" in message


def test_preview_of_json_nested_beyond_any_decoder_keeps_the_deep_part_as_text(
    api: httpx.Client, s3_server: S3Server
) -> None:
    bucket = s3_server.new_bucket("deep")
    s3_server.put_objects(bucket, {"deep.json": b'{"a": ' + b"[" * 1000 + b"]" * 1000 + b"}"})
    connection_id = _connect(api, s3_server.params(bucketName=bucket))
    response = _explore(
        api, connection_id, objectType="file", object=f"/{bucket}/deep.json",
        preview="true", fileType="json",
    )  # fmt: skip
    assert response.status_code == 200, response.text
    value = response.json()["data"][0]["a"]
    for _ in range(32):
        (value,) = value
    assert value == "[" * 968 + "]" * 968


def test_file_without_preview_returns_schema_only(
    api: httpx.Client, s3_server: S3Server, bucket: str
) -> None:
    connection_id = _connect(api, s3_server.params(bucketName=bucket))
    response = _explore(
        api,
        connection_id,
        objectType="file",
        object=f"/{bucket}/data/accounts.csv",
        fileType="delimited",
    )
    assert response.status_code == 200
    assert "data" not in response.json()
    assert [c["name"] for c in response.json()["schema"]["columns"]][:2] == ["id", "name"]


@pytest.mark.parametrize(
    ("key", "params", "status"),
    [
        ("data/not-gzip.csv", {"fileType": "delimited", "compressionType": "gzip"}, 400),
        ("data/accounts.csv", {"fileType": "parquet"}, 400),
        ("data/missing.csv", {"fileType": "delimited"}, 404),
        ("data/nested", {"fileType": "json"}, 400),
    ],
    ids=["not-gzip", "not-parquet", "missing", "folder-as-file"],
)
def test_file_that_is_not_what_the_query_says_is_a_4xx(
    api: httpx.Client,
    s3_server: S3Server,
    bucket: str,
    key: str,
    params: dict[str, str],
    status: int,
) -> None:
    connection_id = _connect(api, s3_server.params(bucketName=bucket))
    response = _explore(
        api, connection_id, objectType="file", object=f"/{bucket}/{key}", preview="true", **params
    )
    assert response.status_code == status, response.text
    assert response.json()["errorMessage"]


# -- the endpoint guard through the API -------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/", "http://10.0.0.8:9000", "http://[::ffff:169.254.169.254]/"]
)
def test_service_url_to_internal_addresses_is_refused(api: httpx.Client, url: str) -> None:
    before = api.get("/connections", params={"count": "true"}).json()["count"]
    response = api.post(
        "/connections", json=s3_connection_body(s3AccessKey="a", s3SecretKey="b", serviceUrl=url)
    )
    assert response.status_code == 400, response.text
    assert error_code(response) == "1364-400"
    assert api.get("/connections", params={"count": "true"}).json()["count"] == before


def test_patch_to_an_internal_service_url_is_refused(
    api: httpx.Client, s3_server: S3Server
) -> None:
    created = api.post("/connections", json=s3_connection_body(**s3_server.params()))
    ops = [
        {
            "op": "replace",
            "path": "/auth/params/serviceUrl",
            "value": "http://169.254.169.254/latest/",
        }
    ]
    response = api.patch(
        f"/connections/{created.json()['id']}",
        json=ops,
        headers={"If-Match": created.json()["etag"]},
    )
    assert response.status_code == 400
    assert error_code(response) == "1364-400"


def test_explore_response_types(api: httpx.Client, s3_server: S3Server, bucket: str) -> None:
    connection_id = _connect(api, s3_server.params(bucketName=bucket))
    entries: list[dict[str, Any]] = _explore(
        api, connection_id, objectType="folder", object=f"/{bucket}/"
    ).json()
    assert [e["type"] for e in entries] == ["folder", "file"]
    assert entries[0]["path"].endswith("/")
