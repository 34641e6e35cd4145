"""The service's wire error codes, named once (``NNNN-SSS``: the suffix is the HTTP status).

Codes specific to one subsystem live beside it, named the same way: the S3 boundary's in
:mod:`flowservice.s3.errors`, the preview's in :mod:`flowservice.preview.codes`. A test checks that
no code literal appears twice in the source and that ``docs/`` and the source list the same codes.
"""

from __future__ import annotations

# The request itself
UNSUPPORTED_MEDIA_TYPE = "1004-415"
BODY_TOO_LARGE = "1005-413"
NO_SUCH_ENDPOINT = "1100-404"
METHOD_NOT_ALLOWED = "1100-405"
NOT_FOUND = "1101-404"
INTERNAL = "1102-500"
BODY_SHAPE = "1106-400"
BODY_NOT_JSON = "1405-400"

# Fields and auth params
MISSING_FIELD = "1304-400"
INVALID_PARAM = "1305-400"
UNKNOWN_SPEC = "1413-400"
SPEC_CHANGE = "1414-400"
UNKNOWN_AUTH_SPEC = "1415-400"

# Lists: filters, order, paging
COUNT_WITH_LIMIT = "1401-400"
BAD_ORDER_PREFIX = "1432-400"
BAD_ORDER_FIELD = "1433-400"
OPERATOR_NOT_IMPLEMENTED = "1440-400"
BAD_FILTER_FIELD = "1449-400"
BAD_OPERATOR = "1450-400"
UNKNOWN_QUERY_PARAM = "1451-400"
INVALID_VALUE = "1452-400"
EMPTY_VALUE = "1453-400"

# Updates
IF_MATCH_REQUIRED = "1403-400"
STALE = "1404-412"
UNSUPPORTED_PATCH_OP = "1434-400"
INVALID_PATCH = "1455-400"

# Explore
OBJECT_REQUIRED = "1337-400"
INVALID_OBJECT_TYPE = "1358-400"

# Tenancy (after the gateway's own checks)
SANDBOX_NOT_FOUND = "2100-404"
SANDBOX_MISSING = "2105-400"
