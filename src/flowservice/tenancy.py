"""Who a request (or a worker's job) acts for: one organization, one sandbox, one client.

Every resource belongs to exactly one (org, sandbox); every store statement is scoped by it.
It lives here, below the identity package, so that workers and services use it without an
authenticator.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Tenant"]


@dataclass(frozen=True, slots=True)
class Tenant:
    """The (org, sandbox) a request acts in, and the client acting."""

    org_id: str
    sandbox_id: str
    sandbox_name: str
    client_id: str
