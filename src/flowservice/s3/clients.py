"""S3 clients built from connection params, guarded, and cached by a digest of the params.

The cache is small and bounded (least recently used goes first). It is keyed by
:meth:`S3Params.fingerprint` (a SHA-256 digest, never the plaintext), the region and the kind of
client; a patched connection (new secret, new token) has a new digest, so it gets a new client.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime
from typing import TYPE_CHECKING, Generic, TypeVar, cast

import botocore.session
from botocore.credentials import RefreshableCredentials
from botocore.exceptions import ClientError
from botocore.utils import get_environ_proxies, parse_timestamp

from flowservice.s3.config import DEFAULT_REGION, ClientOptions, S3Params
from flowservice.s3.endpoint import EndpointPolicy
from flowservice.s3.errors import source_errors
from flowservice.s3.protocol import install_answer_check
from flowservice.s3.role import role_credentials, role_session
from flowservice.s3.transport import GuardedSession, install_guard
from flowservice.settings import Settings

if TYPE_CHECKING:
    from types_boto3_s3.client import S3Client

__all__ = ["ClientFactory"]

K = TypeVar("K")
V = TypeVar("V")


class _LRU(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
            return self._items.get(key)

    def put(self, key: K, value: V) -> V:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


class ClientFactory:
    """Makes (and caches) the S3 client for a connection, a bucket and a kind of call."""

    def __init__(self, settings: Settings, cache_size: int = 32) -> None:
        self.policy = EndpointPolicy.from_entries(settings.allowed_endpoints)
        self.work = ClientOptions(
            settings.source_connect_timeout,
            settings.source_read_timeout,
            settings.source_max_attempts,
        )
        # The connection test: at most two attempts, each phase at most an eighth of its bound.
        share = settings.test_timeout / 8
        self.test = ClientOptions(
            min(settings.source_connect_timeout, share),
            min(settings.source_read_timeout, share),
            min(settings.source_max_attempts, 2),
        )
        self._clients: _LRU[tuple[str, str, ClientOptions], S3Client] = _LRU(cache_size)
        self._roles: _LRU[tuple[str, ClientOptions], RefreshableCredentials] = _LRU(cache_size)
        self._regions: _LRU[tuple[str | None, str], str] = _LRU(256)

    def client(
        self, params: S3Params, bucket: str | None = None, *, test: bool = False
    ) -> S3Client:
        """The client for calls on ``bucket`` (or the connection's bucket)."""
        options = self.test if test else self.work
        region = self.region(params, bucket or params.bucket, options)
        return self._client(params, region, options)

    def region(self, params: S3Params, bucket: str | None, options: ClientOptions) -> str:
        """The endpoint's region; for AWS without one in serviceUrl, the bucket's region."""
        known = params.url_region
        if known or not params.is_aws or bucket is None:
            return known or DEFAULT_REGION
        cached = self._regions.get((params.service_url, bucket))
        if cached:
            return cached
        with source_errors(f"finding the region of bucket {bucket}"):
            found = _bucket_region(self._client(params, DEFAULT_REGION, options), bucket)
        return self._regions.put((params.service_url, bucket), found)

    def role_credentials(self, params: S3Params, *, test: bool = False) -> RefreshableCredentials:
        """The IAM Role connection's refreshable credentials (one object per connection)."""
        options = self.test if test else self.work
        key = (params.fingerprint(), options)
        return self._roles.get(key) or self._roles.put(key, role_credentials(params, options))

    def _client(self, params: S3Params, region: str, options: ClientOptions) -> S3Client:
        key = (params.fingerprint(), region, options)
        return self._clients.get(key) or self._clients.put(
            key, self._create(params, region, options)
        )

    def _create(self, params: S3Params, region: str, options: ClientOptions) -> S3Client:
        if params.service_url:
            self.policy.check_url(params.service_url)
        if params.is_role:
            session = role_session(self.role_credentials(params, test=options is self.test))
        else:
            session = botocore.session.Session()
        # Listing pages hold 1,000 LastModified dates: botocore's default (dateutil) parser is
        # a quarter of a page's CPU, four times what fromisoformat costs for S3's ISO dates.
        parsers = session.get_component("response_parser_factory")
        parsers.set_parser_defaults(timestamp_parser=_parse_timestamp)
        kwargs = params.to_boto3_kwargs(options, region)
        client = session.create_client("s3", **kwargs)
        verify = session.get_config_variable("ca_bundle") or True
        proxies = get_environ_proxies(client.meta.endpoint_url)
        install_guard(client, GuardedSession(self.policy, options, verify, proxies))
        install_answer_check(client)
        return cast("S3Client", client)


def _parse_timestamp(value: str) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    result: datetime = parse_timestamp(value)
    return result


def _bucket_region(client: S3Client, bucket: str) -> str:
    """Ask S3 where ``bucket`` lives: the ``x-amz-bucket-region`` header, even on 301/403."""
    try:
        headers = client.head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPHeaders"]
    except ClientError as exc:
        headers = exc.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    return str(headers.get("x-amz-bucket-region") or DEFAULT_REGION)
