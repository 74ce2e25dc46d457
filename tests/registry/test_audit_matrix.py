"""Role x write operation x door (issue #13, hole 5): every successful write leaves exactly one audit event of the
right action, actor and channel; a refused or no-op call leaves none. The one documented exception: a refused
promotion decision is itself audited (promotion.decision_refused), because four-eyes attempts are evidence."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from registry import services
from registry.models import AuditEvent
from tests.registry.factories import make_model, make_version, set_policy

MLFLOW = "/api/2.0/mlflow/"


@dataclass
class World:
    personas: Any
    model: Any
    staged: Any
    promotion: Any


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _mlflow(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {Token.objects.get_or_create(user=user)[0].key}")
    return client


def _web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _cli(args: list[str]) -> int:
    try:
        call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())
    except CommandError:
        return 1
    return 0


def _admin_model_form(w: World, **changes) -> dict:
    m = w.model
    form = {
        "description": m.description,
        "owner": m.owner_id,
        "team": m.team_id,
        "risk_tier": m.risk_tier,
        "business_goal": m.business_goal,
        "success_kpi": m.success_kpi,
        "tags": "{}",
    }
    return {**form, **changes}


# door, operation, callable(world, user) -> status
OPERATIONS: dict[str, tuple[str, Callable[[World, object], int]]] = {
    "rest.model_create": ("api", lambda w, u: _api(u).post("/api/v1/models/", {"name": "matrix-new"}).status_code),
    "rest.model_update": (
        "api",
        lambda w, u: _api(u).patch(f"/api/v1/models/{w.model.name}/", {"description": "edited"}).status_code,
    ),
    "rest.model_update_noop": (
        "api",
        lambda w, u: _api(u).patch(f"/api/v1/models/{w.model.name}/", {"description": ""}).status_code,
    ),
    "rest.card_update": (
        "api",
        lambda w, u: (
            _api(u)
            .patch(f"/api/v1/models/{w.model.name}/versions/{w.staged.version}/card/", {"caveats": "new caveat"})
            .status_code
        ),
    ),
    "rest.approve": (
        "api",
        lambda w, u: _api(u).post(f"/api/v1/promotion-requests/{w.promotion.pk}/approve/", {}).status_code,
    ),
    "rest.recheck_unchanged": (
        "api",
        lambda w, u: _api(u).post(f"/api/v1/promotion-requests/{w.promotion.pk}/recheck/", {}).status_code,
    ),
    "pages.decide": (
        "web",
        lambda w, u: (
            _web(u).post(reverse("registry:request-decide", args=[w.promotion.pk]), {"decision": "approve"}).status_code
        ),
    ),
    "pages.report_pdf": (
        "web",
        lambda w, u: (
            _web(u).get(reverse("reports:model-pdf", args=[w.model.name]), {"version": w.staged.version}).status_code
        ),
    ),
    "admin.model_change": (
        "admin",
        lambda w, u: (
            _web(u)
            .post(
                reverse("admin:registry_registeredmodel_change", args=[w.model.pk]),
                _admin_model_form(w, description="via admin"),
            )
            .status_code
        ),
    ),
    "admin.team_change": (
        "admin",
        lambda w, u: (
            _web(u)
            .post(
                reverse("admin:registry_team_change", args=[w.personas.team.pk]),
                {"name": w.personas.team.name, "members": [w.personas.scientist.pk, w.personas.outsider.pk]},
            )
            .status_code
        ),
    ),
    "mlflow.model_create": (
        "mlflow",
        lambda w, u: (
            _mlflow(u).post(MLFLOW + "registered-models/create", {"name": "mlflow-new"}, format="json").status_code
        ),
    ),
    "mlflow.model_update": (
        "mlflow",
        lambda w, u: (
            _mlflow(u)
            .patch(MLFLOW + "registered-models/update", {"name": w.model.name, "description": "d"}, format="json")
            .status_code
        ),
    ),
    "cli.report_export": (
        "cli",
        lambda w, u: _cli(
            [
                "governance_report",
                w.model.name,
                "--version",
                str(w.staged.version),
                "--output",
                "/tmp/matrix-report.pdf",
            ]
        ),
    ),
    "cli.report_export_unknown_model": (
        "cli",
        lambda w, u: _cli(["governance_report", "no-such-model", "--output", "/tmp/matrix-report.pdf"]),
    ),
}

# operation, role, expected status, expected action (None: no event at all)
CASES = [
    ("rest.model_create", "scientist", 201, "model.created"),
    ("rest.model_create", "auditor", 403, None),
    ("rest.model_create", "approver", 403, None),
    ("rest.model_update", "scientist", 200, "model.updated"),
    ("rest.model_update", "engineer", 200, "model.updated"),
    ("rest.model_update", "outsider", 403, None),
    ("rest.model_update", "auditor", 403, None),
    ("rest.model_update_noop", "scientist", 200, None),
    ("rest.card_update", "scientist", 200, "card.updated"),
    ("rest.card_update", "approver", 403, None),
    ("rest.approve", "approver", 200, "promotion.approved"),
    ("rest.approve", "auditor", 403, "promotion.decision_refused"),
    ("rest.recheck_unchanged", "scientist", 200, None),
    ("rest.recheck_unchanged", "auditor", 403, None),
    ("pages.decide", "approver", 302, "promotion.approved"),
    ("pages.report_pdf", "scientist", 200, "report.exported"),
    ("admin.model_change", "scientist", 302, "model.updated"),
    ("admin.model_change", "auditor", 403, None),
    ("admin.team_change", "admin", 302, "team.updated"),
    ("admin.team_change", "scientist", 403, None),
    ("mlflow.model_create", "scientist", 200, "model.created"),
    ("mlflow.model_create", "auditor", 403, None),
    ("mlflow.model_update", "scientist", 200, "model.updated"),
    ("mlflow.model_update", "outsider", 403, None),
    ("cli.report_export", None, 0, "report.exported"),
    ("cli.report_export_unknown_model", None, 1, None),
]


@pytest.fixture
def world(personas) -> World:
    set_policy("low", approvals_required=2)  # one approval is one event (the apply would add more)
    model = make_model(personas, name="matrix")
    staged = make_version(personas, model)
    promotion, _ = services.promotion_request_create(version=staged, actor=personas.scientist, justification="go")
    for user in (personas.scientist, personas.outsider, personas.auditor):
        Token.objects.get_or_create(user=user)  # the MLflow door's tokens exist before the count starts
    return World(personas=personas, model=model, staged=staged, promotion=promotion)


@pytest.mark.parametrize(("operation", "role", "status", "action"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_one_event_per_write_none_otherwise(world, operation, role, status, action):
    channel, call = OPERATIONS[operation]
    user = getattr(world.personas, role) if role else None
    last = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
    assert call(world, user) == status
    written = list(AuditEvent.objects.filter(sequence__gt=last).order_by("sequence"))
    if action is None:
        assert written == [], [e.action for e in written]
        return
    assert [e.action for e in written] == [action]
    event = written[0]
    assert event.channel == channel
    assert event.actor_name == (user.get_username() if user else channel)
