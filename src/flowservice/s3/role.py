"""IAM Role auth: the service's own AWS identity assumes the connection's role.

The service's identity comes from botocore's standard chain (``AWS_ACCESS_KEY_ID``..., a profile,
a container or instance role); the STS endpoint honours ``AWS_ENDPOINT_URL_STS``. The role's
credentials are :class:`~botocore.credentials.DeferredRefreshableCredentials` fed by botocore's
``AssumeRoleCredentialFetcher``: nothing is assumed until the first request, and every request
signs with credentials refreshed ahead of expiry (botocore refreshes 15 minutes before, and must
refresh 10 minutes before). They are never copied into static strings.
"""

from __future__ import annotations

import functools
from typing import Any

import botocore.session
from botocore import exceptions as bx
from botocore.config import Config
from botocore.credentials import (
    AssumeRoleCredentialFetcher,
    CredentialProvider,
    CredentialResolver,
    DeferredRefreshableCredentials,
    RefreshableCredentials,
)

from flowservice.errors import FlowServiceError, SourceUserError
from flowservice.s3.config import DEFAULT_REGION, ClientOptions, S3Params
from flowservice.s3.errors import ACCESS_DENIED, CREDENTIALS_REJECTED, SOURCE_REFUSED, map_error

__all__ = ["DEFAULT_SESSION_NAME", "role_credentials", "role_session"]

DEFAULT_SESSION_NAME = "flowservice"


class _RoleProvider(CredentialProvider):
    METHOD = "assume-role"

    def __init__(self, credentials: RefreshableCredentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> RefreshableCredentials:
        return self._credentials


def _no_identity() -> SourceUserError:
    return SourceUserError(
        CREDENTIALS_REJECTED,
        "The service has no AWS identity of its own to assume roleArn with. Ask the operator to "
        "configure one (environment, profile or instance role), or use the Access Key auth.",
    )


def _role_error(exc: Exception, role_arn: str) -> BaseException:
    code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, bx.ClientError) else ""
    log = f"AssumeRole {role_arn} failed: {exc}"
    if code in ("AccessDenied", "AccessDeniedException"):
        return SourceUserError(
            ACCESS_DENIED,
            f"The service's AWS identity may not assume {role_arn} (AccessDenied). The role's "
            "trust policy must trust that identity, and externalId must match its "
            "sts:ExternalId condition if it has one.",
            log_message=log,
        )
    if code in ("InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken"):
        return SourceUserError(
            CREDENTIALS_REJECTED,
            f"STS rejected the service's own AWS credentials ({code}) while assuming "
            f"{role_arn}. Ask the operator to fix the service's AWS identity.",
            log_message=log,
        )
    if code in ("ValidationError", "NoSuchEntity", "MalformedPolicyDocument"):
        return SourceUserError(
            SOURCE_REFUSED,
            f"STS refused to assume {role_arn} ({code}). Check roleArn and sessionName.",
            log_message=log,
        )
    return map_error(exc, f"assuming {role_arn}")


def _fetch(fetcher: AssumeRoleCredentialFetcher, role_arn: str) -> dict[str, Any]:
    try:
        return fetcher.fetch_credentials()
    except FlowServiceError:
        raise
    except (bx.BotoCoreError, bx.ClientError) as exc:
        raise _role_error(exc, role_arn) from exc


def role_credentials(
    params: S3Params, options: ClientOptions, duration_seconds: int | None = None
) -> DeferredRefreshableCredentials:
    """Refreshable credentials of ``params.role_arn``, assumed on first use."""
    base = botocore.session.Session()
    try:
        source = base.get_credentials()
    except bx.BotoCoreError as exc:
        raise _no_identity() from exc
    if source is None:
        raise _no_identity()
    role_arn = str(params.role_arn)
    extra: dict[str, Any] = {"RoleSessionName": params.session_name or DEFAULT_SESSION_NAME}
    if params.external_id:
        extra["ExternalId"] = params.external_id
    if duration_seconds:
        extra["DurationSeconds"] = duration_seconds
    config = Config(
        connect_timeout=options.connect_timeout,
        read_timeout=options.read_timeout,
        retries={"max_attempts": options.max_attempts, "mode": "standard"},
    )
    region = base.get_config_variable("region") or DEFAULT_REGION
    creator = functools.partial(base.create_client, region_name=region, config=config)
    fetcher = AssumeRoleCredentialFetcher(creator, source, role_arn, extra_args=extra)
    return DeferredRefreshableCredentials(
        refresh_using=functools.partial(_fetch, fetcher, role_arn), method="assume-role"
    )


def role_session(credentials: RefreshableCredentials) -> botocore.session.Session:
    """A botocore session whose clients sign with ``credentials`` (and nothing else)."""
    session = botocore.session.Session()
    session.register_component(
        "credential_provider", CredentialResolver([_RoleProvider(credentials)])
    )
    return session
