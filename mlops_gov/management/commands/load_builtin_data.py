"""Load the built-in data every installation needs: default policies and each app's built-ins (frameworks, ...).

Each domain app may offer ``<app>.builtin.load() -> str``; this command runs them in dependency order.
"""

import importlib
from typing import Any

from django.core.management.base import BaseCommand

from mlops_gov.roles import DOMAIN_APPS, sync_roles


class Command(BaseCommand):
    help = "Load built-in data (promotion policies, maturity frameworks, schedules)."

    def handle(self, *args: Any, **options: Any) -> None:
        sync_roles()
        for label in DOMAIN_APPS:
            try:
                module = importlib.import_module(f"{label}.builtin")
            except ModuleNotFoundError as exc:
                if exc.name != f"{label}.builtin":
                    raise
                continue
            summary = module.load()
            if summary:
                self.stdout.write(f"{label}: {summary}")
