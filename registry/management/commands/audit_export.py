"""Write the audit export (JSON Lines) for offline verification with ``python -m registry.domain.hashchain``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.audit.export import export_lines


class Command(BaseCommand):
    help = "Export every audit event's stored payload and hash (JSON Lines) for offline verification."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the file to write (refuses to overwrite)")

    def handle(self, *args: Any, **options: Any) -> None:
        count = -1
        try:
            with open(options["path"], "x", encoding="utf-8") as out:
                for line in export_lines():
                    out.write(line + "\n")
                    count += 1
        except OSError as exc:
            raise CommandError(f"cannot write {options['path']}: {exc.strerror}") from None
        self.stdout.write(f"{count} events exported to {options['path']}")
