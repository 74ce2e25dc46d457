"""Everything `make run` does before starting processes; safe to run again (a second run takes seconds)."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Migrate, create roles and demo logins, load built-in data and seed the demo when the database is empty."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-demo", action="store_true", help="Skip demo logins and demo data.")

    def handle(self, *args: Any, no_demo: bool = False, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_builtin_data")
        if not no_demo:
            call_command("create_demo_users")
            call_command("seed_demo", if_empty=True)
        self.stdout.write(self.style.SUCCESS("mlops-gov is ready."))
