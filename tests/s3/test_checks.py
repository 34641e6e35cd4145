"""The connection test (GET /connections/{id}/test) against real servers."""

from __future__ import annotations

import time

import pytest

from flowservice.drivers import base
from flowservice.drivers.s3 import S3Driver
from flowservice.settings import Settings
from tests.support.s3servers import SCOPED_BUCKET, Keys, S3Server

pytestmark = pytest.mark.s3

KEY = "Access Key"


def outcomes(report: base.TestReport) -> list[tuple[str, str, str | None]]:
    return [(s.name, s.outcome, s.code) for s in report.steps]


@pytest.fixture
def driver(loopback_settings: Settings) -> S3Driver:
    return S3Driver(loopback_settings)


def test_good_credentials_pass_every_step(driver: S3Driver, s3_server: S3Server) -> None:
    bucket = s3_server.new_bucket()
    markers = {"in/": b"", "in/0/": b""} if s3_server.name == "moto" else {}  # rclone: dirs
    s3_server.put_objects(bucket, {**markers, "in/a.csv": b"x" * 5000})
    report = driver.test(KEY, s3_server.params(bucketName=bucket, folderPath="in"))
    assert report.result is True
    assert outcomes(report) == [
        ("credentials", "passed", None),
        ("list", "passed", None),
        ("read", "passed", None),
    ]
    assert report.steps[2].message == f"Read 1024 bytes of /{bucket}/in/a.csv."


def test_wrong_secret_fails_the_credentials_step(driver: S3Driver, s3_server: S3Server) -> None:
    report = driver.test(KEY, s3_server.params(s3SecretKey="nope"))
    assert report.result is False
    assert outcomes(report) == [
        ("credentials", "failed", "1360-400"),
        ("list", "skipped", None),
        ("read", "skipped", None),
    ]


def test_empty_bucket_skips_the_read(driver: S3Driver, s3_server: S3Server) -> None:
    report = driver.test(KEY, s3_server.params(bucketName=s3_server.new_bucket()))
    assert report.result is True
    assert outcomes(report)[2] == ("read", "skipped", None)


def test_without_bucket_lists_buckets_and_skips_the_read(
    driver: S3Driver, s3_server: S3Server
) -> None:
    report = driver.test(KEY, s3_server.params())
    assert outcomes(report) == [
        ("credentials", "passed", None),
        ("list", "passed", None),
        ("read", "skipped", None),
    ]


def test_missing_bucket_fails_the_list_step(driver: S3Driver, s3_server: S3Server) -> None:
    report = driver.test(KEY, s3_server.params(bucketName="no-such-bucket-at-all"))
    assert outcomes(report)[1:] == [("list", "failed", "1362-404"), ("read", "skipped", None)]


def test_bucket_scoped_key_is_inconclusive_then_decided_by_listing(
    driver: S3Driver, moto_s3: S3Server
) -> None:
    assert moto_s3.scoped is not None
    good = moto_s3.params(moto_s3.scoped, bucketName=SCOPED_BUCKET, folderPath="allowed")
    report = driver.test(KEY, good)
    assert report.result is True
    assert outcomes(report) == [
        ("credentials", "skipped", None),
        ("list", "passed", None),
        ("read", "passed", None),
    ]
    assert "Inconclusive" in report.steps[0].message
    denied = driver.test(KEY, moto_s3.params(moto_s3.scoped, bucketName="another-bucket"))
    assert outcomes(denied)[1] == ("list", "failed", "1361-403")


def test_read_denied_fails_the_read_step(driver: S3Driver, moto_s3: S3Server) -> None:
    assert moto_s3.scoped is not None
    params = moto_s3.params(moto_s3.scoped, bucketName=SCOPED_BUCKET, folderPath="secret")
    assert outcomes(driver.test(KEY, params))[2] == ("read", "failed", "1361-403")


def test_invalid_session_token_names_the_param_to_patch(
    driver: S3Driver, moto_s3: S3Server
) -> None:
    temporary = moto_s3.temporary_credentials()
    stale = Keys(temporary.access_key, temporary.secret_key, "expired-token")
    report = driver.test(KEY, moto_s3.params(stale, bucketName=SCOPED_BUCKET))
    assert report.result is False
    step = report.steps[0]
    assert (step.name, step.outcome, step.code) == ("credentials", "failed", "1365-400")
    assert "PATCH /auth/params/s3SessionToken" in step.message
    assert step.to_wire()["code"] == "1365-400"


def test_unreachable_endpoint_fails_within_the_bound(tmp_path: object) -> None:
    settings = Settings(allowed_endpoints=("127.0.0.1/32",), test_timeout=2.0)
    driver = S3Driver(settings)
    params = {"s3AccessKey": "a", "s3SecretKey": "b", "serviceUrl": "http://127.0.0.1:9"}
    started = time.monotonic()
    report = driver.test(KEY, params | {"bucketName": "some-bucket"})
    # Only that it ends (the budget stops the retries), not how fast: on a loaded CI machine the
    # budget's last backoff ran 0.4 s past a tighter bound of 4.5 s.
    assert time.monotonic() - started < 2.0 + 20
    assert report.result is False
    assert report.steps[0].code in ("1380-503", "1381-504")
