"""Every write the REST API offers a role has a page that does it, or a written reason why not (issue #11).

The list of write operations comes from the OpenAPI schema, so a new API write fails this test until it is given a
page or a reason. For each role, each operation it may call is checked in the pages as that role: the page opens
(200) and holds the form that posts the write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from mlops_gov.roles import ROLE_APPROVER, ROLE_AUDITOR, ROLE_DATA_SCIENTIST, ROLE_ML_ENGINEER
from registry import services
from tests.registry.factories import make_model, make_version

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Page:
    perm: str  # what the role needs for the API operation (the same rule the service applies)
    page: str  # the page holding the form
    page_args: Callable[[dict[str, Any]], list[Any]]
    action: str | None = None  # the URL the form posts to, when not the page itself
    action_args: Callable[[dict[str, Any]], list[Any]] = lambda ctx: []
    query: str = ""


@dataclass(frozen=True)
class NoPage:
    perm: str
    reason: str


def _model(ctx):
    return [ctx["model"].name]


def _staged(ctx):
    return [ctx["model"].name, ctx["staged"].version]


def _request(ctx):
    return [ctx["request"].pk]


ADMIN_ROUTING = (
    "Alert routing (webhook endpoints and the rules that send alerts to them) is operator configuration: ML "
    "engineers edit it in the admin, which calls the same audited monitoring service (alert_routing_save/delete)."
)
WRITES: dict[str, Page | NoPage] = {
    "models_create": Page("registry.add_registeredmodel", "registry:model-create", lambda ctx: []),
    "models_partial_update": Page("registry.change_registeredmodel", "registry:model-edit", _model),
    "models_destroy": Page("registry.delete_registeredmodel", "registry:model-delete", _model),
    "models_versions_create": Page("registry.add_modelversion", "registry:version-create", _model),
    "models_versions_partial_update": Page("registry.change_modelversion", "registry:version-edit", _staged),
    "models_versions_destroy": Page("registry.delete_modelversion", "registry:version-delete", _staged),
    "models_versions_card_update": Page("registry.change_modelcard", "registry:card-edit", _staged),
    "models_versions_card_partial_update": Page("registry.change_modelcard", "registry:card-edit", _staged),
    "models_versions_stage_create": Page(
        "registry.change_modelversion", "registry:stage-move", _staged, query="?to=archived"
    ),
    "models_aliases_update": Page(
        "registry.change_registeredmodel", "registry:version-detail", _staged, "registry:alias-set", _staged
    ),
    "models_aliases_destroy": Page(
        "registry.change_registeredmodel",
        "registry:model-detail",
        _model,
        "registry:alias-remove",
        lambda ctx: [ctx["model"].name, "challenger"],
    ),
    "promotion_requests_create": Page(
        "registry.add_promotionrequest", "registry:version-detail", _staged, "registry:request-create", _staged
    ),
    "promotion_requests_approve_create": Page(
        "registry.decide_promotionrequest", "registry:request-detail", _request, "registry:request-decide", _request
    ),
    "promotion_requests_reject_create": Page(
        "registry.decide_promotionrequest", "registry:request-detail", _request, "registry:request-decide", _request
    ),
    "promotion_requests_withdraw_create": Page(
        "registry.add_promotionrequest", "registry:request-detail", _request, "registry:request-withdraw", _request
    ),
    "promotion_requests_recheck_create": Page(
        "registry.add_promotionrequest", "registry:request-detail", _request, "registry:request-recheck", _request
    ),
    "assessments_create": Page(
        "assessments.add_assessment", "assessments:assessment-list", lambda ctx: [], "assessments:assessment-start"
    ),
    "assessments_answers_create": Page(
        "assessments.add_answer",
        "assessments:assessment-detail",
        lambda ctx: [ctx["assessment"].pk],
        "assessments:assessment-answer",
        lambda ctx: [ctx["assessment"].pk],
    ),
    "assessments_submit_create": Page(
        "assessments.change_assessment",
        "assessments:assessment-detail",
        lambda ctx: [ctx["assessment"].pk],
        "assessments:assessment-submit",
        lambda ctx: [ctx["assessment"].pk],
    ),
    "datasets_create": Page("monitoring.add_dataset", "monitoring:upload", lambda ctx: []),
    "dataset_imports_create": Page("monitoring.add_dataset", "monitoring:upload", lambda ctx: []),
    "drift_checks_create": Page(
        "monitoring.add_driftcheck",
        "monitoring:version-detail",
        _staged,
        "monitoring:check-create",
        lambda ctx: [ctx["current"].pk],
    ),
    "reports_create": Page(
        "reports.add_governancereport", "registry:model-detail", _model, "reports:model-generate", _model
    ),
    "audit_checkpoints_check_create": Page("registry.verify_audit", "registry:audit-verify", lambda ctx: []),
    "monitoring_configs_partial_update": NoPage(
        "monitoring.change_monitoringconfig",
        "Per-model monitoring settings (drift thresholds, quality thresholds, the stale-data window) are set in the "
        "admin through monitoring's audited config_update service; the pages show them on each version's "
        "monitoring page.",
    ),
    "auth_token_create": NoPage(
        "",
        "A token is for scripts and the MLflow client; in the pages the signed-in session is the credential, so "
        "there is nothing to create there.",
    ),
    "alert_rules_create": NoPage("monitoring.add_alertrule", ADMIN_ROUTING),
    "alert_rules_partial_update": NoPage("monitoring.change_alertrule", ADMIN_ROUTING),
    "alert_rules_destroy": NoPage("monitoring.delete_alertrule", ADMIN_ROUTING),
    "webhook_endpoints_create": NoPage("monitoring.add_webhookendpoint", ADMIN_ROUTING),
    "webhook_endpoints_partial_update": NoPage("monitoring.change_webhookendpoint", ADMIN_ROUTING),
    "webhook_endpoints_destroy": NoPage("monitoring.delete_webhookendpoint", ADMIN_ROUTING),
}


def api_write_operations() -> set[str]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        operation["operationId"]
        for methods in schema["paths"].values()
        for method, operation in methods.items()
        if method in ("post", "put", "patch", "delete") and operation["operationId"]
    }


def test_every_api_write_has_a_page_or_a_reason():
    operations = api_write_operations()
    assert operations - set(WRITES) == set(), "API writes with no page and no reason: add them to WRITES"
    assert set(WRITES) - operations == set(), "WRITES names operations the API no longer has"
    for name, entry in WRITES.items():
        if isinstance(entry, NoPage):
            assert len(entry.reason) > 40, name


@pytest.fixture
def setting(personas):
    """A model with a production version, a staged version with a request, a draft assessment, a current batch."""
    from assessments import builtin
    from assessments import services as assessment_services
    from monitoring import services as monitoring_services
    from tests.monitoring.factories import csv_bytes, make_frame

    builtin.load()
    model = make_model(personas)
    live = make_version(personas, model)
    first, _ = services.promotion_request_create(version=live, actor=personas.scientist, justification="First.")
    services.promotion_decide(request=first, actor=personas.approver2, decision="approve")
    staged = make_version(personas, model)
    services.alias_set(model=model, alias="challenger", version=staged, actor=personas.scientist)
    monitoring_services.dataset_upload(
        version=staged, kind="reference", data=csv_bytes(make_frame(60)), filename="r.csv", actor=personas.scientist
    )
    current = monitoring_services.dataset_upload(
        version=staged,
        kind="current",
        data=csv_bytes(make_frame(60, seed=2)),
        filename="c.csv",
        actor=personas.scientist,
        trigger_check=False,
    )
    assessment = assessment_services.assessment_create(
        model=model, actor=personas.scientist, framework_slug="ml-test-score"
    )
    return {"model": model, "staged": staged, "current": current, "assessment": assessment, "personas": personas}


ROLE_PERSONA = {
    ROLE_DATA_SCIENTIST: "scientist",
    ROLE_ML_ENGINEER: "engineer",
    ROLE_APPROVER: "approver",
    ROLE_AUDITOR: "auditor",
}


@pytest.mark.parametrize("role", list(ROLE_PERSONA))
def test_each_role_finds_every_api_write_it_may_do_in_the_pages(role, setting, client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    personas = setting["personas"]
    user = getattr(personas, ROLE_PERSONA[role])
    group_perms = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=role).permissions.select_related("content_type")
    }
    # The request under review is this person's own when they may request (withdraw is the requester's), someone
    # else's otherwise (an approver decides others' requests).
    requester = user if "registry.add_promotionrequest" in group_perms else personas.scientist
    setting["request"], _ = services.promotion_request_create(
        version=setting["staged"], actor=requester, justification="Ready."
    )
    client.force_login(user)
    checked, reasons = [], []
    for operation, entry in sorted(WRITES.items()):
        if entry.perm and entry.perm not in group_perms:
            continue
        if isinstance(entry, NoPage):
            reasons.append(operation)
            continue
        url = reverse(entry.page, args=entry.page_args(setting)) + entry.query
        response = client.get(url)
        assert response.status_code == 200, f"{role}: {operation} -> {url} gave {response.status_code}"
        if entry.action:
            action = reverse(entry.action, args=entry.action_args(setting))
            assert f'action="{action}"' in response.content.decode(), f"{role}: no form posting to {action} on {url}"
        checked.append(operation)
    expected = {
        ROLE_DATA_SCIENTIST: "promotion_requests_create",
        ROLE_ML_ENGINEER: "drift_checks_create",
        ROLE_APPROVER: "promotion_requests_approve_create",
        ROLE_AUDITOR: "audit_checkpoints_check_create",
    }[role]
    assert expected in checked, (role, checked, reasons)
