"""The endpoint guard through the driver: at create time and on every real connection."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from flowservice.drivers.s3 import S3Driver
from flowservice.errors import UserError
from flowservice.settings import Settings
from tests.support.s3servers import S3Server

pytestmark = pytest.mark.s3

KEY = "Access Key"


def _port(server: S3Server) -> int:
    port = urlsplit(server.endpoint_url).port
    assert port is not None
    return port


def _refused(call: object, *args: object) -> UserError:
    with pytest.raises(UserError) as caught:
        call(*args)  # type: ignore[operator]
    assert caught.value.code == "1364-400"
    return caught.value


def test_loopback_ip_is_refused_without_allow_list(rclone_s3: S3Server) -> None:
    driver = S3Driver(Settings())
    params = rclone_s3.params()
    assert "loopback" in _refused(driver.check_params, KEY, params).message
    _refused(driver.list_root, KEY, params, 10, None)
    report = driver.test(KEY, params)
    assert (report.steps[0].outcome, report.steps[0].code) == ("failed", "1364-400")


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_name_resolving_to_loopback_is_refused_at_connect_time(
    rclone_s3: S3Server, scheme: str
) -> None:
    driver = S3Driver(Settings())
    params = rclone_s3.params(serviceUrl=f"{scheme}://localhost:{_port(rclone_s3)}")
    _refused(driver.check_params, KEY, params)
    # Without the create-time check, the connection's peer address is what gets refused.
    error = _refused(driver.list_root, KEY, params, 10, None)
    assert "resolves to" in error.message
    assert "loopback" in error.message


def test_allowed_host_and_port_may_use_http(rclone_s3: S3Server) -> None:
    port = _port(rclone_s3)
    driver = S3Driver(Settings(allowed_endpoints=(f"localhost:{port}",)))
    params = rclone_s3.params(serviceUrl=f"http://localhost:{port}")
    driver.check_params(KEY, params)
    driver.list_root(KEY, params, 10, None)
    _refused(driver.list_root, KEY, rclone_s3.params(), 10, None)  # 127.0.0.1 is not listed


def test_allowed_cidr_admits_the_servers(loopback_settings: Settings, s3_server: S3Server) -> None:
    driver = S3Driver(loopback_settings)
    driver.check_params(KEY, s3_server.params())
    driver.list_root(KEY, s3_server.params(), 10, None)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[fe80::1]:9000/", "link-local"),
        ("http://10.0.0.8:9000/", "private"),
        ("http://0.0.0.0:9000/", "unspecified"),
        ("http://52.216.8.8/", "Plain http"),
        ("https://user:pw@52.216.8.8/", "user name"),
    ],
)
def test_forbidden_service_urls_are_refused_before_connecting(url: str, reason: str) -> None:
    driver = S3Driver(Settings(source_connect_timeout=0.5, source_max_attempts=1))
    params = {"s3AccessKey": "a", "s3SecretKey": "b", "serviceUrl": url}
    assert reason in _refused(driver.check_params, KEY, params).message
    assert reason in _refused(driver.list_root, KEY, params, 10, None).message
    iam = {"roleArn": "arn:aws:iam::123456789012:role/r", "serviceUrl": url}
    _refused(driver.check_params, "IAM Role", iam)


def test_check_params_refuses_a_folder_path_escaping_its_folder() -> None:
    driver = S3Driver(Settings())
    with pytest.raises(UserError) as caught:
        driver.check_params(
            KEY,
            {"s3AccessKey": "a", "s3SecretKey": "b", "bucketName": "b1", "folderPath": "a/../b"},
        )
    assert caught.value.code == "1363-400"


def test_check_params_refuses_a_folder_path_without_a_bucket_naming_both() -> None:
    driver = S3Driver(Settings())
    with pytest.raises(UserError) as caught:
        driver.check_params(KEY, {"s3AccessKey": "a", "s3SecretKey": "b", "folderPath": "in/"})
    assert caught.value.code == "1305-400"
    assert "'folderPath'" in caught.value.message
    assert "'bucketName'" in caught.value.message
