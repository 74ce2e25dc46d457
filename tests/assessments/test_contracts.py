"""Contracts with the other apps (report section, portfolio row, dashboard cards), charts, admin upload, demo."""

from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
import yaml
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string

from assessments import charts, demo, selectors
from assessments.models import Assessment, Framework
from assessments.templatetags import maturity_tags
from mlops_gov.roles import ROLE_DATA_SCIENTIST, ROLE_ML_ENGINEER
from registry.models import AuditEvent

from .test_frameworks import minimal

pytestmark = pytest.mark.django_db


def assert_safe_svg(svg: str) -> None:
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg and "<metadata" not in svg
    assert "<script" not in svg and "<image" not in svg and 'href="http' not in svg
    assert not re.search(r"url\((?!#)", svg)


def test_report_section_without_data_says_so(frameworks, version):
    context = selectors.report_context(version=version)
    assert (
        context["has_data"] is False and context["trend"] is None and maturity_tags.trend_chart(context["trend"]) == ""
    )
    html = render_to_string("assessments/report_section.html", context)
    assert "No maturity assessment recorded for credit-scoring." in html
    assert selectors.portfolio_row(version=version) == {
        "maturity_score": None,
        "maturity_label": "not assessed",
        "assessed_at": None,
        "measured_score": None,
        "measured_at": None,
    }


def test_report_section_with_history(frameworks, version, model, personas, submitted_lifecycle):
    submitted_lifecycle(0.5)
    latest = submitted_lifecycle(1.0)
    Assessment.objects.filter(pk=latest.pk).update(notes="<script>alert(1)</script>")
    context = selectors.report_context(version=version)
    # all "yes" declared; capped at the observed evidence of a model without a documented version
    assert context["has_data"] and context["primary"]["label"] == "Reliable"
    assert [p["id"] for p in context["history"]] == [latest.pk - 1, latest.pk]
    assert {d["slug"] for d in context["primary"]["derived"]} == {"ml-test-score", "google-mlops", "azure-mlops"}
    # selectors give the charts' data; the maturity_tags chart tags draw them
    assert_safe_svg(maturity_tags.trend_chart(context["trend"]))
    assert_safe_svg(maturity_tags.radar_chart(context["radar"]))
    html = render_to_string("assessments/report_section.html", context)
    assert_safe_svg(maturity_tags.trend_chart(context["measured"]["trend"]))
    # trend, radar, and the measured-beside-declared trend (each submission measured the evidence)
    assert html.count("<svg") == 3 and "<img" not in html and "<script" not in html
    row = selectors.portfolio_row(version=version)
    assert row["maturity_score"] == latest.score < 1.0 and row["maturity_label"] == "Reliable" and row["assessed_at"]
    assert row["measured_score"] is not None  # the submission measured it


def test_chart_labels_are_escaped_and_output_is_deterministic():
    labels = ["<b>x</b> & y", "Data", "Model"]
    svg = charts.radar_svg(labels, [0.2, 0.5, 1.0], previous=[0.1, None, 0.5])
    assert_safe_svg(svg)
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    assert svg == charts.radar_svg(labels, [0.2, 0.5, 1.0], previous=[0.1, None, 0.5])
    assert_safe_svg(charts.radar_svg(["a", "b"], [0.5, 1.0]))  # fewer than 3 axes: bars


def test_dashboard_cards(frameworks, personas, submitted_lifecycle):
    submitted_lifecycle(0.5)
    cards = selectors.dashboard_cards(user=personas.auditor)
    assert cards[0]["label"] == "Models assessed" and cards[0]["value"] == "1 / 1"
    assert cards[0]["url"] == "/assessments/"
    assert selectors.dashboard_cards(user=personas.nobody) == []


def test_admin_upload_of_a_custom_framework(client, personas):
    client.force_login(personas.admin)
    bad = minimal()
    bad["dimensions"][0]["questions"][0]["scale"] = "stars"
    bad["dimensions"][0]["questions"][1]["id"] = "q1"
    response = client.post(
        "/admin/assessments/framework/add/", {"file": SimpleUploadedFile("bad.yaml", yaml.safe_dump(bad).encode())}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "bad.yaml: dimensions[0].questions[0].scale: unknown scale &#x27;stars&#x27;" in html
    assert "duplicate question id &#x27;q1&#x27;" in html
    assert not Framework.objects.exists()
    response = client.post(
        "/admin/assessments/framework/add/",
        {"file": SimpleUploadedFile("tiny.yaml", yaml.safe_dump(minimal()).encode())},
    )
    assert response.status_code == 302
    framework = Framework.objects.get()
    assert framework.slug == "tiny" and framework.version == 1 and not framework.builtin
    assert AuditEvent.objects.filter(action="framework.loaded", actor_name="root").exists()
    assert client.get(f"/admin/assessments/framework/{framework.pk}/change/").status_code == 200


def test_demo_seed_adds_a_history_per_model_and_is_idempotent(frameworks, django_user_model):
    from registry import services as registry_services
    from registry.models import Team

    dana = django_user_model.objects.create_user("dana", password="x-demo-1234")
    eli = django_user_model.objects.create_user("eli", password="x-demo-1234")
    dana.groups.add(Group.objects.get(name=ROLE_DATA_SCIENTIST))
    eli.groups.add(Group.objects.get(name=ROLE_ML_ENGINEER))
    team = Team.objects.create(name="Clinical ML")
    team.members.add(dana, eli)
    for name in demo.PROFILES:
        registry_services.model_create(actor=dana, name=name, team=team)
    out = io.StringIO()
    demo.seed(out)
    assert out.getvalue().count("assessed ") == 3
    assert Assessment.objects.filter(status="submitted").count() == 12
    scores = {}
    for model_name in demo.PROFILES:
        from registry.models import RegisteredModel

        model = RegisteredModel.objects.get(name=model_name)
        points = selectors.history(model=model, framework_slug="lifecycle")
        assert len(points) == 3
        assert [p["submitted_at"] for p in points] == sorted(p["submitted_at"] for p in points)
        assert points[-1]["score"] >= points[0]["score"]
        scores[model_name] = points[-1]["score"]
    # Declared answers are capped at what the platform observes (these bare models have no versions yet), so the
    # scores are lower than declared; the profiles keep their order and diabetes stays below the high-risk minimum.
    assert scores["diabetes-progression"] < 0.6
    assert scores["diabetes-progression"] < scores["wine-quality-classifier"] < scores["breast-cancer-screening"]
    demo.seed(io.StringIO())
    assert Assessment.objects.count() == 12


def test_two_charts_on_one_page_share_no_element_ids():
    radar = charts.radar_svg(["a", "b", "c"], [0.2, 0.5, 1.0])
    trend = charts.trend_svg({"overall": [(datetime(2026, 1, 1), 0.5), (datetime(2026, 2, 1), 0.7)]})
    ids = [set(re.findall(r'\bid="([^"]+)"', svg)) for svg in (radar, trend)]
    assert ids[0] and ids[1] and not ids[0] & ids[1]
    for svg, own in zip((radar, trend), ids, strict=True):
        refs = set(re.findall(r"url\(#([^)]+)\)", svg)) | set(re.findall(r'href="#([^"]+)"', svg))
        assert refs <= own  # every reference points inside its own chart
