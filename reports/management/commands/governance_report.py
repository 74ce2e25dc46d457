"""Write a governance report PDF from the command line (nothing stored; the export itself is audited)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from mlops_gov import context
from mlops_gov.errors import DomainError
from registry.models import RegisteredModel
from reports import selectors, services
from reports.choices import ReportVariant


class Command(BaseCommand):
    help = "Render the governance report of a model version (production by default) to a PDF file."

    def create_parser(self, prog_name, subcommand, **kwargs):
        # The interface is ``--version N``: let it replace Django's own ``--version`` flag.
        kwargs.setdefault("conflict_handler", "resolve")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("model", help="Registered model name, or 'portfolio' with --portfolio.")
        parser.add_argument("--version", type=int, default=None, help="Version number (default: production).")
        parser.add_argument("--output", required=True, help="Path of the PDF file to write.")
        parser.add_argument("--variant", choices=ReportVariant.values, default=ReportVariant.PDF_A)
        parser.add_argument("--portfolio", action="store_true", help="Write the portfolio report instead.")

    def handle(self, *args, model: str, version: int | None, output: str, variant: str, portfolio: bool, **kw):
        out = Path(output)
        if not out.parent.is_dir():
            raise CommandError(f"The directory of {out} does not exist.")
        with context.acting(channel="cli"):
            try:
                if portfolio:
                    rendered = services.portfolio_report_render(generated_by="cli", variant=variant)
                    target = None
                else:
                    registered = RegisteredModel.objects.filter(name=model).first()
                    if registered is None:
                        raise CommandError(f"No registered model named '{model}'.")
                    target = selectors.report_version(model=registered, version=version)
                    if target is None:
                        which = f"version {version}" if version else "production version"
                        raise CommandError(f"'{model}' has no {which}; use --version N.")
                    rendered = services.model_report_render(version=target, generated_by="cli", variant=variant)
            except DomainError as exc:
                raise CommandError(str(exc)) from exc
            out.write_bytes(rendered.pdf)
            digest = hashlib.sha256(rendered.pdf).hexdigest()
            services.report_export_record(rendered=rendered, version=target, variant=variant, destination=out.name)
        self.stdout.write(f"Wrote {out} ({len(rendered.pdf):,} bytes, SHA-256 {digest}).")
