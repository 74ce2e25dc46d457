"""The audit export an outside auditor verifies offline (``python -m registry.domain.hashchain verify``): JSON Lines,
a header with the recorded head, then every event's stored canonical payload and hash, in sequence order."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connection, transaction
from django.utils import timezone

from registry.audit.record import _iso
from registry.domain import hashchain
from registry.models import AuditChainHead, AuditEvent


def export_lines(chunk_size: int = 5000) -> Iterator[str]:
    """The export, line by line (no newlines), read from one snapshot so the head and the events agree."""
    with transaction.atomic():
        if connection.vendor == "postgresql" and not connection.savepoint_ids:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        head = AuditChainHead.objects.filter(pk=1).values_list("sequence", "hash").first() or (
            0,
            hashchain.GENESIS_HASH,
        )
        yield hashchain.export_header(head[0], head[1], _iso(timezone.now()))
        # Ordered by the primary key, not the sequence: a forged or reordered sequence is the verifier's to find.
        last = 0
        while True:
            rows = list(
                AuditEvent.objects.filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", "canonical", "hash")[:chunk_size]
            )
            if not rows:
                return
            for _, canonical, digest in rows:
                yield hashchain.export_line(canonical, digest)
            last = rows[-1][0]
