"""Path normalisation and scope: pure functions, no server."""

from __future__ import annotations

import pytest

from flowservice.errors import UserError
from flowservice.s3.paths import S3Location, Scope, normalise_folder, parse_path


@pytest.mark.parametrize(
    ("path", "bucket", "key"),
    [
        ("/my-bucket/userdata1/", "my-bucket", "userdata1/"),
        ("/my-bucket/userdata1", "my-bucket", "userdata1"),
        ("my-bucket/userdata1/account.csv", "my-bucket", "userdata1/account.csv"),
        ("/my-bucket", "my-bucket", ""),
        ("/my-bucket/", "my-bucket", ""),
        ("/my.bucket_1/a b/ü.csv", "my.bucket_1", "a b/ü.csv"),
    ],
)
def test_parse_path_splits_bucket_and_key(path: str, bucket: str, key: str) -> None:
    assert parse_path(path) == S3Location(bucket, key)


@pytest.mark.parametrize(
    "path",
    [
        "",
        "/",
        "//bucket/a",
        "/bucket//a",
        "/bucket/a//",
        "/bucket/../other/",
        "/bucket/a/./b",
        "/bucket/a/..",
        "/bucket/a\\b",
        "/bucket/a\x00b",
        "/-bad/",
        "/a/",
        "/bucket/" + "k" * 1025,
    ],
)
def test_parse_path_refuses_malformed_paths_with_1363_400(path: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_path(path)
    assert caught.value.code == "1363-400"


def test_folder_location_knows_it_is_a_folder() -> None:
    assert parse_path("/b1b/a/").is_folder
    assert not parse_path("/b1b/a").is_folder
    assert parse_path("/b1b/a").as_folder() == S3Location("b1b", "a/")
    assert parse_path("/b1b").is_folder
    assert S3Location("b1b", "a/x.csv").path == "/b1b/a/x.csv"


@pytest.mark.parametrize(
    ("folder", "prefix"),
    [(None, ""), ("", ""), ("/", ""), ("userdata1", "userdata1/"), ("/a/b/", "a/b/")],
)
def test_normalise_folder_gives_a_key_prefix(folder: str | None, prefix: str) -> None:
    assert normalise_folder(folder) == prefix


@pytest.mark.parametrize("folder", ["a/../b", "a//b", "./a", "a\\b"])
def test_normalise_folder_refuses_escapes(folder: str) -> None:
    with pytest.raises(UserError, match="not valid"):
        normalise_folder(folder)


def test_scope_without_bucket_allows_every_bucket() -> None:
    location = parse_path("/any-bucket/x")
    assert Scope().check(location) is location
    assert Scope().root is None


def test_scope_with_bucket_and_folder() -> None:
    scope = Scope("data", "users/")
    assert scope.root == S3Location("data", "users/")
    for inside in ("/data/users/", "/data/users", "/data/users/a.csv", "/data/users/x/y/"):
        scope.check(parse_path(inside))
    for outside in ("/data/", "/data/usersx/", "/data/usersfile.csv", "/other/users/"):
        with pytest.raises(UserError) as caught:
            scope.check(parse_path(outside))
        assert caught.value.code == "1363-400"
