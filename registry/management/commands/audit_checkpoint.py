"""Write a signed checkpoint of the audit chain's head now, and publish it to the configured sinks.

manage.py audit_checkpoint                       sign the head (even if the last checkpoint holds it)
manage.py audit_checkpoint --out CP.json         also write the checkpoint to a file
manage.py audit_checkpoint --public-key          print the public key (PEM) and exit
manage.py audit_checkpoint --generate-key PATH   write a new Ed25519 private key (PEM, mode 600) and exit
manage.py audit_checkpoint --rotate-to PATH      sign with the current key a checkpoint naming PATH's key
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mlops_gov.context import acting
from registry.audit import checkpoints
from registry.domain import checkpoint as cp
from registry.models import CheckpointTrigger


class Command(BaseCommand):
    help = "Write a signed checkpoint of the audit chain's head and publish it; or manage the signing key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", help="also write the checkpoint (JSON) to this file")
        parser.add_argument("--public-key", action="store_true", help="print the signing key's public key and exit")
        parser.add_argument("--generate-key", metavar="PATH", help="write a new private key to PATH and exit")
        parser.add_argument("--rotate-to", metavar="PATH", help="hand over to the private key in PATH")
        parser.add_argument(
            "--new-key-chain",
            action="store_true",
            help="sign with a key unrelated to the last checkpoint's (the old key is lost)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["generate_key"]:
            path = Path(options["generate_key"])
            try:
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except OSError as exc:
                raise CommandError(f"cannot create {path}: {exc.strerror}") from None
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(cp.generate_private_key_pem())
            self.stdout.write(f"new signing key written to {path}")
            return
        try:
            if options["public_key"]:
                self.stdout.write(checkpoints.public_key_info()["pem"].rstrip())
                return
            rotate_to = None
            if options["rotate_to"]:
                try:
                    rotate_to = cp.load_private_key(Path(options["rotate_to"]).read_bytes())
                except OSError as exc:
                    raise CommandError(f"cannot read {options['rotate_to']}: {exc.strerror}") from None
            with acting(channel="cli"):
                checkpoint = checkpoints.checkpoint_write(
                    trigger=CheckpointTrigger.COMMAND, rotate_to=rotate_to, new_key_chain=options["new_key_chain"]
                )
        except (checkpoints.CheckpointRefused, cp.CheckpointError) as exc:
            raise CommandError(str(exc)) from None
        assert checkpoint is not None
        if options["out"]:
            try:
                Path(options["out"]).write_text(checkpoint.document + "\n")
            except OSError as exc:
                raise CommandError(f"cannot write {options['out']}: {exc.strerror}") from None
        self.stdout.write(
            f"checkpoint #{checkpoint.sequence} {checkpoint.head_hash} signed by key "
            f"{cp.fingerprint(checkpoint.public_key)}; {checkpoint.publications.count()} publication(s) queued"
        )
        if rotate_to is not None:
            self.stdout.write(
                f"key rotation recorded: from now on sign with {options['rotate_to']} "
                "(set AUDIT_SIGNING_KEY_FILE to it and restart)"
            )
        self.stdout.write(checkpoint.document)
