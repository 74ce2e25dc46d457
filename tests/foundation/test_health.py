import pytest
from django.urls import reverse

from mlops_gov.celery import app


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True
    assert body["failed"] == []


@pytest.mark.django_db
def test_healthz_is_503_naming_the_broker_when_it_is_unreachable(client, monkeypatch):
    # Celery's broker_url reads the CELERY_BROKER_URL variable before its own setting: change both, the setting
    # first so that monkeypatch restores the real value rather than the variable's.
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["broker"]
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
@pytest.mark.audit_unverifiable(reason="the database connection is broken on purpose until the test ends")
def test_healthz_is_503_naming_the_database_when_it_fails(client, monkeypatch):
    from django.db import connection

    def broken_cursor():
        raise RuntimeError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]
