"""The audit hash chain: canonical serialisation and verification. No Django imports.

hash_n = SHA-256( prev_hash_n || canonical_json(event_n without hash) ), with prev_hash_n = hash_{n-1} and the
genesis prev_hash a fixed string. Canonical JSON: sorted keys, no whitespace, UTF-8, no NaN/Infinity.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Iterator, Mapping
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
        recomputed = compute_hash(event)
        if recomputed != event["hash"]:
            reason = "hash does not match the event's content (the event was edited)"
            return VerifyResult(False, checked, last_sequence, prev_hash, Break(sequence, reason))
        prev_hash = event["hash"]
        last_sequence = sequence
        expected_sequence += 1
        checked += 1
    if expected_head is not None and expected_head[0] != last_sequence:
        head_seq, _ = expected_head
        reason = f"the chain ends at {last_sequence} but the recorded head is at {head_seq} (tail deleted)"
        return VerifyResult(False, checked, last_sequence, prev_hash, Break(last_sequence + 1, reason))
    if expected_head is not None and expected_head[1] != prev_hash:
        reason = "the last event's hash differs from the recorded head hash"
        return VerifyResult(False, checked, last_sequence, prev_hash, Break(last_sequence, reason))
    return VerifyResult(True, checked, last_sequence, prev_hash)


def iter_chunks(iterable: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
