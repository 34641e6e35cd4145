"""The endpoint guard: a connection's ``serviceUrl`` must not reach the service's own network.

A user who can set ``serviceUrl`` can make the service send signed requests anywhere. Without a
guard that is server-side request forgery: ``http://169.254.169.254/`` (cloud instance metadata),
``http://127.0.0.1:5432/``, a database on the LAN. So an address is refused when it is loopback,
private (RFC 1918, ``fc00::/7``), link-local (``169.254.0.0/16``, ``fe80::/10``), multicast,
unspecified, reserved or otherwise not global, and plain ``http://`` is refused for public hosts,
unless the operator allows the endpoint in ``FLOWSERVICE_ALLOWED_ENDPOINTS``.

Entries of the allow-list (comma-separated):

- a CIDR block: ``10.0.0.0/8``, ``127.0.0.1/32``, ``::1/128`` (a bare IP means that one address);
- a host and port: ``minio.lan:9000``, ``[fd00::5]:9000``; or a host alone, for any port.

The check runs twice: on ``serviceUrl`` when a connection is created or patched (resolving the
name), and on every connection the S3 client opens, against the peer it actually connected to
(see :mod:`flowservice.s3.transport`), so a name that resolves differently later (DNS rebinding)
is still refused.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from flowservice import codes
from flowservice.errors import UserError
from flowservice.s3.errors import EndpointNotAllowed

__all__ = ["Address", "EndpointPolicy", "check_endpoint_url", "forbidden_reason", "resolve_host"]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_ALLOW_HINT = "ask the operator to add it to FLOWSERVICE_ALLOWED_ENDPOINTS"


def _embedded_ipv4(ip: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, NAT64, Teredo), if any."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.teredo[1] if ip.teredo else None


def forbidden_reason(ip: Address) -> str | None:
    """Why a connection to ``ip`` is refused by default, or None for a global address."""
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        return forbidden_reason(embedded)
    checks = (
        (ip.is_loopback, "a loopback address"),
        (ip.is_unspecified, "the unspecified address"),
        (ip.is_link_local, "a link-local address (where cloud instance metadata lives)"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_reserved, "a reserved address"),
        (ip.is_private, "a private address"),
        (not ip.is_global, "not a global address"),
    )
    return next((why for refused, why in checks if refused), None)


def _parse_address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


def _host_key(host: str) -> str:
    address = _parse_address(host)
    return str(address) if address is not None else host.lower().rstrip(".")


def _parse_host_entry(entry: str) -> tuple[str, int | None]:
    host, sep, port = entry.rpartition(":")
    if not sep or (host.count(":") and not host.endswith("]")):
        return _host_key(entry), None  # a bare host name
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"allowed endpoint {entry!r}: the port must be 1-65535")
    return _host_key(host), int(port)


@dataclass(frozen=True, slots=True)
class EndpointPolicy:
    """The operator's allow-list, and the rule applied to every ``serviceUrl`` and peer."""

    networks: tuple[Network, ...] = ()
    hosts: frozenset[tuple[str, int | None]] = frozenset()

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> EndpointPolicy:
        """Parse ``FLOWSERVICE_ALLOWED_ENDPOINTS`` entries; a malformed one raises ValueError."""
        networks: list[Network] = []
        hosts: set[tuple[str, int | None]] = set()
        for raw in (e.strip() for e in entries):
            if "/" in raw:
                networks.append(ipaddress.ip_network(raw, strict=False))
            elif (address := _parse_address(raw)) is not None:
                networks.append(ipaddress.ip_network(address))
            elif raw:
                hosts.add(_parse_host_entry(raw))
        return cls(tuple(networks), frozenset(hosts))

    def allows_host(self, host: str, port: int) -> bool:
        key = _host_key(host)
        return (key, port) in self.hosts or (key, None) in self.hosts

    def allows_address(self, ip: Address) -> bool:
        candidates = [ip] + [e for e in [_embedded_ipv4(ip)] if e is not None]
        return any(c in net for c in candidates for net in self.networks)

    def check_peer(self, host: str, port: int, peer: str, *, tls: bool) -> None:
        """Refuse a connection to ``host:port`` that reached the address ``peer``."""
        if self.allows_host(host, port):
            return
        ip = ipaddress.ip_address(peer.split("%", 1)[0])
        if self.allows_address(ip):
            return
        reason = forbidden_reason(ip)
        if reason is not None:
            raise EndpointNotAllowed(
                f"The endpoint {host}:{port} resolves to {ip}, {reason}; the service does not "
                f"connect there. Use a public endpoint, or {_ALLOW_HINT}."
            )
        if not tls:
            raise EndpointNotAllowed(
                f"Plain http:// to {host}:{port} is refused: use https://, or {_ALLOW_HINT}."
            )

    def check_url(self, url: str, resolve: Resolver | None = None) -> None:
        """Check ``serviceUrl``; with ``resolve``, also every address its host resolves to.

        Without ``resolve`` a host name passes (the connect-time check covers it); an IP literal
        is checked either way. The URL itself is never echoed: it could hold user info.
        """
        host, port, tls = _split_url(url)
        if self.allows_host(host, port):
            return
        literal = _parse_address(host)
        if literal is not None:
            addresses = [str(literal)]
        elif resolve is not None:
            addresses = resolve(host, port)
        else:
            return
        for address in addresses:
            self.check_peer(host, port, address, tls=tls)
        if not addresses and not tls:
            raise EndpointNotAllowed(
                f"Plain http:// to {host}:{port} is refused: use https://, or {_ALLOW_HINT}."
            )


def _split_url(url: str) -> tuple[str, int, bool]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise EndpointNotAllowed("serviceUrl is not a valid URL.") from None
    if parts.scheme not in ("http", "https"):
        raise EndpointNotAllowed("serviceUrl must start with https:// (or http://).")
    if not parts.hostname:
        raise EndpointNotAllowed("serviceUrl has no host name.")
    if parts.username is not None or parts.password is not None:
        raise EndpointNotAllowed("serviceUrl must not contain a user name or password.")
    tls = parts.scheme == "https"
    return parts.hostname, port or (443 if tls else 80), tls


def check_endpoint_url(url: str) -> None:
    """Refuse a ``serviceUrl`` botocore would not take as an endpoint, before it is stored."""
    from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url

    parts = urlsplit(url)
    if parts.query or parts.fragment:
        raise UserError(
            codes.INVALID_PARAM, "Auth param 'serviceUrl' is invalid: remove its ? or # part."
        )
    try:
        valid = is_valid_endpoint_url(url) or is_valid_ipv6_endpoint_url(url)
        if valid and parts.hostname:
            parts.hostname.encode("idna")
    except (UnicodeError, ValueError):
        valid = False
    if not valid:
        raise UserError(
            codes.INVALID_PARAM, "Auth param 'serviceUrl' is invalid: not a usable endpoint URL."
        )


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to now; none when it does not resolve.

    A name that does not resolve at create time is accepted: DNS may be briefly down, or the
    name may only resolve later. Nothing is lost by waiting: every connection is checked again
    against the address it actually reaches.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except UnicodeError:
        raise EndpointNotAllowed(f"The host {host} of serviceUrl is not a valid name.") from None
    except socket.gaierror:
        return []
    return sorted({str(info[4][0]) for info in infos})
