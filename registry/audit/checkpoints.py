"""Signed checkpoints of the audit chain: write them, publish them outside the database, hold the chain to them.

Design (docs/audit-checkpoints.md): a checkpoint is not an audit event. Recording one as an event would move the
head it has just signed, so every scheduled run would find a moved head and sign again, forever. Checkpoints form
their own chain instead (each names the previous one's digest, and each is signed), they are stored in their own
table and published to sinks outside the database. What *is* audited: a key rotation is itself a signed checkpoint
naming the new key, and a publication that keeps failing is an audit event (``audit.checkpoint_publish_failed``),
which the next checkpoint then covers.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import transaction
from django.db.models import Subquery
from django.utils import timezone

from registry import tasks
from registry.audit import sinks
from registry.audit.record import _iso, audit_record
from registry.audit.verify import audit_verify
from registry.domain import checkpoint as cp
from registry.domain import hashchain
from registry.models import (
    AuditChainHead,
    AuditCheckpoint,
    CheckpointPublication,
    CheckpointTrigger,
    PublicationStatus,
)

logger = logging.getLogger(__name__)


class CheckpointRefused(Exception):
    """A checkpoint cannot be written (no usable key, a key change without rotation); the message says why."""


# --- the signing key ------------------------------------------------------------------------------------------------


def signing_key() -> Ed25519PrivateKey:
    path = Path(settings.AUDIT_SIGNING_KEY_FILE)
    if not path.exists() and settings.AUDIT_SIGNING_KEY_GENERATE:
        _write_new_key(path)
    try:
        return cp.load_private_key(path.read_bytes())
    except OSError as exc:
        raise CheckpointRefused(f"AUDIT_SIGNING_KEY_FILE cannot be read: {exc}") from None
    except cp.CheckpointError as exc:
        raise CheckpointRefused(f"AUDIT_SIGNING_KEY_FILE ({path}): {exc}") from None


def _write_new_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(cp.generate_private_key_pem())


def public_key() -> str:
    return cp.public_key_b64(signing_key())


def public_key_info() -> dict[str, str]:
    """What the audit page, the API and reports show: the key, its PEM and a short fingerprint."""
    key = public_key()
    return {"public_key": key, "fingerprint": cp.fingerprint(key), "pem": cp.public_key_pem(key)}


def trusted_public_keys() -> set[str]:
    """The keys the server holds checkpoints to by default: the configured key and, back through the stored rotation
    checkpoints, the keys that handed over to it. An auditor independent of this server passes their own public key
    (``verify_audit --public-key``) instead."""
    trusted = {public_key()}
    rotations = [
        cp.parse(document)
        for document in AuditCheckpoint.objects.exclude(next_public_key="").values_list("document", flat=True)
    ]
    grew = True
    while grew:
        grew = False
        for rotation in rotations:
            handed_over = rotation.next_public_key in trusted and rotation.public_key not in trusted
            if handed_over and cp.signature_valid(rotation):
                trusted.add(rotation.public_key)
                grew = True
    return trusted


# --- writing ----------------------------------------------------------------------------------------------------------


def checkpoint_latest() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.order_by("-id").first()


def checkpoint_write(
    *,
    trigger: str = CheckpointTrigger.COMMAND,
    only_if_moved: bool = False,
    rotate_to: Ed25519PrivateKey | None = None,
    new_key_chain: bool = False,
) -> AuditCheckpoint | None:
    """Sign the current head and store the checkpoint; its publications go out after commit. ``only_if_moved``
    (the schedule) writes nothing when the latest checkpoint already holds the head. ``rotate_to`` names the next
    key in a checkpoint signed with the current one. A key that is neither the last signer nor the key it rotated to
    is refused unless ``new_key_chain`` (a lost key: earlier checkpoints then no longer vouch for the new one)."""
    key = signing_key()
    signer = cp.public_key_b64(key)
    targets = sinks.all_targets()  # read before taking the head lock, which appends wait on
    with transaction.atomic():
        # The head row lock serialises checkpoint writers with appends: the head signed is the head stored.
        sequence, head_hash, last = _lock_head_with_last_checkpoint()
        unmoved = last is not None and (last["sequence"], last["head_hash"]) == (sequence, head_hash)
        if only_if_moved and rotate_to is None and unmoved:
            return None
        if last is not None and not new_key_chain and signer not in {last["public_key"], last["next_public_key"]}:
            raise CheckpointRefused(
                f"the signing key {cp.fingerprint(signer)} is not the key of the last checkpoint "
                f"({cp.fingerprint(last['public_key'])}) nor the key it rotated to: rotate with --rotate-to, or start "
                "a new key chain with --new-key-chain if the old key is lost"
            )
        signed = cp.sign(
            key,
            sequence=sequence,
            head_hash=head_hash,
            issued_at=_iso(timezone.now()),
            previous=last["digest"] if last is not None else cp.GENESIS,
            next_public_key=cp.public_key_b64(rotate_to) if rotate_to is not None else None,
        )
        checkpoint = AuditCheckpoint.objects.create(
            sequence=signed.sequence,
            head_hash=signed.head_hash,
            issued_at=dt.datetime.fromisoformat(signed.issued_at),
            previous=signed.previous,
            digest=signed.digest(),
            public_key=signed.public_key,
            next_public_key=signed.next_public_key or "",
            document=signed.to_json(),
            trigger=CheckpointTrigger.ROTATION if rotate_to is not None else trigger,
        )
        publications = CheckpointPublication.objects.bulk_create(
            CheckpointPublication(checkpoint=checkpoint, sink=kind, target=target[:500]) for kind, target in targets
        )
        ids = [publication.pk for publication in publications]
        if ids:
            transaction.on_commit(lambda: _enqueue(ids))
    return checkpoint


_LAST_FIELDS = ("digest", "sequence", "head_hash", "public_key", "next_public_key")


def _lock_head_with_last_checkpoint() -> tuple[int, str, dict[str, Any] | None]:
    """Lock the chain head and read the latest checkpoint in one round trip (a checkpoint write is a handful of them;
    each counts under load)."""
    latest = AuditCheckpoint.objects.order_by("-id")
    head = (
        AuditChainHead.objects.select_for_update()
        .filter(pk=1)
        .annotate(**{f"last_{name}": Subquery(latest.values(name)[:1]) for name in _LAST_FIELDS})
        .values("sequence", "hash", *(f"last_{name}" for name in _LAST_FIELDS))
        .first()
    )
    if head is None:
        return 0, hashchain.GENESIS_HASH, None
    last = {name: head[f"last_{name}"] for name in _LAST_FIELDS}
    return head["sequence"], head["hash"], last if last["digest"] is not None else None


def _enqueue(ids: list[int]) -> None:
    for pk in ids:
        tasks.publish_checkpoint.delay(pk)


# --- publishing -------------------------------------------------------------------------------------------------------

RETRY_BASE_SECONDS = 30


def checkpoint_publish(*, publication_id: int) -> CheckpointPublication | None:
    """One attempt to send one checkpoint to one sink target. A failure is retried with back-off; after the last
    attempt the publication fails loudly: an error log line and an audit event (shown on the audit page)."""
    now = timezone.now()
    with transaction.atomic():
        publication = (
            CheckpointPublication.objects.select_for_update(of=("self",))
            .select_related("checkpoint")
            .filter(pk=publication_id)
            .first()
        )
        if publication is None or publication.status != PublicationStatus.PENDING:
            return publication
        if publication.next_attempt_at and publication.next_attempt_at > now:
            return publication
        publication.attempts += 1
        publication.next_attempt_at = now + dt.timedelta(minutes=5)  # claimed: no concurrent second send
        publication.save(update_fields=["attempts", "next_attempt_at"])
    error = ""
    try:
        sinks.publish(publication.sink, publication.checkpoint, publication.target)
    except Exception as exc:  # noqa: BLE001 - every sink failure is recorded, retried and finally alerted
        error = str(exc) if isinstance(exc, sinks.SinkError) else f"{type(exc).__name__}: {exc}"
    with transaction.atomic():
        publication = CheckpointPublication.objects.select_for_update().get(pk=publication_id)
        if not error:
            publication.status, publication.published_at = PublicationStatus.SUCCEEDED, timezone.now()
            publication.last_error, publication.next_attempt_at = "", None
            publication.save()
            return publication
        publication.last_error = error[:2000]
        if publication.attempts >= settings.AUDIT_CHECKPOINT["MAX_ATTEMPTS"]:
            publication.status, publication.next_attempt_at = PublicationStatus.FAILED, None
            publication.save()
            logger.error(
                "audit checkpoint #%s could not be published to %s %s after %s attempts: %s",
                publication.checkpoint.sequence,
                publication.sink,
                publication.target,
                publication.attempts,
                error,
            )
            audit_record(
                action="audit.checkpoint_publish_failed",
                obj=publication,
                object_repr=f"checkpoint #{publication.checkpoint.sequence} -> {publication.sink}",
                after={"sink": publication.sink, "attempts": publication.attempts, "error": error[:500]},
            )
        else:
            publication.next_attempt_at = timezone.now() + dt.timedelta(
                seconds=RETRY_BASE_SECONDS * 2 ** (publication.attempts - 1)
            )
            publication.save()
    return publication


def checkpoint_tick(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The scheduled run (every minute, ``registry.builtin``): sign the head when it moved and the last checkpoint is
    ``AUDIT_CHECKPOINT_INTERVAL_MINUTES`` old, and resend the publications whose retry is due (so a failed or lost
    send is retried within a minute of its back-off, whatever the checkpoint interval)."""
    now = now or timezone.now()
    last = checkpoint_latest()
    interval = dt.timedelta(minutes=settings.AUDIT_CHECKPOINT["INTERVAL_MINUTES"])
    written = None
    if last is None or last.issued_at <= now - interval:
        written = checkpoint_write(trigger=CheckpointTrigger.SCHEDULE, only_if_moved=True)
    due = list(
        CheckpointPublication.objects.filter(status=PublicationStatus.PENDING, next_attempt_at__lte=now).values_list(
            "pk", flat=True
        )[:500]
    )
    _enqueue(due)
    return {"written": int(written is not None), "resent": len(due)}


