"""The audit hash chain: canonical serialisation and verification. No Django imports.

hash_n = SHA-256( prev_hash_n || canonical_json(event_n without hash) ), with prev_hash_n = hash_{n-1} and the
genesis prev_hash a fixed string. Canonical JSON: sorted keys, no whitespace, UTF-8, no NaN/Infinity.

Run as a program it is the offline verifier an outside auditor uses on an audit export (JSON Lines), with Python and
the ``cryptography`` package only::

    python -m registry.domain.hashchain verify EXPORT.jsonl --checkpoint CP.json --public-key KEY.pem
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
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


def check_anchors(
    result: VerifyResult, anchors: Iterable[tuple[int, str]], hash_at: Callable[[int], str | None]
) -> VerifyResult:
    """Hold a verified chain to heads recorded outside it (checkpoints, ``SEQ:HASH``): each must be the hash of the
    event at its sequence. A chain whose tail was deleted, or whose history was rewritten with every later hash
    recomputed, is consistent in itself but no longer holds an earlier head."""
    if not result.ok:
        return result
    for sequence, expected in sorted(set(anchors)):
        if sequence > result.head_sequence:
            reason = (
                f"the chain ends at #{result.head_sequence} but a checkpoint holds head #{sequence} "
                "(events were deleted from the tail)"
            )
            return VerifyResult(False, result.checked, result.head_sequence, result.head_hash, Break(sequence, reason))
        actual = GENESIS_HASH if sequence == 0 else hash_at(sequence)
        if actual != expected:
            reason = (
                f"event #{sequence} does not have the checkpoint's head hash {expected[:16]}... "
                "(history up to it was rewritten)"
            )
            return VerifyResult(False, result.checked, result.head_sequence, result.head_hash, Break(sequence, reason))
    return result


# --- the audit export and the offline verifier ------------------------------------------------------------------------

EXPORT_FORMAT = "mlops-gov-audit-export/1"


def export_header(head_sequence: int, head_hash: str, exported_at: str) -> str:
    """The first line of an export: the head the server had recorded when it wrote the export."""
    return json.dumps(
        {"format": EXPORT_FORMAT, "head": {"sequence": head_sequence, "hash": head_hash}, "exported_at": exported_at},
        sort_keys=True,
        separators=(",", ":"),
    )


def export_line(canonical: str, digest: str) -> str:
    return json.dumps({"canonical": canonical, "hash": digest}, ensure_ascii=False, separators=(",", ":"))


class ExportError(ValueError):
    """The export file is not in the export format."""


def read_export(lines: Iterable[str]) -> tuple[tuple[int, str] | None, Iterable[dict[str, Any]]]:
    """The recorded head from the header line (None without one) and the events, in file order, as ``verify`` reads
    them: every hashed field from the stored payload, plus the stored payload and hash."""
    iterator = iter(lines)
    first = next(iterator, "")
    head: tuple[int, str] | None = None
    pending: list[str] = []
    try:
        header = json.loads(first) if first.strip() else None
    except ValueError:
        raise ExportError("line 1 is not JSON") from None
    if isinstance(header, dict) and header.get("format") == EXPORT_FORMAT:
        try:
            head = (int(header["head"]["sequence"]), str(header["head"]["hash"]))
        except (KeyError, TypeError, ValueError):
            raise ExportError("line 1: the export header names no head (sequence and hash)") from None
    elif first.strip():
        pending.append(first)

    def events() -> Iterable[dict[str, Any]]:
        for number, line in enumerate([*pending, *iterator], start=2 if head else 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                canonical, digest = row["canonical"], row["hash"]
                event = json.loads(canonical)
                if not isinstance(event, dict) or not isinstance(canonical, str):
                    raise ValueError
                missing = [name for name in HASHED_FIELDS if name not in event]
            except (ValueError, KeyError, TypeError):
                raise ExportError(f"line {number} is not an exported event (JSON with canonical and hash)") from None
            if missing:
                event.update({name: None for name in missing})  # then the payload no longer matches: a break
            event["hash"], event["canonical"] = digest, canonical
            yield event

    return head, events()


def verify_export(lines: Iterable[str], *, anchors: Iterable[tuple[int, str]] = ()) -> VerifyResult:
    """Verify an export as ``verify_audit`` verifies the database: every payload against its hash, every link, the
    end against the recorded head, then the anchors."""
    anchors = list(anchors)
    head, events = read_export(lines)
    hashes: dict[int, str] = {}
    wanted = {sequence for sequence, _ in anchors}

    def remembered() -> Iterable[dict[str, Any]]:
        for event in events:
            if event.get("sequence") in wanted:
                hashes[event["sequence"]] = event["hash"]
            yield event

    return check_anchors(verify(remembered(), expected_head=head), anchors, hashes.get)


def _main(argv: Sequence[str]) -> int:
    import argparse

    from registry.domain import checkpoint as cp

    parser = argparse.ArgumentParser(prog="python -m registry.domain.hashchain", description="Verify an audit export.")
    commands = parser.add_subparsers(dest="command", required=True)
    verify_cmd = commands.add_parser("verify", help="verify an audit export (JSON Lines) offline")
    verify_cmd.add_argument("export", help="the audit export, JSON Lines")
    verify_cmd.add_argument("--checkpoint", action="append", default=[], help="a signed checkpoint file (repeatable)")
    verify_cmd.add_argument("--public-key", action="append", default=[], help="a trusted public key, PEM (repeatable)")
    verify_cmd.add_argument("--expect-head", action="append", default=[], metavar="SEQ:HASH", help="(repeatable)")
    args = parser.parse_args(argv)
    try:
        anchors = [cp.parse_expected_head(value) for value in args.expect_head]
        if args.checkpoint and not args.public_key:
            raise cp.CheckpointError("--checkpoint needs --public-key: the key you trust to have signed it")
        keys = [cp.load_public_key(_read(path)) for path in args.public_key]
        checkpoints = [c for path in args.checkpoint for c in read_checkpoints(_read(path))]
        cp.authenticate(checkpoints, keys)
        anchors += [(c.sequence, c.head_hash) for c in checkpoints]
        with open(args.export, encoding="utf-8") as export:
            result = verify_export(export, anchors=anchors)
    except (cp.CheckpointError, ExportError, OSError, UnicodeDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not result.ok:
        assert result.first_break is not None
        print(f"audit export BROKEN at event #{result.first_break.sequence}: {result.first_break.reason}")
        return 1
    held = f"; holds {len(anchors)} anchored head(s)" if anchors else ""
    print(f"audit export intact: {result.checked} events, head #{result.head_sequence} {result.head_hash}{held}")
    return 0


def read_checkpoints(text: bytes) -> list[Any]:
    """A checkpoint file: one JSON document, or JSON Lines of several (a published chain)."""
    from registry.domain import checkpoint as cp

    stripped = text.strip()
    try:
        return [cp.parse(stripped)]
    except cp.CheckpointError:
        lines = [line for line in stripped.splitlines() if line.strip()]
        if len(lines) < 2:
            raise
        return [cp.parse(line) for line in lines]


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
