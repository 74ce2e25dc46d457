"""What the dataset commands (upload_dataset, register_dataset) share: their arguments and how a name becomes a user
and a model version, with one-line errors."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

ROLES = ("target", "prediction", "id", "timestamp")


def add_arguments(parser: ArgumentParser, *, source: tuple[str, str], recorded_as: str) -> None:
    """MODEL VERSION and the ``source`` positional (name, help), then --kind, --user, the role columns, --no-check."""
    parser.add_argument("model")
    parser.add_argument("version", type=int)
    parser.add_argument(source[0], help=source[1])
    parser.add_argument("--kind", choices=["reference", "current"], required=True)
    parser.add_argument("--user", required=True, help=f"Username the {recorded_as} is recorded under.")
    for role in ROLES:
        parser.add_argument(f"--{role}", default="", help=f"The {role} column.")
    parser.add_argument("--no-check", action="store_true", help="Do not queue a drift check for a current batch.")


def resolve(options: dict[str, Any]) -> tuple[Any, Any, dict[str, str]]:
    """The active user, the model version and the role columns the options name."""
    from registry.models import ModelVersion

    user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
    if user is None:
        raise CommandError(f"No active user '{options['user']}'.")
    version = (
        ModelVersion.objects.select_related("model")
        .filter(model__name=options["model"], version=options["version"])
        .first()
    )
    if version is None:
        raise CommandError(f"No version {options['version']} of model '{options['model']}'.")
    return user, version, {role: options[role] for role in ROLES}