def publications_failing() -> int:
    return CheckpointPublication.objects.filter(status=PublicationStatus.FAILED).count()


# --- holding the chain to checkpoints ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchored:
    ok: bool
    message: str
    result: hashchain.VerifyResult | None = None


def checkpoint_check(document: str, *, trusted: set[str] | None = None) -> Anchored:
    """Whether the chain still holds a pasted or uploaded checkpoint: signature, signer and head."""
    try:
        checkpoint = cp.parse(document.strip())
        anchors = trusted if trusted is not None else trusted_public_keys()
        stored = [cp.parse(text) for text in AuditCheckpoint.objects.values_list("document", flat=True)]
        cp.authenticate([checkpoint], cp.trusted_keys(anchors, stored))
    except cp.CheckpointError as exc:
        return Anchored(False, f"Checkpoint refused: {exc}.")
    result = audit_verify(anchors=[(checkpoint.sequence, checkpoint.head_hash)])
    if result.ok:
        return Anchored(
            True,
            f"The chain holds this checkpoint: event #{checkpoint.sequence} has hash {checkpoint.head_hash}, signed "
            f"by key {checkpoint.key_fingerprint} on {checkpoint.issued_at}.",
            result,
        )
    assert result.first_break is not None
    return Anchored(
        False,
        f"The chain does NOT hold this checkpoint: broken at event #{result.first_break.sequence}: "
        f"{result.first_break.reason}.",
        result,
    )
