"""Explore listings against real S3 servers (moto and rclone)."""

from __future__ import annotations

import re

import pytest

from flowservice.drivers.base import Entry
from flowservice.drivers.s3 import S3Driver
from flowservice.errors import UserError
from flowservice.settings import Settings
from tests.support.s3servers import S3Server

pytestmark = pytest.mark.s3

KEY = "Access Key"
TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")


@pytest.fixture
def driver(loopback_settings: Settings) -> S3Driver:
    return S3Driver(loopback_settings)


@pytest.fixture
def bucket(s3_server: S3Server) -> str:
    name = s3_server.new_bucket()
    s3_server.put_objects(
        name,
        {
            "userdata1/account.csv": b"Id,Name\n1,A\n",
            "userdata1/deep/x.json": b"{}",
            "userdata1/z.parquet": b"PAR1",
            "userdata2/b.csv": b"b\n",
            "top.csv": b"t\n",
        },
    )
    return name


def test_root_with_bucket_lists_the_bucket_children(
    driver: S3Driver, s3_server: S3Server, bucket: str
) -> None:
    page = driver.list_root(KEY, s3_server.params(bucketName=bucket), 50, None)
    assert page.next_token is None
    assert page.entries == [
        Entry("file", "top.csv", f"/{bucket}/top.csv"),
        Entry("folder", "userdata1", f"/{bucket}/userdata1/"),
        Entry("folder", "userdata2", f"/{bucket}/userdata2/"),
    ]


def test_root_with_folder_path_lists_that_folder(
    driver: S3Driver, s3_server: S3Server, bucket: str
) -> None:
    params = s3_server.params(bucketName=bucket, folderPath="userdata1")
    page = driver.list_root(KEY, params, 50, None)
    assert [(e.type, e.name, e.path) for e in page.entries] == [
        ("file", "account.csv", f"/{bucket}/userdata1/account.csv"),
        ("folder", "deep", f"/{bucket}/userdata1/deep/"),
        ("file", "z.parquet", f"/{bucket}/userdata1/z.parquet"),
    ]
    assert page.entries[0].to_wire()["canPreview"] is True


def test_root_without_bucket_lists_buckets_as_folders(
    driver: S3Driver, s3_server: S3Server, bucket: str
) -> None:
    page = driver.list_root(KEY, s3_server.params(), 1000, None)
    assert Entry("folder", bucket, f"/{bucket}/") in page.entries
    assert all(e.type == "folder" and e.path.endswith("/") for e in page.entries)


def test_buckets_page_with_a_token(driver: S3Driver, s3_server: S3Server, bucket: str) -> None:
    s3_server.new_bucket()
    first = driver.list_root(KEY, s3_server.params(), 1, None)
    assert len(first.entries) == 1
    assert first.next_token is not None
    assert TOKEN.match(first.next_token)
    second = driver.list_root(KEY, s3_server.params(), 1, first.next_token)
    assert second.entries[0].name > first.entries[0].name


@pytest.mark.parametrize("path", ["/{b}/userdata1/", "/{b}/userdata1", "{b}/userdata1/"])
def test_folder_lists_immediate_children(
    driver: S3Driver, s3_server: S3Server, bucket: str, path: str
) -> None:
    page = driver.list_folder(KEY, s3_server.params(), path.format(b=bucket), 50, None)
    assert [e.name for e in page.entries] == ["account.csv", "deep", "z.parquet"]


def test_folder_marker_object_is_not_listed(driver: S3Driver, moto_s3: S3Server) -> None:
    # rclone stores folders as directories and cannot hold a "dir/" object beside "dir/x".
    bucket = moto_s3.new_bucket()
    moto_s3.put_objects(bucket, {"f/": b"", "f/a.csv": b"a", "f/sub/": b""})
    page = driver.list_folder(KEY, moto_s3.params(), f"/{bucket}/f/", 50, None)
    assert [(e.type, e.name) for e in page.entries] == [("file", "a.csv"), ("folder", "sub")]


def test_missing_bucket_is_1362_404(driver: S3Driver, s3_server: S3Server) -> None:
    with pytest.raises(UserError) as caught:
        driver.list_folder(KEY, s3_server.params(), "/no-such-bucket-here/", 10, None)
    assert caught.value.code == "1362-404"


@pytest.fixture
def big_folder(s3_server: S3Server) -> tuple[str, list[str]]:
    """2,500 files and 3 subfolders in one folder."""
    bucket = s3_server.new_bucket("big")
    files = [f"many/k{i:05d}.csv" for i in range(2500)]
    s3_server.put_many(bucket, [*files, "many/a-sub/x", "many/m-sub/x", "many/z-sub/x"])
    return bucket, [*files, "many/a-sub/", "many/m-sub/", "many/z-sub/"]


