"""The endpoint guard's rules, on addresses and URLs: pure functions, no server."""

from __future__ import annotations

import ipaddress

import pytest

from flowservice.s3.config import S3Params, region_from_host
from flowservice.s3.endpoint import EndpointPolicy, forbidden_reason
from flowservice.s3.errors import EndpointNotAllowed


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.10", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("100.64.0.1", "not a global"),
        ("240.0.0.1", "reserved"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "link-local"),
        ("64:ff9b::a9fe:a9fe", "link-local"),
        ("2002:7f00:1::", "loopback"),
    ],
)
def test_forbidden_reason_refuses_non_global_addresses(address: str, reason: str) -> None:
    found = forbidden_reason(ipaddress.ip_address(address))
    assert found is not None
    assert reason in found


@pytest.mark.parametrize("address", ["52.216.1.1", "8.8.8.8", "2600:1f18::1"])
def test_forbidden_reason_allows_global_addresses(address: str) -> None:
    assert forbidden_reason(ipaddress.ip_address(address)) is None


def test_policy_parses_cidrs_addresses_and_hosts() -> None:
    policy = EndpointPolicy.from_entries(
        ["127.0.0.0/8", " ::1/128 ", "10.0.0.5", "minio.lan:9000", "[fd00::5]:9000", "nas", ""]
    )
    assert len(policy.networks) == 3
    assert policy.allows_host("MINIO.lan.", 9000)
    assert not policy.allows_host("minio.lan", 9001)
    assert policy.allows_host("fd00:0::5", 9000)
    assert policy.allows_host("nas", 1234)
    assert policy.allows_address(ipaddress.ip_address("127.9.9.9"))
    assert policy.allows_address(ipaddress.ip_address("::ffff:127.0.0.1"))
    assert not policy.allows_address(ipaddress.ip_address("10.0.0.6"))


@pytest.mark.parametrize("entry", ["host:0", "host:70000", "host:port", "10.0.0.0/33"])
def test_policy_refuses_malformed_entries(entry: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        EndpointPolicy.from_entries([entry])


def test_check_peer_refuses_loopback_unless_allowed() -> None:
    with pytest.raises(EndpointNotAllowed) as caught:
        EndpointPolicy().check_peer("localhost", 9000, "127.0.0.1", tls=False)
    assert caught.value.code == "1364-400"
    assert "FLOWSERVICE_ALLOWED_ENDPOINTS" in caught.value.message
    EndpointPolicy.from_entries(["127.0.0.1/32"]).check_peer("x", 9000, "127.0.0.1", tls=False)
    EndpointPolicy.from_entries(["localhost:9000"]).check_peer("localhost", 9000, "::1", tls=False)


def test_check_peer_refuses_plain_http_to_public_hosts() -> None:
    policy = EndpointPolicy()
    policy.check_peer("s3.amazonaws.com", 443, "52.216.1.1", tls=True)
    with pytest.raises(EndpointNotAllowed, match="Plain http"):
        policy.check_peer("s3.amazonaws.com", 80, "52.216.1.1", tls=False)
    EndpointPolicy.from_entries(["s3.example.com:80"]).check_peer(
        "s3.example.com", 80, "52.216.1.1", tls=False
    )


def _resolver(*addresses: str):  # type: ignore[no-untyped-def]
    return lambda host, port: list(addresses)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://s3.example.com/", "https://"),
        ("https:///nohost", "no host"),
        ("https://user:pw@s3.example.com/", "user name or password"),
        ("https://s3.example.com:99999/", "not a valid URL"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://[::1]:9000/", "loopback"),
        ("https://127.0.0.1/", "loopback"),
    ],
)
def test_check_url_refuses(url: str, message: str) -> None:
    with pytest.raises(EndpointNotAllowed, match=message):
        EndpointPolicy().check_url(url, _resolver("52.216.1.1"))


def test_check_url_never_echoes_user_info() -> None:
    with pytest.raises(EndpointNotAllowed) as caught:
        EndpointPolicy().check_url("https://AKIA:topsecret@s3.example.com/")
    assert "topsecret" not in caught.value.message


def test_check_url_checks_every_resolved_address() -> None:
    policy = EndpointPolicy()
    policy.check_url("https://s3.example.com/", _resolver("52.216.1.1", "2600:1f18::1"))
    with pytest.raises(EndpointNotAllowed, match="private"):
        policy.check_url("https://rebind.example.com/", _resolver("52.216.1.1", "10.0.0.1"))
    policy.check_url("https://s3.example.com/")  # no resolver: names pass, connect checks them


def test_check_url_allows_listed_endpoints_over_http() -> None:
    policy = EndpointPolicy.from_entries(["192.168.1.0/24", "minio.lan:9000"])
    policy.check_url("http://192.168.1.20:9000/", _resolver())
    policy.check_url("http://minio.lan:9000", _resolver("10.9.9.9"))
    policy.check_url("http://nas.lan:9000", _resolver("192.168.1.7"))
    with pytest.raises(EndpointNotAllowed, match="Plain http"):
        policy.check_url("http://s3.example.com/", _resolver("52.216.1.1"))


@pytest.mark.parametrize(
    ("host", "region"),
    [
        ("s3.us-west-2.amazonaws.com", "us-west-2"),
        ("s3-us-west-2.amazonaws.com", "us-west-2"),
        ("s3.dualstack.eu-central-1.amazonaws.com", "eu-central-1"),
        ("s3-fips.us-gov-west-1.amazonaws.com", "us-gov-west-1"),
        ("my-bucket-1.s3.ap-southeast-2.amazonaws.com", "ap-southeast-2"),
        ("s3.cn-north-1.amazonaws.com.cn", "cn-north-1"),
        ("s3.amazonaws.com", None),
        ("my-bucket-1.s3.amazonaws.com", None),
        ("s3-external-1.amazonaws.com", None),
        ("minio.lan", None),
    ],
)
def test_region_from_host(host: str, region: str | None) -> None:
    assert region_from_host(host) == region


def test_params_adapter_addressing_and_secret_free_repr() -> None:
    custom = S3Params.from_params(
        "Access Key",
        {"s3AccessKey": "AK", "s3SecretKey": "topsecret", "s3SessionToken": "tok3n",
         "serviceUrl": "http://minio.lan:9000", "bucketName": "data", "folderPath": "/in/"},
    )  # fmt: skip
    aws = S3Params.from_params("Access Key", {"s3AccessKey": "AK", "s3SecretKey": "topsecret"})
    assert not custom.is_aws
    assert aws.is_aws
    assert custom.folder == "in/"
    from flowservice.s3.config import ClientOptions

    kwargs = custom.to_boto3_kwargs(ClientOptions(1, 2, 3), "us-east-1")
    assert kwargs["endpoint_url"] == "http://minio.lan:9000"
    assert kwargs["aws_session_token"] == "tok3n"
    assert kwargs["config"].s3 == {"addressing_style": "path"}
    assert kwargs["config"].retries == {"total_max_attempts": 3, "mode": "standard"}
    assert aws.to_boto3_kwargs(ClientOptions(1, 2, 3), "us-east-1")["config"].s3 == {
        "addressing_style": "auto"
    }
    for shown in (repr(custom), str(custom), custom.fingerprint()):
        assert "topsecret" not in shown
        assert "tok3n" not in shown
