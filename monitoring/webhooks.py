"""Signed, SSRF-safe webhook POSTs.

The body is JSON; ``X-MLOps-Gov-Signature: sha256=<hex HMAC-SHA256 of the body with the endpoint's secret>`` lets
receivers trust it. The host is resolved once and checked (``domain.netguard``), the TCP connection goes to that
address (the Host header and TLS SNI/certificate check keep the name), and redirects are never followed: a 3xx is
a failed delivery.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import socket
import ssl
from dataclasses import dataclass
from typing import Any

from mlops_gov.redaction import redact_url
from monitoring.domain import netguard

SIGNATURE_HEADER = "X-MLOps-Gov-Signature"
TIMEOUT_SECONDS = 10
_MAX_RESPONSE = 64 * 1024


@dataclass
class WebhookResponse:
    status: int
    body: str


class WebhookError(Exception):
    """The delivery failed; the message says why (blocked destination, network error, non-2xx answer)."""


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, ip: str, **kwargs: Any):
        super().__init__(host, port, **kwargs)
        self._ip = ip

    def connect(self) -> None:
        self.sock = socket.create_connection((self._ip, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, ip: str, **kwargs: Any):
        self._tls = ssl.create_default_context()
        super().__init__(host, port, context=self._tls, **kwargs)
        self._ip = ip

    def connect(self) -> None:
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


class _Unresolved(Exception):
    """The name does not resolve now (not an OSError, so ``netguard.check_url`` lets it through to us)."""


def redacted_url(url: str) -> str:
    """``scheme://host[:port]/…`` (mlops_gov.redaction): what a reader without the right to edit webhooks sees."""
    return redact_url(url)


def validate_destination(url: str, *, allowed_networks: list[str], resolver: netguard.Resolver | None = None) -> None:
    """The sender's destination check, at save time: raise ``netguard.BlockedDestination`` for a URL ``post`` would
    refuse. A name that does not resolve right now is accepted: the sender treats that as transient (retried) and
    checks the resolved address again before every delivery, so nothing unchecked is ever called."""
    lookup = resolver or netguard.system_resolver

    def resolve(host: str, port: int) -> list[str]:
        try:
            return lookup(host, port)
        except OSError as exc:
            raise _Unresolved(host) from exc

    try:
        netguard.check_url(url, allowed_networks=allowed_networks, resolver=resolve)
    except _Unresolved:
        return


def post(
    url: str,
    payload: dict[str, Any],
    *,
    secret: str,
    allowed_networks: list[str],
    resolver: netguard.Resolver = netguard.system_resolver,
    event: str = "",
) -> WebhookResponse:
    try:
        scheme, host, port, ip = netguard.check_url(url, allowed_networks=allowed_networks, resolver=resolver)
    except netguard.BlockedDestination as exc:
        raise WebhookError(str(exc)) from None
    body = encode(payload)
    parts = url.split("://", 1)[1]
    path = "/" + parts.split("/", 1)[1] if "/" in parts else "/"
    conn_cls = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    conn = conn_cls(host, port, ip, timeout=TIMEOUT_SECONDS)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "mlops-gov-webhook/1",
        SIGNATURE_HEADER: sign(body, secret),
        "X-MLOps-Gov-Event": event,
    }
    try:
        conn.request("POST", path.split("#", 1)[0], body=body, headers=headers)
        response = conn.getresponse()
        text = response.read(_MAX_RESPONSE).decode("utf-8", errors="replace")
    except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
        raise WebhookError(f"Could not deliver to {host}: {exc}") from None
    finally:
        conn.close()
    if 300 <= response.status < 400:
        raise WebhookError(f"The receiver answered {response.status} (a redirect); redirects are not followed.")
    if not 200 <= response.status < 300:
        raise WebhookError(f"The receiver answered {response.status}.")
    return WebhookResponse(status=response.status, body=text[:1000])
