"""The seeded demo: the production model's lifecycle questionnaire shows what the platform observed, with links,
and the measured score appears on the model page, in the API and in the governance PDF."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from assessments.models import Assessment, Measurement


@pytest.fixture
def demo(builtin_data, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("create_demo_users", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_demo_production_questionnaire_is_observed_and_measured_everywhere(demo, client, api):
    from django.contrib.auth import get_user_model

    from reports import services as report_services

    assert "Finishing assessments" in demo and "questions observed" in demo
    assessment = (
        Assessment.objects.filter(model__name="breast-cancer-screening", framework__slug="lifecycle")
        .order_by("-created_at", "-id")
        .first()
    )
    version = assessment.model.versions.get(stage="production")
    assert assessment.is_submitted and assessment.measurement is not None
    auditor = get_user_model().objects.get(username="aud")
    client.force_login(auditor)
    observed_with_links = 0
    for dimension in assessment.framework.definition["dimensions"]:
        page = client.get(f"/assessments/{assessment.pk}/?dimension={dimension['id']}").content.decode()
        blocks = page.split('data-testid="observed"')[1:]
        observed_with_links += sum(1 for b in blocks if re.search(r'<a href="/[^"]+">', b.split("</div>")[0]))
    assert observed_with_links >= 15

    # the declared answers above the evidence are flagged and held the score down
    assert assessment.result["contradictions"]
    held = [h for h in assessment.result["held_back"] if h.get("contradiction")]
    assert held and held[0]["reason"].startswith("declared: ")

    measured = Measurement.objects.filter(model=assessment.model, trigger="demo").get()
    assert measured.observed >= 15 and measured.score is not None
    shown = f"Measured {round(measured.score * 100)}%"

    model_page = client.get(f"/models/{assessment.model.name}/").content.decode()
    assert shown in model_page

    rows = api(auditor).get("/api/v1/measurements/", {"model": assessment.model.name}).json()["results"]
    assert rows[0]["score"] == pytest.approx(measured.score)
    assert Measurement.objects.filter(model__isnull=True, trigger="demo").exists()

    rendered = report_services.model_report_render(version=version, generated_by="aud")
    text = "".join("\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(rendered.pdf)).pages).split())
    assert "Measuredmaturity(fromtheplatform'sownrecords)" in text
    assert f"Measured{round(measured.score * 100)}%" in text

    # seeding again adds nothing
    call_command("seed_demo", stdout=io.StringIO())
    assert Measurement.objects.filter(trigger="demo").count() == 4
    # Everything the demo did, across every app, left an intact chain (a broken one exits 1).
    verified = io.StringIO()
    call_command("verify_audit", stdout=verified)
    assert "intact" in verified.getvalue()
