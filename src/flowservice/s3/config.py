"""Connection params → boto3 client kwargs: the one place plaintext credentials meet a client.

:class:`S3Params` holds one connection's decrypted auth params (either auth spec) and turns them
into ``create_client("s3", **kwargs)`` arguments with :meth:`S3Params.to_boto3_kwargs`. Its repr
shows no secret.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal
from urllib.parse import urlsplit

from botocore.config import Config

from flowservice import codes
from flowservice.errors import UserError
from flowservice.s3.paths import Scope, normalise_folder

__all__ = [
    "ACCESS_KEY",
    "DEFAULT_REGION",
    "IAM_ROLE",
    "ClientOptions",
    "S3Params",
    "region_from_host",
]

ACCESS_KEY = "Access Key"
IAM_ROLE = "IAM Role"
DEFAULT_REGION = "us-east-1"

# s3.us-west-2.amazonaws.com, s3-us-west-2.amazonaws.com, s3.dualstack.eu-west-1.amazonaws.com,
# s3-fips.us-gov-west-1.amazonaws.com, bucket.s3.cn-north-1.amazonaws.com.cn
_AWS_HOST = re.compile(r"(^|\.)amazonaws\.com(\.cn)?$")
_AWS_REGION = re.compile(
    r"(?:^|\.)s3(?:-fips)?[.-](?:dualstack\.)?([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?$"
)


def region_from_host(host: str) -> str | None:
    """The region named by an AWS S3 endpoint host, or None (global endpoint, not AWS)."""
    match = _AWS_REGION.search(host.lower())
    return match.group(1) if match else None


@dataclass(frozen=True, slots=True)
class ClientOptions:
    """Timeouts and attempts of one kind of client (normal work, or the bounded connection test).

    ``max_attempts`` counts every try of one call: 1 means no retry.
    """

    connect_timeout: float
    read_timeout: float
    max_attempts: int

    def botocore_config(self, addressing_style: Literal["auto", "path"]) -> Config:
        options: dict[str, Any] = {
            "connect_timeout": self.connect_timeout,
            "read_timeout": self.read_timeout,
            # total_max_attempts counts the first try; botocore's max_attempts counts retries.
            "retries": {"total_max_attempts": self.max_attempts, "mode": "standard"},
            "s3": {"addressing_style": addressing_style},
            # Only the connection's serviceUrl decides where requests go, not AWS_ENDPOINT_URL*.
            "ignore_configured_endpoint_urls": True,
            # S3-compatible stores often lack the newer default checksums.
            "request_checksum_calculation": "when_required",
            "response_checksum_validation": "when_required",
            "user_agent_extra": "flowservice",
            # Every request's parameters are built by this service from checked paths, not raw
            # input: checking them against the model again was a quarter of a small GET's CPU.
            "parameter_validation": False,
        }
        return Config(**options)


def _opt(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    return str(value) if value not in (None, "") else None


@dataclass(frozen=True, slots=True, repr=False)
class S3Params:
    """One connection's auth params, for either auth spec."""

    spec_name: str
    service_url: str | None = None
    bucket: str | None = None
    folder: str = ""
    access_key: str | None = None
    secret_key: str | None = None
    session_token: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    session_name: str | None = None

    @classmethod
    def from_params(cls, spec_name: str, params: Mapping[str, Any]) -> S3Params:
        if spec_name not in (ACCESS_KEY, IAM_ROLE):
            raise UserError(
                codes.UNKNOWN_AUTH_SPEC, f"Unknown auth spec {spec_name!r} for Amazon S3."
            )
        bucket = _opt(params, "bucketName")
        return cls(
            spec_name=spec_name,
            service_url=_opt(params, "serviceUrl"),
            bucket=bucket,
            folder=normalise_folder(_opt(params, "folderPath")) if bucket else "",
            access_key=_opt(params, "s3AccessKey"),
            secret_key=_opt(params, "s3SecretKey"),
            session_token=_opt(params, "s3SessionToken"),
            role_arn=_opt(params, "roleArn"),
            external_id=_opt(params, "externalId"),
            session_name=_opt(params, "sessionName"),
        )

    def __repr__(self) -> str:
        where = self.service_url or "AWS"
        return f"S3Params({self.spec_name!r}, {where!r}, bucket={self.bucket!r}, secrets=***)"

    @property
    def scope(self) -> Scope:
        return Scope(self.bucket, self.folder)

    @property
    def is_role(self) -> bool:
        return self.spec_name == IAM_ROLE

    @property
    def is_aws(self) -> bool:
        """True without serviceUrl, or when serviceUrl is an ``*.amazonaws.com`` host."""
        host = urlsplit(self.service_url).hostname if self.service_url else "amazonaws.com"
        return bool(host and _AWS_HOST.search(host.lower()))

    @property
    def url_region(self) -> str | None:
        host = urlsplit(self.service_url).hostname if self.service_url else None
        return region_from_host(host) if host else None

    def fingerprint(self) -> str:
        """A digest of every param (secrets included), to key caches without holding plaintext."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()

    def to_boto3_kwargs(self, options: ClientOptions, region: str) -> dict[str, Any]:
        """Keyword arguments for ``session.create_client("s3", **kwargs)``.

        Custom endpoints get path-style addressing (MinIO, Ceph, rclone...); AWS gets botocore's
        default (virtual-hosted where the bucket name allows). For the IAM Role spec the
        credentials come from the session's provider (see :mod:`flowservice.s3.role`).
        """
        kwargs: dict[str, Any] = {
            "region_name": region,
            "config": options.botocore_config("auto" if self.is_aws else "path"),
        }
        if self.service_url:
            kwargs["endpoint_url"] = self.service_url
        if not self.is_role:
            kwargs["aws_access_key_id"] = self.access_key
            kwargs["aws_secret_access_key"] = self.secret_key
            kwargs["aws_session_token"] = self.session_token
        return kwargs
