"""Where checkpoints are published, outside the database. Each sink kind lists its targets from the settings and
sends one checkpoint to one target, raising on failure (the caller retries and finally alerts).

The registry brings two kinds: ``directory`` (write-once files, meant for a WORM volume or an object-lock bucket
mount) and ``email`` (auditors). Other apps plug theirs in with ``register_sink`` (monitoring adds ``webhook``,
through its signed, SSRF-safe sender), as gates plug into promotions: the registry imports no other app.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail

from mlops_gov.roles import ROLE_AUDITOR
from registry.domain import checkpoint as cp

if TYPE_CHECKING:
    from registry.models import AuditCheckpoint


class SinkError(Exception):
    """Publishing failed; the message says why."""


@dataclass(frozen=True)
class Sink:
    targets: Callable[[], list[str]]
    publish: Callable[[AuditCheckpoint, str], None]


_sinks: dict[str, Sink] = {}


def register_sink(kind: str, *, targets: Callable[[], list[str]], publish: Callable[..., None]) -> None:
    _sinks[kind] = Sink(targets, publish)


def all_targets() -> list[tuple[str, str]]:
    return [(kind, target) for kind, sink in _sinks.items() for target in sink.targets()]


def publish(kind: str, checkpoint: AuditCheckpoint, target: str) -> None:
    sink = _sinks.get(kind)
    if sink is None:
        raise SinkError(f"no sink of kind {kind!r} is installed")
    sink.publish(checkpoint, target)


def file_name(checkpoint: AuditCheckpoint) -> str:
    return f"checkpoint-{checkpoint.sequence:012d}-{checkpoint.digest[:16]}.json"


# --- directory --------------------------------------------------------------------------------------------------------


def _directory_targets() -> list[str]:
    directory = settings.AUDIT_CHECKPOINT["DIRECTORY"]
    return [directory] if directory else []


def _write_once(path: Path, content: bytes) -> None:
    """Create ``path`` with ``content``; never overwrite. An existing identical file is a success (a retry)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    except FileExistsError:
        if path.read_bytes() != content:
            raise SinkError(f"{path} exists with different content; published files are never overwritten") from None
        return
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())


def _publish_to_directory(checkpoint: AuditCheckpoint, target: str) -> None:
    directory = Path(target)
    if not directory.is_dir():
        raise SinkError(f"the checkpoint directory {directory} does not exist or is not a directory")
    try:
        key_file = directory / f"public-key-{cp.fingerprint(checkpoint.public_key)}.pem"
        _write_once(key_file, cp.public_key_pem(checkpoint.public_key).encode())
        _write_once(directory / file_name(checkpoint), checkpoint.document.encode() + b"\n")
    except OSError as exc:
        raise SinkError(f"could not write to {directory}: {exc}") from None


# --- e-mail -----------------------------------------------------------------------------------------------------------


def _email_targets() -> list[str]:
    addresses: list[str] = []
    for entry in settings.AUDIT_CHECKPOINT["EMAILS"]:
        if entry == "auditors":
            auditors = get_user_model().objects.filter(is_active=True, groups__name=ROLE_AUDITOR).exclude(email="")
            addresses += sorted(auditors.values_list("email", flat=True).distinct())
        else:
            addresses.append(entry)
    return list(dict.fromkeys(addresses))


def _publish_by_email(checkpoint: AuditCheckpoint, target: str) -> None:
    subject = f"[{settings.MLOPS_GOV['SITE_NAME']}] audit checkpoint #{checkpoint.sequence}"
    body = (
        f"The audit chain's head at event #{checkpoint.sequence} is {checkpoint.head_hash}.\n"
        f"Signed by key {cp.fingerprint(checkpoint.public_key)} at {checkpoint.document and checkpoint.issued_at}.\n\n"
        "Keep this message: it lets you hold the audit trail to this head later, e.g.\n"
        f"  manage.py verify_audit --checkpoint {file_name(checkpoint)}\n"
        f"  python -m registry.domain.hashchain verify EXPORT.jsonl --checkpoint {file_name(checkpoint)} "
        "--public-key KEY.pem\n\n"
        f"Checkpoint ({file_name(checkpoint)}):\n{checkpoint.document}\n\n"
        f"Public key:\n{cp.public_key_pem(checkpoint.public_key)}"
    )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [target])


register_sink("directory", targets=_directory_targets, publish=_publish_to_directory)
register_sink("email", targets=_email_targets, publish=_publish_by_email)
