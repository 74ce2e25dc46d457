"""Write a governance report PDF from the command line (nothing stored; the export itself is audited)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import formats, translation
from django.utils.translation import gettext as _

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
        parser.add_argument(
            "--language",
            default=None,
            help=f"The report's language: {', '.join(code for code, _name in settings.LANGUAGES)} or ko/en "
            f"(default: {settings.LANGUAGE_CODE}).",
        )

    def handle(
        self,
        *args,
        model: str,
        version: int | None,
        output: str,
        variant: str,
        portfolio: bool,
        language: str | None,
        **kw,
    ):
        out = Path(output)
        try:
            language = services.report_language(language or settings.LANGUAGE_CODE)
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        with translation.override(language):  # the command's own messages too
            self._write(out, model, version, variant, portfolio, language)

    def _write(self, out: Path, model: str, version: int | None, variant: str, portfolio: bool, language: str) -> None:
        if not out.parent.is_dir():
            raise CommandError(_("The directory of %(path)s does not exist.") % {"path": out})
        with context.acting(channel="cli"):
            try:
                if portfolio:
                    rendered = services.portfolio_report_render(generated_by="cli", variant=variant, language=language)
                    target = None
                else:
                    registered = RegisteredModel.objects.filter(name=model).first()
                    if registered is None:
                        raise CommandError(_("No registered model named '%(model)s'.") % {"model": model})
                    target = selectors.report_version(model=registered, version=version)
                    if target is None:
                        if version:
                            missing = _("'%(model)s' has no version %(version)s; use --version N.")
                        else:
                            missing = _("'%(model)s' has no production version; use --version N.")
                        raise CommandError(missing % {"model": model, "version": version})
                    rendered = services.model_report_render(
                        version=target, generated_by="cli", variant=variant, language=language
                    )
            except DomainError as exc:
                raise CommandError(str(exc)) from exc
            out.write_bytes(rendered.pdf)
            digest = hashlib.sha256(rendered.pdf).hexdigest()
            services.report_export_record(rendered=rendered, version=target, variant=variant, destination=out.name)
        self.stdout.write(
            _("Wrote %(path)s (%(size)s bytes, SHA-256 %(digest)s).")
            % {"path": out, "size": formats.number_format(len(rendered.pdf), force_grouping=True), "digest": digest}
        )
