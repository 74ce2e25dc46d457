"""The audit hash chain: canonical serialisation and verification. No Django imports.

hash_n = SHA-256( prev_hash_n || canonical_json(event_n without hash) ), with prev_hash_n = hash_{n-1} and the
genesis prev_hash a fixed string. Canonical JSON: sorted keys, no whitespace, UTF-8, no NaN/Infinity.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64

# The fields that are hashed, in the order they are read from storage.
HASHED_FIELDS = (
    "sequence",
    "occurred_at",
    "actor_id",
    "actor_name",
    "request_id",
    "channel",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "model_id",
    "model_name",
    "before",
    "after",
    "prev_hash",
)

_encoder = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_bytes(event: Mapping[str, Any]) -> bytes:
    return _encoder.encode({name: event[name] for name in HASHED_FIELDS}).encode("utf-8")


def compute_hash(event: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(event)).hexdigest()


def seal(event: Mapping[str, Any]) -> tuple[str, str]:
    """Return ``(canonical_text, hash)`` for a new event: the payload to store and its SHA-256."""
    payload = canonical_bytes(event)
    return payload.decode("utf-8"), hashlib.sha256(payload).hexdigest()


def to_json_safe(value: Any) -> Any:
    """Normalise a before/after snapshot so it survives a JSON round trip unchanged (what is hashed is stored)."""
    if isinstance(value, Mapping):
        return {str(key): to_json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_json_safe(item) for item in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


@dataclass(frozen=True)
class Break:
    sequence: int
    reason: str


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    head_sequence: int
    head_hash: str
    first_break: Break | None = None


def verify(events: Iterable[Mapping[str, Any]], *, expected_head: tuple[int, str] | None = None) -> VerifyResult:
    """Walk events in stored order; report the first edited, deleted, inserted or reordered event."""
    prev_hash = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    last_sequence = 0
    for event in events:
        sequence = event["sequence"]
        if sequence != expected_sequence:
            reason = f"sequence {sequence} follows {expected_sequence - 1}: " + (
                "events are missing (deleted)" if sequence > expected_sequence else "events are out of order"
            )
            return VerifyResult(False, checked, last_sequence, prev_hash, Break(sequence, reason))
        if event["prev_hash"] != prev_hash:
            reason = "prev_hash does not match the previous event's hash (an event was inserted, deleted or reordered)"
            return VerifyResult(False, checked, last_sequence, prev_hash, Break(sequence, reason))
        payload = canonical_bytes(event)
        if hashlib.sha256(payload).hexdigest() != event["hash"]:
            reason = "hash does not match the event's content (the event was edited)"
            return VerifyResult(False, checked, last_sequence, prev_hash, Break(sequence, reason))
        stored_payload = event.get("canonical")
        if stored_payload and stored_payload.encode("utf-8") != payload:
            reason = "the stored payload differs from the event's columns (the event was edited)"
            return VerifyResult(False, checked, last_sequence, prev_hash, Break(sequence, reason))
        prev_hash = event["hash"]
        last_sequence = sequence
        expected_sequence += 1
        checked += 1
    return check_head(checked, last_sequence, prev_hash, expected_head)


def check_head(checked: int, last_sequence: int, prev_hash: str, expected_head: tuple[int, str] | None) -> VerifyResult:
    """The result of a walk that ended at ``last_sequence`` with hash ``prev_hash``, held against the recorded head."""
    if expected_head is not None and expected_head[0] != last_sequence:
        head_seq, _ = expected_head
        if last_sequence < head_seq:
            reason = f"the chain ends at {last_sequence} but the recorded head is at {head_seq} (tail deleted)"
            return VerifyResult(False, checked, last_sequence, prev_hash, Break(last_sequence + 1, reason))
        reason = (
            f"the chain continues to {last_sequence} past the recorded head at {head_seq} "
            f"(event {head_seq + 1} was inserted outside the audit service)"
        )
        return VerifyResult(False, checked, last_sequence, prev_hash, Break(head_seq + 1, reason))
    if expected_head is not None and expected_head[1] != prev_hash:
        reason = "the last event's hash differs from the recorded head hash"
        return VerifyResult(False, checked, last_sequence, prev_hash, Break(last_sequence, reason))
    return VerifyResult(True, checked, last_sequence, prev_hash)


@dataclass(frozen=True)
class PayloadChunk:
    """Consecutive events as the database concatenates them: ``count`` events, their stored payloads joined by
    newlines (a canonical payload never contains a raw newline: JSON escapes control characters), their stored hashes
    and their ``prev_hash`` values, each joined without separator (64 hex characters apiece)."""

    count: int
    payloads: bytes
    hashes: str
    prev_hashes: str


def verify_payload_chunks(
    chunks: Iterable[PayloadChunk], *, expected_head: tuple[int, str] | None = None
) -> VerifyResult | None:
    """Fast path over stored payloads, for events numbered 1..N without gaps (the caller checks that) whose columns
    are derived from their payloads by the database. Hashes every payload and compares hashes and links a chunk at a
    time (one comparison of joined bytes, not one per event).

    Returns a verified result, or ``None`` when a chunk does not check out: the caller then walks the chain event by
    event (``verify``), which names the first broken event and why.
    """
    sha256 = hashlib.sha256
    previous = GENESIS_HASH
    checked = 0
    for chunk in chunks:
        payloads = chunk.payloads.split(b"\n")
        if chunk.count == 0 or len(payloads) != chunk.count:
            return None
        hashes = b"".join([sha256(payload).digest() for payload in payloads]).hex()
        if hashes != chunk.hashes or chunk.prev_hashes != previous + hashes[:-64]:
            return None
        previous = hashes[-64:]
        checked += chunk.count
    return check_head(checked, checked, previous, expected_head)
