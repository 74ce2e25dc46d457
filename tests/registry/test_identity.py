"""Identity is evidence (issue #13, holes 2 and 4): team membership and roles are administrators' business only,
and who holds which role is in the audit chain, whichever route changed it (admin, createsuperuser, a command)."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token

from mlops_gov.errors import PermissionError_
from mlops_gov.roles import ROLE_APPROVER, ROLE_DATA_SCIENTIST
from registry import services
from registry.models import Team
from registry.services.identity import token_fingerprint
from tests.registry.factories import events, make_model

# --- hole 2: a data scientist cannot join a team --------------------------------------------------------------------


def test_author_roles_hold_no_team_permissions(personas):
    for role in (ROLE_DATA_SCIENTIST, "ML engineer"):
        codenames = set(Group.objects.get(name=role).permissions.values_list("codename", flat=True))
        assert not codenames & {"add_team", "change_team", "delete_team"}, role


def test_a_data_scientist_cannot_add_herself_to_another_team_in_the_admin(personas, client):
    other = Team.objects.create(name="Team B")
    model = services.model_create(actor=personas.admin, name="team-b-model", team=other)
    client.force_login(personas.outsider)
    url = reverse("admin:registry_team_change", args=[other.pk])
    response = client.post(url, {"name": "Team B", "members": [personas.outsider.pk]})
    assert response.status_code == 403
    assert not other.members.filter(pk=personas.outsider.pk).exists()
    assert (
        client.post(reverse("admin:registry_team_add"), {"name": "Mine", "members": [personas.outsider.pk]}).status_code
        == 403
    )
    assert not Team.objects.filter(name="Mine").exists()
    # And so she still cannot edit the team's models.
    response = client.post(
        reverse("admin:registry_registeredmodel_change", args=[model.pk]),
        {"description": "hijacked", "owner": personas.admin.pk, "team": other.pk, "risk_tier": "medium", "tags": "{}"},
    )
    assert response.status_code == 403
    # She may still look at the teams (read-only).
    assert client.get(reverse("admin:registry_team_changelist")).status_code == 200


def test_team_services_refuse_everyone_but_administrators(personas):
    with pytest.raises(PermissionError_, match="administrators"):
        services.team_update(team=personas.team, actor=personas.scientist, members=[personas.outsider])
    with pytest.raises(PermissionError_):
        services.team_create(name="Mine", members=[personas.outsider], actor=personas.engineer)
    team = services.team_create(name="Platform", members=[personas.engineer], actor=personas.admin)
    services.team_update(team=team, actor=personas.admin, members=[personas.engineer, personas.outsider])
    services.team_update(team=team, actor=personas.admin, members=[personas.engineer, personas.outsider])  # no-op
    assert [e.action for e in events() if e.object_type == "registry.team"] == ["team.created", "team.updated"]
    services.team_delete(team=team, actor=personas.admin)
    assert events("team.deleted")[-1].before["members"] == sorted([personas.engineer.pk, personas.outsider.pk])


def test_admin_team_creation_goes_through_the_service(personas, client):
    client.force_login(personas.admin)
    response = client.post(reverse("admin:registry_team_add"), {"name": "Platform", "members": [personas.engineer.pk]})
    assert response.status_code == 302
    created = events("team.created")
    assert len(created) == 1 and created[0].after == {"name": "Platform", "members": [personas.engineer.pk]}
    assert created[0].channel == "admin" and created[0].actor_name == "root"


def test_a_team_with_models_cannot_be_deleted(personas, client):
    make_model(personas)
    client.force_login(personas.admin)
    client.post(reverse("admin:registry_team_delete", args=[personas.team.pk]), {"post": "yes"})
    assert Team.objects.filter(pk=personas.team.pk).exists() and not events("team.deleted")


# --- hole 4: who holds which role is in the chain -------------------------------------------------------------------


def test_adding_a_user_to_the_approver_group_in_the_admin_is_audited(personas, client):
    client.force_login(personas.admin)
    dana = personas.outsider
    url = reverse("admin:auth_user_change", args=[dana.pk])
    form = {
        "username": dana.username,
        "is_active": "on",
        "is_staff": "on",
        "groups": [Group.objects.get(name=ROLE_DATA_SCIENTIST).pk, Group.objects.get(name=ROLE_APPROVER).pk],
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "initial-date_joined_0": "2026-01-01",
        "initial-date_joined_1": "00:00:00",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:500]
    event = events("identity.groups_changed", object_id=str(dana.pk))[-1]
    assert event.after == {"user_id": dana.pk, "username": "olga", "added": [ROLE_APPROVER], "removed": []}
    assert event.actor_name == "root" and event.channel == "admin"


def test_flags_permissions_and_removals_are_audited(personas):
    user = personas.nobody
    user.is_superuser = True
    user.save()
    changed = events("identity.user_changed", object_id=str(user.pk))[-1]
    assert changed.before["is_superuser"] is False and changed.after["is_superuser"] is True
    user.user_permissions.add(Permission.objects.get(codename="decide_promotionrequest"))
    assert events("identity.permissions_changed")[-1].after["added"] == ["registry.decide_promotionrequest"]
    user.groups.add(Group.objects.get(name=ROLE_APPROVER))
    user.groups.clear()
    assert events("identity.groups_changed", object_id=str(user.pk))[-1].after["removed"] == [ROLE_APPROVER]
    Group.objects.get(name=ROLE_APPROVER).user_set.remove(personas.approver)
    assert events("identity.groups_changed", object_id=str(personas.approver.pk))[-1].after["removed"] == [
        ROLE_APPROVER
    ]
    approver_group = Group.objects.get(name=ROLE_APPROVER)
    approver_group.permissions.add(Permission.objects.get(codename="add_team"))
    assert events("identity.group_permissions_changed")[-1].after == {
        "group": ROLE_APPROVER,
        "added": ["registry.add_team"],
        "removed": [],
    }
    user.is_active = False
    user.save()
    assert events("identity.user_changed", object_id=str(user.pk))[-1].after["is_active"] is False


def test_a_login_or_a_no_op_save_writes_no_event(personas, client):
    before = len(events())
    client.force_login(personas.scientist)  # updates last_login only
    personas.scientist.save()
    assert len(events()) == before


def test_createsuperuser_and_tokens_are_audited(personas, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-enough-password-1234")
    call_command(
        "createsuperuser", "--noinput", "--username", "ops", "--email", "ops@example.org", stdout=io.StringIO()
    )
    ops = get_user_model().objects.get(username="ops")
    created = events("identity.user_created", object_id=str(ops.pk))
    assert len(created) == 1 and created[0].after["is_superuser"] is True
    token = Token.objects.create(user=personas.scientist)
    issued = events("identity.token_issued")[-1]
    assert issued.after["token"] == token_fingerprint(token.key) and token.key not in issued.canonical
    token.delete()
    assert events("identity.token_revoked")[-1].before["username"] == "sam"


def test_the_token_endpoint_audits_the_issue_once(personas, api):
    client = api(personas.scientist)
    first = client.post(reverse("api-token")).json()
    again = client.post(reverse("api-token")).json()
    assert first["created"] is True and again["created"] is False
    issued = events("identity.token_issued")
    assert len(issued) == 1 and issued[0].actor_name == "sam" and issued[0].channel == "api"
    assert first["token"] not in issued[0].canonical
