"""Register a dataset by URI from the command line (same checks and audit as the API): a worker reads it where it
lives, or this process does with --now."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from mlops_gov.context import acting
from mlops_gov.errors import DomainError
from monitoring.management import dataset_arguments


class Command(BaseCommand):
    help = "Register a dataset where it lives: register_dataset MODEL VERSION URI --kind reference|current --user NAME"

    def add_arguments(self, parser):
        dataset_arguments.add_arguments(
            parser,
            source=("uri", "s3://, gs://, abfss:// or an allow-listed file:// URI (no credentials)."),
            recorded_as="registration",
        )
        parser.add_argument("--now", action="store_true", help="Read it in this process instead of a worker.")

    def handle(self, *args, **options):
        from monitoring import services
        from monitoring.models import DatasetImport

        user, version, roles = dataset_arguments.resolve(options)
        try:
            with acting(channel="cli", actor=user):
                job = services.dataset_import_request(
                    version=version,
                    kind=options["kind"],
                    uri=options["uri"],
                    actor=user,
                    roles=roles,
                    run_check=not options["no_check"],
                )
                if options["now"]:
                    services.dataset_import_run(import_id=job.pk)
        except (DomainError, ValidationError) as exc:
            raise CommandError(str(exc)) from None
        if not options["now"]:
            self.stdout.write(f"dataset import #{job.pk} queued: {job.uri}")
            return
        job = DatasetImport.objects.select_related("dataset").get(pk=job.pk)
        if job.dataset is None:
            raise CommandError(f"dataset import #{job.pk} failed: {job.error}")
        dataset = job.dataset
        self.stdout.write(
            f"dataset #{dataset.pk}: {dataset.kind}, {dataset.n_rows} rows, {dataset.n_columns} columns, "
            f"sha256 {dataset.sha256}, from {job.uri}"
        )
