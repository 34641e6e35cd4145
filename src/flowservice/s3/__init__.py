"""S3 access: connection params to guarded boto3 clients, listings, ranged reads, the test.

The driver (:mod:`flowservice.drivers.s3`) is the only user; these are its pieces:

- :mod:`.config`: params → ``to_boto3_kwargs()`` (the one place plaintext meets a client);
- :mod:`.endpoint`, :mod:`.transport`: the SSRF guard, at create time and on every connect;
- :mod:`.errors`: S3 failures → ``13xx`` service errors, once, at this boundary;
- :mod:`.paths`: explore paths and the connection's scope;
- :mod:`.listing`, :mod:`.reader`, :mod:`.checks`: explore, read, test;
- :mod:`.role`, :mod:`.clients`: IAM Role credentials and the client cache.
"""

from flowservice.s3.checks import run_checks
from flowservice.s3.clients import ClientFactory
from flowservice.s3.config import ClientOptions, S3Params
from flowservice.s3.endpoint import EndpointPolicy, forbidden_reason
from flowservice.s3.errors import EndpointNotAllowed, map_error
from flowservice.s3.listing import list_buckets, list_folder
from flowservice.s3.paths import S3Location, Scope, parse_path
from flowservice.s3.reader import S3Object, open_object
from flowservice.s3.role import role_credentials

__all__ = [
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
