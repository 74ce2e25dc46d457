"""Signed checkpoints of the audit chain. No Django imports: an outside auditor runs this with Python and
``cryptography`` only (``python -m registry.domain.hashchain verify ...``).

A checkpoint commits to the chain's head: (sequence, head hash, time, hash of the previous checkpoint), signed with
Ed25519. Each checkpoint names the checkpoint before it, so checkpoints form a chain of their own (like CloudTrail's
digest files). A checkpoint kept outside the database pins the history up to its head: a chain that no longer holds
that hash at that sequence was truncated or rewritten, however consistent it is internally.

Key rotation: a checkpoint signed with the old key may name ``next_public_key``; from then on checkpoints signed
with that key are trusted as much as the old key was. Trust only flows forward (old key vouches for new), never back:
anyone can publish "old key X rotated to the real current key" for a made-up X.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

FORMAT = "mlops-gov-audit-checkpoint/1"
GENESIS = "0" * 64
_HEX = frozenset("0123456789abcdef")
_encoder = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


class CheckpointError(ValueError):
    """A checkpoint that cannot be read, is not signed by a trusted key, or whose signature does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    sequence: int
    head_hash: str
    issued_at: str  # ISO-8601 UTC, microseconds
    previous: str  # SHA-256 of the previous checkpoint's document, or GENESIS for the first
    public_key: str  # the signer's raw Ed25519 public key, base64
    next_public_key: str | None = None  # set on a rotation checkpoint: the key that signs from now on
    signature: str = ""  # Ed25519 over signed_bytes(), base64
    format: str = FORMAT

    def body(self) -> dict[str, Any]:
        """Every field except the signature: what is signed."""
        fields = asdict(self)
        fields.pop("signature")
        return fields

    def signed_bytes(self) -> bytes:
        return _encoder.encode(self.body()).encode("ascii")

    def document(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return _encoder.encode(self.document())

    def digest(self) -> str:
        """The SHA-256 the next checkpoint names as ``previous``."""
        return hashlib.sha256(self.to_json().encode("ascii")).hexdigest()

    @property
    def key_fingerprint(self) -> str:
        return fingerprint(self.public_key)


def fingerprint(public_key: str) -> str:
    """A short, readable name for a public key: the first 16 hex characters of SHA-256 of its raw bytes."""
    return hashlib.sha256(_raw_key(public_key)).hexdigest()[:16]


# --- keys -----------------------------------------------------------------------------------------------------------


def generate_private_key_pem() -> bytes:
    key = Ed25519PrivateKey.generate()
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"not a PEM private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError("the signing key is not an Ed25519 key")
    return key


def public_key_b64(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return base64.b64encode(public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def public_key_pem(public_key: str) -> str:
    key = Ed25519PublicKey.from_public_bytes(_raw_key(public_key))
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_public_key(text: bytes | str) -> str:
    """A public key from PEM, or from the raw base64 form checkpoints carry; returned as raw base64."""
    data = text.encode() if isinstance(text, str) else text
    if b"-----BEGIN" in data:
        try:
            key = serialization.load_pem_public_key(data)
        except (ValueError, TypeError) as exc:
            raise CheckpointError(f"not a PEM public key: {exc}") from None
        if not isinstance(key, Ed25519PublicKey):
            raise CheckpointError("the public key is not an Ed25519 key")
        return public_key_b64(key)
    value = data.decode("ascii", errors="replace").strip()
    _raw_key(value)
    return value


def _raw_key(public_key: str) -> bytes:
    try:
        raw = base64.b64decode(public_key, validate=True)
    except (ValueError, TypeError):
        raise CheckpointError("a public key is not valid base64") from None
    if len(raw) != 32:
        raise CheckpointError("a public key is not a 32-byte Ed25519 key")
    return raw


# --- writing and reading ----------------------------------------------------------------------------------------------


def sign(
    key: Ed25519PrivateKey,
    *,
    sequence: int,
    head_hash: str,
    issued_at: str,
    previous: str,
    next_public_key: str | None = None,
) -> Checkpoint:
    unsigned = Checkpoint(
        sequence=sequence,
        head_hash=head_hash,
        issued_at=issued_at,
        previous=previous,
        public_key=public_key_b64(key),
        next_public_key=next_public_key,
    )
    return replace(unsigned, signature=base64.b64encode(key.sign(unsigned.signed_bytes())).decode())


def parse(text: str | bytes | Mapping[str, Any]) -> Checkpoint:
    """Read a checkpoint document (JSON text or an already decoded mapping); the shape is checked, not the signature."""
    if isinstance(text, Mapping):
        data: Any = dict(text)
    else:
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise CheckpointError(f"not a checkpoint (invalid JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CheckpointError(f"not a checkpoint (expected a JSON object with format {FORMAT!r})")
    expected = {
        "sequence",
        "head_hash",
        "issued_at",
        "previous",
        "public_key",
        "next_public_key",
        "signature",
        "format",
    }
    if set(data) != expected:
        unknown, missing = sorted(set(data) - expected), sorted(expected - set(data))
        raise CheckpointError(f"not a checkpoint (unknown fields {unknown}, missing fields {missing})")
    sequence = data["sequence"]
    if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 0:
        raise CheckpointError("checkpoint sequence must be a non-negative integer")
    for name in ("head_hash", "previous"):
        if not _is_sha256(data[name]):
            raise CheckpointError(f"checkpoint {name} must be 64 lowercase hex characters")
    for name in ("issued_at", "public_key", "signature"):
        if not isinstance(data[name], str) or not data[name]:
            raise CheckpointError(f"checkpoint {name} must be a non-empty string")
    if data["next_public_key"] is not None and not isinstance(data["next_public_key"], str):
        raise CheckpointError("checkpoint next_public_key must be a string or null")
    return Checkpoint(**data)


def _is_sha256(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= _HEX


def signature_valid(checkpoint: Checkpoint) -> bool:
    """The signature verifies with the key the checkpoint names (whether that key is trusted is a separate question)."""
    try:
        key = Ed25519PublicKey.from_public_bytes(_raw_key(checkpoint.public_key))
        key.verify(base64.b64decode(checkpoint.signature, validate=True), checkpoint.signed_bytes())
    except (InvalidSignature, CheckpointError, ValueError, TypeError):
        return False
    return True


def trusted_keys(anchors: Iterable[str], checkpoints: Iterable[Checkpoint]) -> set[str]:
    """The anchors plus every key a trusted key rotated to (forward only), through correctly signed checkpoints."""
    trusted = set(anchors)
    rotations = [cp for cp in checkpoints if cp.next_public_key and signature_valid(cp)]
    grew = True
    while grew:
        grew = False
        for cp in rotations:
            if cp.public_key in trusted and cp.next_public_key not in trusted:
                trusted.add(cp.next_public_key)  # type: ignore[arg-type]
                grew = True
    return trusted


def authenticate(checkpoints: Iterable[Checkpoint], anchors: Iterable[str]) -> list[Checkpoint]:
    """Every checkpoint's signature verifies and its signer is an anchor or was rotated to from one; else raise
    ``CheckpointError`` naming the first that is not."""
    listed = list(checkpoints)
    trusted = trusted_keys(anchors, listed)
    for cp in listed:
        if not signature_valid(cp):
            raise CheckpointError(f"checkpoint #{cp.sequence}: the signature does not verify (forged or altered)")
        if cp.public_key not in trusted:
            raise CheckpointError(
                f"checkpoint #{cp.sequence}: signed by key {cp.key_fingerprint}, which is not a trusted key "
                "(nor rotated to from one)"
            )
    return listed


def parse_expected_head(value: str) -> tuple[int, str]:
    """``SEQ:HASH`` as typed on a command line."""
    sequence, _, digest = value.partition(":")
    try:
        number = int(sequence)
    except ValueError:
        raise CheckpointError(f"expected SEQ:HASH, got {value!r}") from None
    digest = digest.strip().lower()
    if number < 0 or not _is_sha256(digest):
        raise CheckpointError(f"expected SEQ:HASH with a 64-character hex hash, got {value!r}")
    return number, digest


# --- in a PDF's XMP metadata ------------------------------------------------------------------------------------------

XMP_NAMESPACE = "urn:mlops-gov:audit-checkpoint:1"
_XMP_ELEMENT = "mlopsgov:auditCheckpoint"


def to_xmp(checkpoint: Checkpoint) -> bytes:
    """An RDF description carrying the checkpoint document, for a PDF's XMP metadata packet."""
    from xml.sax.saxutils import escape

    return (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description rdf:about="" xmlns:mlopsgov="{XMP_NAMESPACE}">'
        f"<{_XMP_ELEMENT}>{escape(checkpoint.to_json())}</{_XMP_ELEMENT}>"
        "</rdf:Description></rdf:RDF>"
    ).encode()


def from_xmp(xmp: bytes) -> Checkpoint:
    import re
    from xml.sax.saxutils import unescape

    match = re.search(rf"<{_XMP_ELEMENT}>(.*?)</{_XMP_ELEMENT}>".encode(), xmp, re.DOTALL)
    if match is None:
        raise CheckpointError("the document's XMP metadata carries no audit checkpoint")
    return parse(unescape(match.group(1).decode("utf-8")))
