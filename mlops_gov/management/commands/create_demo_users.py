"""Demo logins, one per role: passwords generated, printed once, kept in var/demo-credentials.txt (git-ignored)."""

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from mlops_gov.roles import ROLE_APPROVER, ROLE_AUDITOR, ROLE_DATA_SCIENTIST, ROLE_ML_ENGINEER

DEMO_USERS = [
    ("dana", "Dana", "Scientist", ROLE_DATA_SCIENTIST, False),
    ("eli", "Eli", "Engineer", ROLE_ML_ENGINEER, False),
    ("ava", "Ava", "Approver", ROLE_APPROVER, False),
    ("ben", "Ben", "Approver", ROLE_APPROVER, False),
    ("cy", "Cy", "Approver", ROLE_APPROVER, False),
    ("aud", "Audrey", "Auditor", ROLE_AUDITOR, False),
    ("admin", "Admin", "", None, True),
]


class Command(BaseCommand):
    help = "Create one demo login per role (only those missing); print new passwords once."

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        path = settings.VAR_DIR / "demo-credentials.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        created_lines = []
        for username, first, last, role, is_superuser in DEMO_USERS:
            if User.objects.filter(username=username).exists():
                continue
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(
                username=username,
                password=password,
                first_name=first,
                last_name=last,
                email=f"{username}@example.org",
                is_staff=True,
                is_superuser=is_superuser,
            )
            if role:
                user.groups.add(Group.objects.get(name=role))
            created_lines.append(f"{username:8} {password}  ({role or 'administrator'})")
        if not created_lines:
            self.stdout.write(f"Demo logins exist already; their passwords are in {path}.")
            return
        with path.open("a") as fh:
            fh.write("\n".join(created_lines) + "\n")
        path.chmod(0o600)
        self.stdout.write(f"Demo logins (shown once; also saved to {path}):")
        for line in created_lines:
            self.stdout.write("  " + line)
