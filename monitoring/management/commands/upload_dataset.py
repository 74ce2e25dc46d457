"""Upload a reference dataset or a current batch from the command line (same validation and audit as the API)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from mlops_gov.context import acting
from mlops_gov.errors import DomainError


class Command(BaseCommand):
    help = "Upload a dataset (CSV or Parquet) for a model version: upload_dataset MODEL VERSION FILE --kind ..."

    def add_arguments(self, parser):
        parser.add_argument("model")
        parser.add_argument("version", type=int)
        parser.add_argument("file")
        parser.add_argument("--kind", choices=["reference", "current"], required=True)
        parser.add_argument("--user", required=True, help="Username the upload is recorded under.")
        for role in ("target", "prediction", "id", "timestamp"):
            parser.add_argument(f"--{role}", default="", help=f"The {role} column.")
        parser.add_argument("--no-check", action="store_true", help="Do not queue a drift check for a current batch.")

    def handle(self, *args, **options):
        from monitoring import services
        from registry.models import ModelVersion

        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user '{options['user']}'.")
        version = (
            ModelVersion.objects.select_related("model")
            .filter(model__name=options["model"], version=options["version"])
            .first()
        )
        if version is None:
            raise CommandError(f"No version {options['version']} of model '{options['model']}'.")
        path = Path(options["file"])
        try:
            if path.stat().st_size > settings.MLOPS_GOV["UPLOAD_MAX_BYTES"]:
                raise CommandError(f"{path} is larger than the upload limit.")
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from None
        roles = {r: options[r] for r in ("target", "prediction", "id", "timestamp")}
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
