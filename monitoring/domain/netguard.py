"""Outbound-address policy for webhooks (SSRF): resolve a host once, refuse loopback, private, link-local,
reserved, multicast and unspecified addresses (IPv4, IPv6 and IPv4-mapped IPv6) unless an operator allow-listed
the network. The caller connects to the address returned here, never to the name again (DNS rebinding). No Django.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]


class BlockedDestination(ValueError):
    """The URL may not be called; the message says why."""


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _unwrap(ip: IPAddress) -> IPAddress:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip.teredo is not None:
            return ip.teredo[1]
    return ip


def is_public(ip: IPAddress) -> bool:
    ip = _unwrap(ip)
    return not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or not ip.is_global
    )


def parse_networks(entries: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(e.strip(), strict=False) for e in entries if e and e.strip()]


def check_url(
    url: str, *, allowed_networks: Iterable[str] = (), resolver: Resolver = system_resolver
) -> tuple[str, str, int, str]:
    """Return ``(scheme, host, port, ip)`` for a URL that may be called; raise ``BlockedDestination`` otherwise.

    Every address the name resolves to must be allowed (an attacker's DNS may answer differently each time), and
    the first one is the one to connect to."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise BlockedDestination(f"Only http and https webhooks are allowed, not '{scheme}'.")
    if parts.username or parts.password:
        raise BlockedDestination("Credentials in a webhook URL are not allowed.")
    host = parts.hostname
    if not host:
        raise BlockedDestination("The webhook URL has no host.")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise BlockedDestination("The webhook URL has an invalid port.") from None
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in resolver(host, port)]
        except (OSError, UnicodeError, ValueError) as exc:
            raise BlockedDestination(f"The host '{host}' does not resolve: {exc}.") from None
    if not addresses:
        raise BlockedDestination(f"The host '{host}' does not resolve.")
    allowed = parse_networks(allowed_networks)
    for ip in addresses:
        if is_public(ip):
            continue
        if any(candidate in net for candidate in (ip, _unwrap(ip)) for net in allowed):
            continue
        raise BlockedDestination(
            f"The webhook host '{host}' resolves to {ip}, a loopback, private, link-local or reserved address; "
            "an operator must allow-list its network (WEBHOOK_ALLOWED_NETWORKS)."
        )
    return scheme, host, port, str(addresses[0])
