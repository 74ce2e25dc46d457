"""Every endpoint of /api/v1/ renders in the browsable API (?format=api) for every role, forms included (#15)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from assessments import builtin as assessment_builtin
from assessments import services as assessment_services
from mlops_gov.jobs import JobStatus
from registry import services
from registry.audit import audit_head
from registry.choices import RequestKind
from reports.models import GovernanceReport
from tests.foundation.test_api_errors import reference_dataset


@pytest.fixture
def world(personas) -> dict[str, str]:
    """One of everything the paths name, so detail pages render their forms on a real object."""
    model = services.model_create(actor=personas.scientist, name="credit", team=personas.team)
    version = services.version_create(model=model, actor=personas.scientist, source_uri="s3://b/credit/1")
    services.version_transition(version=version, target="staging", actor=personas.scientist, archive_existing=False)
    services.card_update(version=version, actor=personas.scientist, intended_use="Scoring.")
    services.alias_set(model=model, alias="candidate", version=version, actor=personas.scientist)
    promotion, _ = services.promotion_request_create(
        version=version, actor=personas.scientist, justification="Ready.", kind=RequestKind.STAGE, alias=""
    )
    assessment_builtin.load()
    assessment = assessment_services.assessment_create(model=model, actor=personas.scientist)
    dataset = reference_dataset(version, personas.scientist)
    report = GovernanceReport.objects.create(
        model=model, version=version, model_name="credit", version_number=1, status=JobStatus.QUEUED
    )
    return {
        "name": "credit",
        "model_name": "credit",
        "version": "1",
        "alias": "candidate",
        "promotion-requests": str(promotion.pk),
        "assessments": str(assessment.pk),
        "datasets": str(dataset.pk),
        "reports": str(report.pk),
        "sequence": str(audit_head()["sequence"]),
        "slug": "lifecycle",
        "risk_tier": "low",
    }


def concrete_paths(world: dict[str, str]) -> list[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = []
    for template in schema["paths"]:
        resource = template.split("/")[3]

        def fill(match: re.Match[str], resource: str = resource) -> str:
            key = match.group(1)
            return world.get(resource if key == "id" else key, "1")

        paths.append(re.sub(r"\{(\w+)\}", fill, template))
    return paths


@pytest.mark.django_db
def test_every_endpoint_renders_in_the_browsable_api_for_every_role(personas, world):
    paths = concrete_paths(world)
    assert len(paths) >= 45
    failures = []
    for role in ("scientist", "engineer", "approver", "auditor", "admin"):
        client = Client()
        client.force_login(getattr(personas, role))
        for path in paths:
            response = client.get(path, {"format": "api"})
            is_file = path.endswith(("/export-csv/", "/download/"))  # files, served as themselves
            if response.status_code >= 500 or not (is_file or "text/html" in response["Content-Type"]):
                failures.append((role, path, response.status_code))
    assert not failures, failures


@pytest.mark.django_db
def test_the_card_page_offers_the_cards_own_form_to_its_editors(personas, world):
    client = Client()
    client.force_login(personas.scientist)
    response = client.get("/api/v1/models/credit/versions/1/card/", {"format": "api"})
    assert response.status_code == 200
    html = response.content.decode()
    # The API takes JSON: the page's form is the raw JSON one, pre-filled from the card serializer.
    assert "intended_use" in html and "source_uri" not in html
