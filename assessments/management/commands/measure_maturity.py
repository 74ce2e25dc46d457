"""Measure maturity from the evidence rules now (what Celery beat does daily): every model and the portfolio, or
the models named on the command line."""

from django.core.management.base import BaseCommand, CommandError

from assessments import services
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
                shown = "no score" if portfolio is None else f"{portfolio * 100:.0f}%"
                self.stdout.write(f"Measured {summary['measured']} model(s); portfolio {shown}.")
                if summary["failed"]:
                    raise CommandError(f"Could not measure: {', '.join(summary['failed'])} (see the log).")
                return
            found = {m.name: m for m in RegisteredModel.objects.filter(name__in=models)}
            unknown = [name for name in models if name not in found]
            if unknown:
                raise CommandError(f"No model named: {', '.join(unknown)}.")
            for name in models:
                try:
                    measurement = services.measurement_take(model=found[name], trigger="cli")
                except DomainError as exc:
                    raise CommandError(f"{name}: {exc}") from None
                score = "no score" if measurement.score is None else f"{measurement.score * 100:.0f}%"
                counts = (measurement.result or {}).get("counts", {})
                self.stdout.write(
                    f"{name}: measured {score} ({measurement.label or 'no band'}), {measurement.observed} questions "
                    f"observed: {counts.get('yes', 0)} yes, {counts.get('partly', 0)} partly, {counts.get('no', 0)} no"
                )
