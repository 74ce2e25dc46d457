"""Measured maturity through the other doors: the CLI, the admin (read-only evidence), the dashboard card, the
navigation and the portfolio report."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from assessments import services
from assessments.models import Measurement
from assessments.templatetags import maturity_tags
from registry.models import AuditEvent


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_cli_measures_named_models_or_all(frameworks, model, personas):
    out = io.StringIO()
    call_command("measure_maturity", "credit-scoring", stdout=out)
    measurement = Measurement.objects.get(model=model, trigger="cli")
    assert f"credit-scoring: measured {measurement.score * 100:.0f}%" in out.getvalue()
    assert f"{measurement.observed} questions observed" in out.getvalue()
    assert AuditEvent.objects.filter(action="maturity.measured", channel="cli").count() == 1
    out = io.StringIO()
    call_command("measure_maturity", stdout=out)
    assert "Measured 1 model(s); portfolio" in out.getvalue()
    assert Measurement.objects.filter(model__isnull=True, trigger="cli").count() == 1
    with pytest.raises(CommandError, match="No model named: nope"):
        call_command("measure_maturity", "nope", stdout=io.StringIO())


def test_admin_shows_measurements_read_only(client, frameworks, model, personas):
    measurement = services.measurement_take(model=model)
    client.force_login(personas.admin)
    page = client.get(f"/admin/assessments/measurement/{measurement.pk}/change/")
    assert page.status_code == 200 and "registry.model-card" in page.content.decode()
    assert client.get("/admin/assessments/measurement/add/").status_code == 403
    response = client.post(f"/admin/assessments/measurement/{measurement.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403 and Measurement.objects.filter(pk=measurement.pk).exists()


def test_admin_framework_upload_refuses_an_unknown_rule(client, frameworks, personas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = (
        "slug: ruled\nname: Ruled\nedition: '1'\nmethod: weighted\n"
        "scales: {p: [{value: 0, label: 'No'}, {value: 1, label: 'Yes'}]}\n"
        "bands: [{max: null, label: All}]\n"
        "dimensions: [{id: d, name: D, questions: [{id: q, text: 'Q?', scale: p, recommendation: 'Do.', "
        "evidence: {rule: registry.nope, version: 1}}]}]\n"
    )
    client.force_login(personas.admin)
    response = client.post(
        "/admin/assessments/framework/add/", {"file": SimpleUploadedFile("ruled.yaml", text.encode())}
    )
    assert response.status_code == 200
    assert "no evidence rule &#x27;registry.nope&#x27; is installed" in response.content.decode()


def test_dashboard_card_and_navigation(client, frameworks, model, personas):
    from assessments import selectors

    cards = {c["label"]: c for c in selectors.dashboard_cards(user=personas.auditor)}
    assert cards["Measured maturity"]["value"] == "—"
    services.measurements_take_all(trigger="beat")
    portfolio = Measurement.objects.get(model__isnull=True)
    card = {c["label"]: c for c in selectors.dashboard_cards(user=personas.auditor)}["Measured maturity"]
    assert card["value"] == f"{portfolio.score * 100:.0f}%" and card["url"] == "/assessments/measured/"
    client.force_login(personas.auditor)
    page = client.get("/assessments/measured/").content.decode()
    assert 'href="/assessments/measured/"' in page  # in the navigation
    assert f"Portfolio: <strong>{portfolio.score * 100:.0f}%" in page.replace("\n", "")
    client.force_login(personas.nobody)
    assert client.get("/assessments/measured/").status_code == 403


def test_portfolio_report_shows_the_measured_score(frameworks, personas):
    from reports import services as report_services
    from tests.reports.factories import make_model, make_version, promote

    model = make_model(personas, name="scored")
    promote(personas, make_version(personas, model))
    measurement = services.measurement_take(model=model)
    rendered = report_services.portfolio_report_render(generated_by="audrey", pdf=False)
    assert rendered.context["rows"][0]["measured_score"] == measurement.score
    assert f"measured {measurement.score * 100:.0f}%" in rendered.html


def test_portfolio_measured_beside_declared(client, frameworks, model, personas, submitted_lifecycle):
    from assessments import selectors
    from registry import services as rs

    first = submitted_lifecycle(1.0)
    other = rs.model_create(actor=personas.scientist, name="second-model", team=personas.team)
    second = services.assessment_create(model=other, actor=personas.scientist)
    items = [{"question": q, "value": 0.5} for q in frameworks["lifecycle"].questions()]
    services.answers_save(assessment=second, actor=personas.scientist, answers=items)
    second = services.assessment_submit(assessment=second, actor=personas.scientist)
    services.measurements_take_all(trigger="beat")
    # One point is no trend: the chart waits for a second measurement (the report hides time charts below two).
    assert maturity_tags.trend_chart(selectors.measured_vs_declared(model=None)["trend"]) == ""
    services.measurements_take_all(trigger="beat")
    data = selectors.measured_vs_declared(model=None)
    assert data["latest"].model_id is None and len(data["points"]) == 2
    assert data["declared_mean"] == pytest.approx((first.score + second.score) / 2, abs=1e-6)
    assert "<svg" in maturity_tags.trend_chart(data["trend"])
    client.force_login(personas.auditor)
    page = client.get("/assessments/measured/").content.decode()
    assert f"declared {round(data['declared_mean'] * 100)}%" in page
