"""The S3 package's public surface is deliberate: this test pins it."""

from __future__ import annotations

import flowservice.s3
from flowservice.drivers import base
from flowservice.drivers.s3 import S3Driver
from flowservice.settings import Settings


def test_s3_package_exports() -> None:
    assert sorted(flowservice.s3.__all__) == [
        "ClientFactory",
        "ClientOptions",
        "EndpointNotAllowed",
        "EndpointPolicy",
        "S3Location",
        "S3Object",
        "S3Params",
        "Scope",
        "forbidden_reason",
        "list_buckets",
        "list_folder",
        "map_error",
        "open_object",
        "parse_path",
        "role_credentials",
        "run_checks",
    ]
    for name in flowservice.s3.__all__:
        assert getattr(flowservice.s3, name) is not None


def test_s3_driver_implements_the_driver_protocol() -> None:
    driver: base.Driver = S3Driver(Settings())
    for method in ("check_params", "test", "list_root", "list_folder", "open_file"):
        assert callable(getattr(driver, method))
