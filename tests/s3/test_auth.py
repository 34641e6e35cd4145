"""Credentials against real servers: rejected keys, scoped keys, session tokens, IAM Role."""

from __future__ import annotations

from typing import Any

import pytest

from flowservice.drivers.s3 import S3Driver
from flowservice.errors import SourceUserError
from flowservice.s3.config import ClientOptions, S3Params
from flowservice.s3.role import role_credentials, role_session
from flowservice.settings import Settings
from tests.support.s3servers import EXTERNAL_ID, SCOPED_BUCKET, Keys, S3Server

pytestmark = pytest.mark.s3

KEY = "Access Key"
ROLE = "IAM Role"


@pytest.fixture
def driver(loopback_settings: Settings) -> S3Driver:
    return S3Driver(loopback_settings)


def test_wrong_secret_is_1360_400_without_the_secret(driver: S3Driver, s3_server: S3Server) -> None:
    params = s3_server.params(s3SecretKey="wrong-secret-value")
    with pytest.raises(SourceUserError) as caught:
        driver.list_root(KEY, params, 10, None)
    assert caught.value.code == "1360-400"
    assert "SignatureDoesNotMatch" in caught.value.message
    assert "wrong-secret-value" not in caught.value.message + caught.value.log_message


def test_unknown_access_key_is_1360_400(driver: S3Driver, s3_server: S3Server) -> None:
    params = s3_server.params(s3AccessKey="AKIAUNKNOWNUNKNOWN00")
    bucket = s3_server.new_bucket()
    with pytest.raises(SourceUserError) as caught:
        driver.list_folder(KEY, params, f"/{bucket}/", 10, None)
    assert caught.value.code == "1360-400"
    assert "InvalidAccessKeyId" in caught.value.message


def _scoped(moto_s3: S3Server, **extra: str) -> dict[str, str]:
    assert moto_s3.scoped is not None
    return moto_s3.params(moto_s3.scoped, **extra)


def test_scoped_key_is_denied_buckets_and_other_folders(
    driver: S3Driver, moto_s3: S3Server
) -> None:
    with pytest.raises(SourceUserError) as caught:
        driver.list_root(KEY, _scoped(moto_s3), 10, None)
    assert caught.value.code == "1361-403"
    with pytest.raises(SourceUserError) as caught:
        driver.open_file(KEY, _scoped(moto_s3), f"/{SCOPED_BUCKET}/secret/b.csv")
    assert caught.value.code == "1361-403"


def test_scoped_key_reads_its_folder(driver: S3Driver, moto_s3: S3Server) -> None:
    params = _scoped(moto_s3, bucketName=SCOPED_BUCKET, folderPath="allowed")
    page = driver.list_root(KEY, params, 10, None)
    assert [e.name for e in page.entries] == ["a.csv"]
    source = driver.open_file(KEY, params, f"/{SCOPED_BUCKET}/allowed/a.csv")
    assert source.read_range(0, 3) == b"a,b"


def test_temporary_credentials_with_session_token_work(driver: S3Driver, moto_s3: S3Server) -> None:
    temporary = moto_s3.temporary_credentials()
    page = driver.list_root(KEY, moto_s3.params(temporary, bucketName=SCOPED_BUCKET), 10, None)
    assert {e.name for e in page.entries} == {"allowed", "secret"}


def test_invalid_session_token_says_to_patch_it(driver: S3Driver, moto_s3: S3Server) -> None:
    temporary = moto_s3.temporary_credentials()
    stale = Keys(temporary.access_key, temporary.secret_key, "stale-session-token")
    with pytest.raises(SourceUserError) as caught:
        driver.list_root(KEY, moto_s3.params(stale, bucketName=SCOPED_BUCKET), 10, None)
    assert caught.value.code == "1365-400"
    assert "PATCH /auth/params/s3SessionToken" in caught.value.message
    assert "stale-session-token" not in caught.value.message


def _role_params(server: S3Server, **extra: str) -> dict[str, str]:
    assert server.role_arn is not None
    return {
        "roleArn": server.role_arn,
        "externalId": EXTERNAL_ID,
        "serviceUrl": server.endpoint_url,
    } | extra


def test_iam_role_lists_and_reads(driver: S3Driver, service_identity: S3Server) -> None:
    params = _role_params(service_identity, bucketName=SCOPED_BUCKET, sessionName="explore")
    page = driver.list_root(ROLE, params, 10, None)
    assert {e.name for e in page.entries} == {"allowed", "secret"}
    assert (
        driver.open_file(ROLE, params, f"/{SCOPED_BUCKET}/secret/b.csv").read_range(0, 2) == b"no"
    )
    assert driver.test(ROLE, params).result is True


def test_iam_role_with_wrong_external_id_is_denied(
    driver: S3Driver, service_identity: S3Server
) -> None:
    params = _role_params(service_identity, externalId="not-the-one", bucketName=SCOPED_BUCKET)
    with pytest.raises(SourceUserError) as caught:
        driver.list_root(ROLE, params, 10, None)
    assert caught.value.code == "1361-403"
    assert "trust policy" in caught.value.message
    report = driver.test(ROLE, params)
    assert [(s.name, s.outcome, s.code) for s in report.steps] == [
        ("credentials", "failed", "1361-403"),
        ("list", "skipped", None),
        ("read", "skipped", None),
    ]


def test_iam_role_without_a_service_identity_fails_clearly(
    driver: S3Driver, service_identity: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    report = driver.test(ROLE, _role_params(service_identity))
    assert report.result is False
    assert report.steps[0].code == "1360-400"
    assert "no AWS identity" in report.steps[0].message


def test_role_credentials_are_refreshable_and_refresh_near_expiry(
    service_identity: S3Server,
) -> None:
    params = S3Params.from_params(ROLE, _role_params(service_identity))
    options = ClientOptions(2, 10, 2)

    lasting = role_credentials(params, options, duration_seconds=3600)
    first = lasting.get_frozen_credentials()
    assert lasting.refresh_needed() is False
    assert lasting.get_frozen_credentials().access_key == first.access_key

    # 900 s is inside botocore's 15-minute advisory window: every use refreshes.
    short = role_credentials(params, options, duration_seconds=900)
    before = short.get_frozen_credentials()
    assert short.refresh_needed() is True
    after = short.get_frozen_credentials()
    assert after.access_key != before.access_key
    assert after.token != before.token


def test_clients_sign_with_the_refreshed_role_credentials(service_identity: S3Server) -> None:
    params = S3Params.from_params(ROLE, _role_params(service_identity))
    options = ClientOptions(2, 10, 2)
    credentials = role_credentials(params, options, duration_seconds=900)
    client: Any = role_session(credentials).create_client(
        "s3", **params.to_boto3_kwargs(options, "us-east-1")
    )
    seen = set()
    for _ in range(3):
        assert client.list_objects_v2(Bucket=SCOPED_BUCKET, MaxKeys=1)["KeyCount"] == 1
        seen.add(credentials.get_frozen_credentials().access_key)
    assert len(seen) == 3
