"""Upload a reference dataset or a current batch from the command line (same validation and audit as the API)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from mlops_gov.context import acting
from mlops_gov.errors import DomainError
from monitoring.management import dataset_arguments


class Command(BaseCommand):
    help = "Upload a dataset (CSV or Parquet) for a model version: upload_dataset MODEL VERSION FILE --kind ..."

    def add_arguments(self, parser):
        dataset_arguments.add_arguments(parser, source=("file", "CSV or Parquet file."), recorded_as="upload")

    def handle(self, *args, **options):
        from monitoring import services

        user, version, roles = dataset_arguments.resolve(options)
        path = Path(options["file"])
        try:
            if path.stat().st_size > settings.MLOPS_GOV["UPLOAD_MAX_BYTES"]:
                raise CommandError(f"{path} is larger than the upload limit.")
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from None
        try:
            with acting(channel="cli", actor=user):
                dataset = services.dataset_upload(
                    version=version,
                    kind=options["kind"],
                    data=data,
                    filename=path.name,
                    actor=user,
                    roles=roles,
                    trigger_check=not options["no_check"],
                )
        except (DomainError, ValidationError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"dataset #{dataset.pk}: {dataset.kind}, {dataset.n_rows} rows, {dataset.n_columns} columns, "
            f"sha256 {dataset.sha256}"
        )
