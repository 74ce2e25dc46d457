"""Measure maturity from the evidence rules now (what Celery beat does daily): every model and the portfolio, or
the models named on the command line."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessments import services
from assessments.localise import label_text
from mlops_gov.context import acting
from mlops_gov.errors import DomainError
from registry.models import RegisteredModel


class Command(BaseCommand):
    help = "Measure maturity from the platform's own records (evidence rules); print what was observed."

    def add_arguments(self, parser):
        parser.add_argument("models", nargs="*", help="Model names (default: every model, then the portfolio).")

    def handle(self, *args, models: list[str], **options):
        with acting(channel="cli"):
            if not models:
                summary = services.measurements_take_all(trigger="cli")
                portfolio = summary["portfolio"]
                shown = _("no score") if portfolio is None else f"{portfolio * 100:.0f}%"
                self.stdout.write(
                    _("Measured %(count)s model(s); portfolio %(score)s.")
                    % {"count": summary["measured"], "score": shown}
                )
                if summary["failed"]:
                    raise CommandError(
                        _("Could not measure: %(models)s (see the log).") % {"models": ", ".join(summary["failed"])}
                    )
                return
            found = {m.name: m for m in RegisteredModel.objects.filter(name__in=models)}
            unknown = [name for name in models if name not in found]
            if unknown:
                raise CommandError(_("No model named: %(names)s.") % {"names": ", ".join(unknown)})
            for name in models:
                try:
                    measurement = services.measurement_take(model=found[name], trigger="cli")
                except DomainError as exc:
                    raise CommandError(f"{name}: {exc}") from None
                score = _("no score") if measurement.score is None else f"{measurement.score * 100:.0f}%"
                counts = (measurement.result or {}).get("counts", {})
                label = label_text(measurement.framework.definition, measurement.label) if measurement.label else ""
                self.stdout.write(
                    _(
                        "%(model)s: measured %(score)s (%(label)s), %(observed)s questions observed: "
                        "%(yes)s yes, %(partly)s partly, %(no)s no"
                    )
                    % {
                        "model": name,
                        "score": score,
                        "label": label or _("no band"),
                        "observed": measurement.observed,
                        "yes": counts.get("yes", 0),
                        "partly": counts.get("partly", 0),
                        "no": counts.get("no", 0),
                    }
                )
