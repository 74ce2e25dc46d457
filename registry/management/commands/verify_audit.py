"""Re-compute the audit hash chain. Exit 0 with the head when intact; exit 1 with one line naming the first broken
event, or the checkpoint the chain no longer holds.

Anchored verification holds the chain to heads recorded outside the database, which catches what a consistent
chain hides (a deleted tail with the head row set back, a history rewritten with every later hash recomputed):
``--expect-head SEQ:HASH``, ``--checkpoint FILE`` (signature checked) and ``--against REPORT.pdf`` (the checkpoint a
governance report carries), each repeatable.
"""

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand

from registry.audit import audit_verify, checkpoints
from registry.audit.pdf import checkpoint_from_pdf
from registry.domain import checkpoint as cp
from registry.domain import hashchain


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain end to end, optionally against checkpoints kept elsewhere."

    def add_arguments(self, parser):
        parser.add_argument(
            "--independent",
            action="store_true",
            help="hash every payload here in Python rather than with the database's SHA-256 (slower)",
        )
        parser.add_argument("--expect-head", action="append", default=[], metavar="SEQ:HASH", help="(repeatable)")
        parser.add_argument("--checkpoint", action="append", default=[], metavar="FILE", help="(repeatable)")
        parser.add_argument("--against", action="append", default=[], metavar="REPORT.pdf", help="(repeatable)")
        parser.add_argument(
            "--public-key",
            action="append",
            default=[],
            metavar="KEY.pem",
            help="trust checkpoints signed by this key (or rotated to from it) rather than the server's own key",
        )

    def handle(self, *args, **options):
        try:
            anchors = self._anchors(options)
        except (cp.CheckpointError, hashchain.ExportError, OSError) as exc:
            self.stderr.write(f"audit chain NOT verified: {exc}")
            sys.exit(1)
        started = time.perf_counter()
        result = audit_verify(independent=options["independent"], anchors=anchors)
        elapsed = time.perf_counter() - started
        if result.ok:
            held = f", holds {len(set(anchors))} anchored head(s)" if anchors else ""
            self.stdout.write(
                f"audit chain intact: {result.checked} events, head #{result.head_sequence} {result.head_hash}"
                f"{held} ({elapsed:.2f}s)"
            )
            return
        brk = result.first_break
        assert brk is not None, "a failed verification names its first break"
        self.stderr.write(f"audit chain BROKEN at event #{brk.sequence}: {brk.reason}")
        sys.exit(1)

    def _anchors(self, options) -> list[tuple[int, str]]:
        anchors = [cp.parse_expected_head(value) for value in options["expect_head"]]
        signed = []
        for path in options["checkpoint"]:
            signed += [(path, item) for item in hashchain.read_checkpoints(Path(path).read_bytes())]
        for path in options["against"]:
            signed.append((path, checkpoint_from_pdf(Path(path))))
        if signed:
            if options["public_key"]:
                trusted = {cp.load_public_key(Path(path).read_bytes()) for path in options["public_key"]}
            else:
                trusted = checkpoints.trusted_public_keys()
            every = [item for _, item in signed]
            for path, item in signed:
                try:
                    cp.authenticate([item], cp.trusted_keys(trusted, every))
                except cp.CheckpointError as exc:
                    raise cp.CheckpointError(f"{path}: {exc}") from None
            anchors += [(item.sequence, item.head_hash) for _, item in signed]
        return anchors
