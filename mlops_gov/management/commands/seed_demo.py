"""Demo data: each domain app seeds its part (``<app>.demo.seed(stdout)``), registry first."""

import importlib
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mlops_gov.context import acting
from mlops_gov.roles import DOMAIN_APPS


class Command(BaseCommand):
    help = "Train real scikit-learn models on bundled datasets and register, assess, monitor and report on them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when models are registered already.")

    def handle(self, *args: Any, if_empty: bool = False, **options: Any) -> None:
        from registry.models import RegisteredModel

        if if_empty and RegisteredModel.objects.exists():
            self.stdout.write("Demo data: the registry is not empty, nothing seeded.")
            return
        with acting(channel="cli"):
            modules = []
            for label in DOMAIN_APPS:
                try:
                    module = importlib.import_module(f"{label}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{label}.demo":
                        raise
                    continue
                self.stdout.write(f"Seeding {label} ...")
                module.seed(self.stdout)
                modules.append((label, module))
            # A second pass for work that needs every app's data (e.g. measuring maturity from all the evidence).
            for label, module in modules:
                finish = getattr(module, "finish", None)
                if finish is not None:
                    self.stdout.write(f"Finishing {label} ...")
                    finish(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data seeded."))
