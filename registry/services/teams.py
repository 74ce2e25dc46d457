"""Teams: membership grants edit rights on the team's models, so it is administrators' business only, and every
change is an audit event (listing the members' user ids)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from mlops_gov.actors import Actor
from mlops_gov.errors import ConflictError
from registry.audit import audit_record
from registry.models import Team
from registry.services.common import full_clean, require

TEAM_MESSAGE = "Teams and their members are managed by administrators only."


def _may_manage(actor: Actor | None) -> bool:
    # ``actor=None`` is the system acting (a management command, the demo seed), never a web request.
    return actor is None or bool(getattr(actor, "is_superuser", False) and actor.is_active)


def _members(team: Team) -> list[int]:
    return sorted(team.members.values_list("pk", flat=True))


@transaction.atomic
def team_create(*, name: str, members: Iterable[Actor | int] = (), actor: Actor | None = None) -> Team:
    require(_may_manage(actor), TEAM_MESSAGE)
    team = Team(name=name)
    full_clean(team)
    team.save()
    team.members.set(list(members))
    audit_record(action="team.created", obj=team, after={"name": name, "members": _members(team)}, actor=actor)
    return team


@transaction.atomic
def team_update(
    *, team: Team, actor: Actor | None, name: str | None = None, members: Iterable[Actor | int] | None = None
) -> Team:
    """Rename a team and/or set its members; no event when nothing changed."""
    require(_may_manage(actor), TEAM_MESSAGE)
    team = Team.objects.select_for_update().get(pk=team.pk)
    before = {"name": team.name, "members": _members(team)}
    if name is not None and name != team.name:
        team.name = name
        full_clean(team)
        team.save()
    if members is not None:
        team.members.set(list(members))
    after = {"name": team.name, "members": _members(team)}
    if after != before:
        audit_record(action="team.updated", obj=team, before=before, after=after, actor=actor)
    return team


@transaction.atomic
def team_delete(*, team: Team, actor: Actor | None) -> None:
    require(_may_manage(actor), TEAM_MESSAGE)
    if team.models.exists():
        raise ConflictError(f"Team '{team.name}' still owns models; move them to another team first.")
    audit_record(action="team.deleted", obj=team, before={"name": team.name, "members": _members(team)}, actor=actor)
    team.delete()