def _walk(driver: S3Driver, params: dict[str, str], path: str, limit: int) -> list[list[Entry]]:
    pages, token = [], None
    while True:
        page = driver.list_folder(KEY, params, path, limit, token)
        pages.append(page.entries)
        if page.next_token is None:
            return pages
        assert TOKEN.match(page.next_token), page.next_token
        token = page.next_token


def test_pagination_returns_every_key_exactly_once(
    driver: S3Driver, s3_server: S3Server, big_folder: tuple[str, list[str]]
) -> None:
    bucket, keys = big_folder
    pages = _walk(driver, s3_server.params(), f"/{bucket}/many/", 1000)
    assert [len(p) for p in pages] == [1000, 1000, 503]
    paths = [e.path for page in pages for e in page]
    assert paths == sorted(f"/{bucket}/{k}" for k in keys)


def test_small_pages_merge_folders_and_files_in_key_order(
    driver: S3Driver, s3_server: S3Server, bucket: str
) -> None:
    pages = _walk(driver, s3_server.params(), f"/{bucket}/", 1)
    assert all(len(p) <= 1 for p in pages)
    assert [e.name for p in pages for e in p] == ["top.csv", "userdata1", "userdata2"]


def test_a_token_from_another_folder_is_refused(
    driver: S3Driver, s3_server: S3Server, bucket: str
) -> None:
    page = driver.list_folder(KEY, s3_server.params(), f"/{bucket}/userdata1/", 1, None)
    assert page.next_token is not None
    for token in (page.next_token, "not*a*token", "AAAA", "x" * 9000):
        with pytest.raises(UserError) as caught:
            driver.list_folder(KEY, s3_server.params(), f"/{bucket}/userdata2/", 1, token)
        assert caught.value.code == "1366-400"


def test_paths_outside_the_scope_are_refused(
    driver: S3Driver, s3_server: S3Server, bucket: str
) -> None:
    params = s3_server.params(bucketName=bucket, folderPath="userdata1/")
    for path in (
        "/other-bucket/userdata1/",
        f"/{bucket}/userdata2/",
        f"/{bucket}/",
        f"/{bucket}/userdata1/../userdata2/",
        f"/{bucket}/userdata1//deep/",
        f"/{bucket}/userdata1\\deep/",
    ):
        with pytest.raises(UserError) as caught:
            driver.list_folder(KEY, params, path, 10, None)
        assert caught.value.code == "1363-400", path
    with pytest.raises(UserError, match="outside"):
        driver.open_file(KEY, params, f"/{bucket}/top.csv")
    inside = driver.list_folder(KEY, params, f"/{bucket}/userdata1/deep", 10, None)
    assert [e.name for e in inside.entries] == ["x.json"]


# -- the files a run may ingest: every page, with size, LastModified and etag ----------------


def test_list_files_of_one_level_and_recursively(
    driver: S3Driver, s3_server: S3Server, bucket: str
) -> None:
    params = s3_server.params(bucketName=bucket)
    level = list(driver.list_files(KEY, params, f"/{bucket}/userdata1/", recursive=False))
    assert [f.path for f in level] == [
        f"/{bucket}/userdata1/account.csv",
        f"/{bucket}/userdata1/z.parquet",
    ]
    assert level[0].size == len(b"Id,Name\n1,A\n")
    assert level[0].modified_ms > 1_600_000_000_000
    assert level[0].etag
    assert '"' not in level[0].etag
    deep = [f.path for f in driver.list_files(KEY, params, f"/{bucket}/userdata1/", recursive=True)]
    assert deep == [
        f"/{bucket}/userdata1/account.csv",
        f"/{bucket}/userdata1/deep/x.json",
        f"/{bucket}/userdata1/z.parquet",
    ]


def test_list_files_follows_every_page(driver: S3Driver, s3_server: S3Server) -> None:
    bucket = s3_server.new_bucket("many")
    keys = [f"in/f-{i:04d}.csv" for i in range(1005)]
    s3_server.put_many(bucket, keys)
    found = list(
        driver.list_files(
            KEY, s3_server.params(bucketName=bucket), f"/{bucket}/in/", recursive=True
        )
    )
    assert [f.path for f in found] == [f"/{bucket}/{k}" for k in keys]


def test_list_files_stays_in_the_connection_scope(
    driver: S3Driver, s3_server: S3Server, bucket: str
) -> None:
    params = s3_server.params(bucketName=bucket, folderPath="userdata1")
    with pytest.raises(UserError) as caught:
        list(driver.list_files(KEY, params, f"/{bucket}/userdata2/", recursive=True))
    assert caught.value.code == "1363-400"
