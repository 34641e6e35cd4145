"""The gateway checks of contract §1, then the sandbox, with a short in-process cache.

A cache hit skips the store; a revoked token therefore stops working within
``auth_cache_seconds`` (5 s by default; 0 turns the cache off).
"""

from __future__ import annotations

import threading
import time
from typing import Generic, TypeVar

from flowservice import codes
from flowservice.errors import GatewayError, UserError
from flowservice.identity.service import Principal, find_principal, find_sandbox_id
from flowservice.identity.tokens import hash_token
from flowservice.storage.db import Database
from flowservice.tenancy import Tenant

__all__ = ["Authenticator", "CacheMiss"]

K = TypeVar("K")
V = TypeVar("V")


class CacheMiss(Exception):
    """Raised by a cache-only authentication that would need the store."""


class TtlCache(Generic[K, V]):
    def __init__(self, seconds: float, max_items: int = 10_000) -> None:
        self.seconds = seconds
        self.max_items = max_items
        self._items: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        hit = self._items.get(key)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, key: K, value: V) -> None:
        if self.seconds <= 0:
            return
        with self._lock:
            if len(self._items) >= self.max_items:
                self._items.clear()
            self._items[key] = (time.monotonic() + self.seconds, value)


class Authenticator:
    def __init__(self, db: Database, cache_seconds: float) -> None:
        self._db = db
        self._principals: TtlCache[str, Principal] = TtlCache(cache_seconds)
        self._sandboxes: TtlCache[tuple[str, str], str] = TtlCache(cache_seconds)

    def authenticate(
        self,
        authorization: str | None,
        api_key: str | None,
        org_id: str | None,
        sandbox_name: str | None,
        *,
        cached_only: bool = False,
    ) -> Tenant:
        """The tenant of a request, or a GatewayError / UserError for the first failed check.

        With ``cached_only`` the store is not consulted: a cache miss raises :class:`CacheMiss`,
        so an event loop can answer most requests inline and send only misses to a thread.
        """
        principal = self._principal(authorization, cached_only)
        if not api_key:
            raise GatewayError(403, "403000", "Api Key is required")
        if api_key != principal.client_id:
            raise GatewayError(403, "403003", "Api Key is invalid")
        if not org_id:
            raise GatewayError(400, "400003", "Missing header")
        if org_id != principal.org_id:
            raise GatewayError(403, "403025", "Profile is not valid")
        sandbox_id = self._sandbox(org_id, sandbox_name, cached_only)
        return Tenant(org_id, sandbox_id, sandbox_name or "", principal.client_id)

    def _principal(self, authorization: str | None, cached_only: bool) -> Principal:
        if not authorization:
            raise GatewayError(403, "403010", "Oauth token is missing.")
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise GatewayError(401, "401013", "Oauth token is not valid")
        key = hash_token(token)
        principal = self._principals.get(key)
        if principal is None:
            if cached_only:
                raise CacheMiss
            with self._db.session() as session:
                principal = find_principal(session, token)
            if principal is None:
                raise GatewayError(401, "401013", "Oauth token is not valid")
            self._principals.put(key, principal)
        if principal.expires_at <= time.time() * 1000:
            raise GatewayError(401, "401013", "Oauth token is not valid")
        return principal

    def _sandbox(self, org_id: str, name: str | None, cached_only: bool) -> str:
        if not name:
            raise UserError(
                codes.SANDBOX_MISSING, "The header x-sandbox-name is missing in the request"
            )
        sandbox_id = self._sandboxes.get((org_id, name))
        if sandbox_id is None:
            if cached_only:
                raise CacheMiss
            with self._db.session() as session:
                sandbox_id = find_sandbox_id(session, org_id, name)
            if sandbox_id is None:
                raise UserError(
                    codes.SANDBOX_NOT_FOUND, "Sandbox not found", title="Sandbox not found"
                )
            self._sandboxes.put((org_id, name), sandbox_id)
        return sandbox_id
