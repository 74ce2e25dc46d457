"""Re-compute the audit hash chain. Exit 0 with the head when intact; exit 1 naming the first broken event."""

import sys
import time

from django.core.management.base import BaseCommand

from registry.audit import audit_verify


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain end to end."

    def add_arguments(self, parser):
        parser.add_argument(
            "--independent",
            action="store_true",
            help="hash every payload here in Python rather than with the database's SHA-256 (slower)",
        )

    def handle(self, *args, **options):
        started = time.perf_counter()
        result = audit_verify(independent=options["independent"])
        elapsed = time.perf_counter() - started
        if result.ok:
            self.stdout.write(
                f"audit chain intact: {result.checked} events, head #{result.head_sequence} {result.head_hash} "
                f"({elapsed:.2f}s)"
            )
            return
        brk = result.first_break
        self.stderr.write(f"audit chain BROKEN at event #{brk.sequence}: {brk.reason}")
        sys.exit(1)
