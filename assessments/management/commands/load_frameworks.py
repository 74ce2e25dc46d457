"""Load the built-in maturity frameworks, or framework files given on the command line (YAML or JSON)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments import services
from mlops_gov.context import acting


class Command(BaseCommand):
    help = "Validate and load maturity frameworks (built-ins by default); a changed file becomes a new version."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="Framework files to load instead of the built-ins.")

    def handle(self, *args, files: list[str], **options):
        if files:
            try:
                payload = [(Path(name).name, Path(name).read_bytes()) for name in files]
            except OSError as exc:
                raise CommandError(str(exc)) from None
        else:
            payload = services.builtin_framework_files()
        with acting(channel="cli"):
            try:
                results = services.frameworks_load_files(files=payload, builtin=not files)
            except services.FrameworkInvalid as exc:
                raise CommandError(_("Nothing loaded:") + "\n  " + "\n  ".join(exc.errors)) from None
        for framework, created in results:
            state = _("loaded") if created else _("unchanged")
            count = framework.question_count
            self.stdout.write(
                ngettext(
                    "%(framework)s: %(state)s (%(count)d question)",
                    "%(framework)s: %(state)s (%(count)d questions)",
                    count,
                )
                % {"framework": f"{framework.slug} v{framework.version}", "state": state, "count": count}
            )
