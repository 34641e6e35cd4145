"""The Amazon S3 driver: what an S3 connection's auth params let the service do.

A thin layer over :mod:`flowservice.s3`: it parses params, checks paths against the
connection's scope, and maps every S3 failure to a service error (see ``docs/s3.md``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from flowservice import codes
from flowservice.drivers.base import ByteSource, FileInfo, Page, TestReport
from flowservice.errors import SourceUserError, UserError
from flowservice.s3.checks import run_checks
from flowservice.s3.clients import ClientFactory
from flowservice.s3.config import S3Params
from flowservice.s3.endpoint import check_endpoint_url, resolve_host
from flowservice.s3.errors import NOT_A_FILE, NOT_FOUND, source_errors
from flowservice.s3.listing import iter_files, list_buckets, list_folder
from flowservice.s3.paths import S3Location, normalise_folder, parse_path
from flowservice.s3.reader import S3Object, open_object
from flowservice.settings import Settings

if TYPE_CHECKING:
    from types_boto3_s3.client import S3Client

__all__ = ["S3Driver"]


def _not_a_file(location: S3Location) -> UserError:
    return UserError(
        NOT_A_FILE,
        f"The path {location.path!r} is a folder, not a file. Explore it with "
        "objectType=folder, or pick a file inside it.",
    )


class S3Driver:
    """:class:`~flowservice.drivers.base.Driver` for the Amazon S3 connection spec."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.clients = ClientFactory(settings)

    def check_params(self, spec_name: str, params: Mapping[str, Any]) -> None:
        """The endpoint guard on serviceUrl (resolving its host) and a sane folderPath."""
        s3 = S3Params.from_params(spec_name, params)
        if params.get("folderPath") and not s3.bucket:
            raise UserError(
                codes.INVALID_PARAM,
                "Auth param 'folderPath' needs 'bucketName': a folder is inside a bucket. "
                "Add bucketName, or remove folderPath.",
            )
        normalise_folder(params.get("folderPath"))
        if s3.service_url:
            check_endpoint_url(s3.service_url)
            self.clients.policy.check_url(s3.service_url, resolve=resolve_host)

    def test(self, spec_name: str, params: Mapping[str, Any]) -> TestReport:
        s3 = S3Params.from_params(spec_name, params)
        return run_checks(self.clients, s3, self.settings.test_timeout)

    def list_root(
        self, spec_name: str, params: Mapping[str, Any], limit: int, token: str | None
    ) -> Page:
        s3 = S3Params.from_params(spec_name, params)
        root = s3.scope.root
        if root is None:
            with source_errors("listing the buckets"):
                return list_buckets(self.clients.client(s3), max(limit, 1), token)
        return self._list(s3, root, limit, token)

    def list_folder(
        self,
        spec_name: str,
        params: Mapping[str, Any],
        path: str,
        limit: int,
        token: str | None,
    ) -> Page:
        s3 = S3Params.from_params(spec_name, params)
        folder = s3.scope.check(parse_path(path).as_folder())
        return self._list(s3, folder, limit, token)

    def list_files(
        self, spec_name: str, params: Mapping[str, Any], folder: str, recursive: bool
    ) -> Iterator[FileInfo]:
        s3 = S3Params.from_params(spec_name, params)
        location = s3.scope.check(parse_path(folder).as_folder())
        with source_errors(f"listing {location.path}"):
            client = self.clients.client(s3, location.bucket)
            yield from iter_files(client, location, recursive)

    def check_path(self, spec_name: str, params: Mapping[str, Any], path: str) -> None:
        s3 = S3Params.from_params(spec_name, params)
        folder, _, last = path.rpartition("/")
        s3.scope.check(parse_path(f"{folder}/" if "*" in last else path))

    def _list(self, s3: S3Params, folder: S3Location, limit: int, token: str | None) -> Page:
        with source_errors(f"listing {folder.path}"):
            return list_folder(self.clients.client(s3, folder.bucket), folder, limit, token)

    def open_file(
        self, spec_name: str, params: Mapping[str, Any], path: str, *, size: int | None = None
    ) -> ByteSource:
        s3 = S3Params.from_params(spec_name, params)
        location = s3.scope.check(parse_path(path))
        if location.is_folder:
            raise _not_a_file(location)
        with source_errors(f"opening {location.path}"):
            client = self.clients.client(s3, location.bucket)
        if size is not None:  # listed a moment ago: a run's files skip the HEAD
            return S3Object(client, location, size)
        try:
            return open_object(client, location)
        except SourceUserError as exc:
            if exc.code == NOT_FOUND and _is_prefix(client, location):
                raise _not_a_file(location) from None
            raise


def _is_prefix(client: S3Client, location: S3Location) -> bool:
    """Whether a missing key is a folder (``/b/dir`` when ``/b/dir/x`` exists)."""
    folder = location.as_folder()
    with source_errors(f"listing {folder.path}"):
        response = client.list_objects_v2(Bucket=folder.bucket, Prefix=folder.key, MaxKeys=1)
    return bool(response.get("KeyCount") or response.get("Contents"))
