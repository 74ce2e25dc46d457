"""The MLflow door's token cache: reads skip the auth queries, and access taken away stops working promptly."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.contrib.auth.models import Group, Permission, update_last_login
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from mlops_gov.roles import ROLE_DATA_SCIENTIST
from registry import services
from registry.models import RegisteredModel

BASE = "/api/2.0/mlflow/"
GET = BASE + "registered-models/get"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def model(personas):
    return services.model_create(actor=personas.scientist, name="m", team=personas.team)


def client_of(user) -> tuple[APIClient, Token]:
    token, _ = Token.objects.get_or_create(user=user)
    return APIClient(HTTP_AUTHORIZATION=f"Bearer {token.key}"), token


def read(client) -> int:
    return client.get(GET, {"name": "m"}).status_code


def queries_of(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert read(client) == 200
    return len(ctx.captured_queries)


def test_a_cached_read_needs_no_auth_query(personas, model):
    client, _ = client_of(personas.scientist)
    cold = queries_of(client)
    warm = queries_of(client)
    assert warm == cold - 2  # token + user, and the permissions


def test_revoked_token_is_refused_at_once(personas, model):
    client, token = client_of(personas.scientist)
    assert read(client) == 200
    token.delete()
    assert read(client) == 401


def test_replaced_token_old_key_refused(personas, model):
    client, token = client_of(personas.scientist)
    assert read(client) == 200
    Token.objects.filter(pk=token.pk).delete()
    Token.objects.create(user=personas.scientist)
    assert read(client) == 401


def test_removed_role_is_refused_at_once(personas, model):
    client, _ = client_of(personas.scientist)
    assert read(client) == 200
    personas.scientist.groups.remove(Group.objects.get(name=ROLE_DATA_SCIENTIST))
    assert read(client) == 403


def test_role_removed_from_the_group_side_is_refused(personas, model):
    client, _ = client_of(personas.scientist)
    assert read(client) == 200
    Group.objects.get(name=ROLE_DATA_SCIENTIST).user_set.clear()
    assert read(client) == 403


def test_permission_taken_from_the_role_is_refused(personas, model):
    client, _ = client_of(personas.scientist)
    assert read(client) == 200
    view = Permission.objects.get(content_type__app_label="registry", codename="view_registeredmodel")
    Group.objects.get(name=ROLE_DATA_SCIENTIST).permissions.remove(view)
    assert read(client) == 403


def test_deleted_group_is_refused(personas, model):
    client, _ = client_of(personas.auditor)
    assert read(client) == 200
    for group in personas.auditor.groups.all():
        group.delete()
    assert read(client) == 403


def test_deactivated_user_is_refused_at_once(personas, model):
    client, _ = client_of(personas.scientist)
    assert read(client) == 200
    personas.scientist.is_active = False
    personas.scientist.save()
    assert read(client) == 401


def test_login_does_not_flush_the_cache(personas, model):
    client, _ = client_of(personas.scientist)
    assert read(client) == 200
    update_last_login(type(personas.scientist), personas.scientist)  # what a login saves
    assert queries_of(client) == queries_of(client)  # still warm: no auth query added


def test_a_change_no_signal_saw_expires_with_the_entry(personas, model):
    """Another process's cache (the in-process default) learns of a change only at expiry: simulated with an update
    that sends no signal, then a clock past the configured lifetime."""
    client, _ = client_of(personas.scientist)
    in_process = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ttl-test"}}
    with override_settings(MLOPS_GOV={**_settings(), "MLFLOW_AUTH_CACHE_SECONDS": 5}, CACHES=in_process):
        assert read(client) == 200
        type(personas.scientist).objects.filter(pk=personas.scientist.pk).update(is_active=False)
        assert read(client) == 200  # cached, within its 5 s
        later = time.time() + 6
        with mock.patch("django.core.cache.backends.locmem.time.time", return_value=later):
            assert read(client) == 401


def test_writes_never_use_the_cache(personas, model):
    client, _ = client_of(personas.scientist)
    assert read(client) == 200
    type(personas.scientist).objects.filter(pk=personas.scientist.pk).update(is_active=False)  # no signal
    response = client.post(BASE + "registered-models/create", {"name": "new"}, format="json")
    assert response.status_code == 401
    assert not RegisteredModel.objects.filter(name="new").exists()


def test_cache_off(personas, model):
    client, _ = client_of(personas.scientist)
    with override_settings(MLOPS_GOV={**_settings(), "MLFLOW_AUTH_CACHE_SECONDS": 0}):
        assert queries_of(client) == queries_of(client)
        type(personas.scientist).objects.filter(pk=personas.scientist.pk).update(is_active=False)
        assert read(client) == 401


def test_unknown_token_and_anonymous_still_refused(personas, model):
    assert APIClient().get(GET, {"name": "m"}).status_code == 401
    bad = APIClient(HTTP_AUTHORIZATION="Bearer " + "0" * 40)
    assert bad.get(GET, {"name": "m"}).status_code == 401
    assert bad.get(GET, {"name": "m"}).status_code == 401  # a refusal is never cached as a success


def test_superuser_reads_from_the_cache(personas, model):
    client, _ = client_of(personas.admin)
    assert read(client) == 200
    assert read(client) == 200


def _settings() -> dict:
    from django.conf import settings

    return dict(settings.MLOPS_GOV)
