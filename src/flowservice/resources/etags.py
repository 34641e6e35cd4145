"""Etags on the wire, and the ``If-Match`` precondition of every update.

A stored etag is a bare UUID; the wire shows it in double quotes (``"\\"…\\""`` in JSON), as the
real service does. ``If-Match`` is parsed once, at the API edge, into an :class:`IfMatch`:

- ``*`` matches any current version (RFC 9110);
- otherwise a comma-separated list of etags (RFC 9110 allows several; clients send one), each
  compared after removing a ``W/`` prefix, surrounding quotes and JSON-escaped quotes, since the
  docs show etags quoted, unquoted and copied out of JSON. One of them must be current.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flowservice import codes
from flowservice.errors import UserError

__all__ = ["ANY_VERSION", "IfMatch", "optional_if_match", "parse_if_match", "quote_etag", "stale"]


# One list member: a quoted etag (commas allowed inside), or a run of anything but commas.
_MEMBER = re.compile(r'\s*((?:W/)?"[^"]*"|[^,]+)\s*(?:,|$)')


def quote_etag(etag: str) -> str:
    return f'"{etag}"'


@dataclass(frozen=True, slots=True)
class IfMatch:
    """The parsed header: ``any_version`` for ``*``, else the etags (unquoted) one must match."""

    etags: frozenset[str]
    any_version: bool = False
    raw: str = ""

    def matches(self, current: str) -> bool:
        return self.any_version or current in self.etags


# For updates that take no precondition (Catalog PATCH, actions sent without If-Match).
ANY_VERSION = IfMatch(frozenset(), any_version=True, raw="*")


def optional_if_match(value: str | None) -> IfMatch:
    """``If-Match`` where it is optional: checked only when sent."""
    if value is None or not value.strip():
        return ANY_VERSION
    return parse_if_match(value, "resource")


def _bare(member: str) -> str:
    text = member.strip()
    text = text[2:] if text.startswith("W/") else text
    return text.strip('"').strip()


def parse_if_match(value: str | None, resource: str) -> IfMatch:
    """The ``If-Match`` of an update of ``resource``; missing or blank is ``1403-400``."""
    if value is None or not value.strip():
        raise UserError(
            codes.IF_MATCH_REQUIRED, f"The If-Match header is required to update a {resource}."
        )
    text = value.strip().replace('\\"', '"')
    if text == "*":
        return IfMatch(frozenset(), any_version=True, raw=text)
    members = [_bare(m.group(1)) for m in _MEMBER.finditer(text)]
    return IfMatch(frozenset(m for m in members if m), raw=text)


def stale(resource_id: str, if_match: IfMatch) -> UserError:
    """``1404-412``: none of the given etags is the resource's current one."""
    return UserError(
        codes.STALE,
        f"The supplied version '{if_match.raw}' does not match the current version on entity "
        f"'{resource_id}'. GET it for its current etag and try again.",
        title="Precondition failed",
    )
