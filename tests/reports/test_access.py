"""Who reads reports: auditors and the model's team download; everyone else gets 404 (pages, API, files)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reports import services
from reports.choices import ReportKind, ReportVariant
from reports.models import GovernanceReport


@pytest.fixture
def stored(production):
    # A stored report row with a file, written without rendering (access rules only).
    from django.core.files.base import ContentFile

    report = GovernanceReport.objects.create(
        model=production.model,
        version=production,
        model_name=production.model.name,
        version_number=1,
        status="succeeded",
        variant=ReportVariant.PDF,
        title="t",
    )
    report.file.save("r.pdf", ContentFile(b"%PDF-1.7 test"), save=True)
    return report


READERS = ["scientist", "engineer", "auditor", "admin"]
OUTSIDERS = ["outsider", "nobody", "approver"]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404_everywhere(client, api, personas, production, stored, who):
    user = getattr(personas, who)
    client.force_login(user)
    name = production.model.name
    for url in (
        reverse("reports:model-preview", args=[name]),
        reverse("reports:model-pdf", args=[name]),
        reverse("reports:report-detail", args=[stored.pk]),
        reverse("reports:report-download", args=[stored.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("reports:model-generate", args=[name])).status_code == 404
    assert stored.pk not in [r.pk for r in client.get(reverse("reports:report-list")).context["page"]]
    assert api(user).get(f"/api/v1/reports/{stored.pk}/download/").status_code == 404
    assert api(user).get(f"/api/v1/reports/{stored.pk}/").status_code == 404
    if who != "nobody":
        assert api(user).post("/api/v1/reports/", {"model": name}, format="json").status_code in (403, 404)
        assert api(user).get("/api/v1/reports/").json()["results"] == []


@pytest.mark.parametrize("who", READERS)
def test_team_and_auditors_download_the_stored_file(client, api, personas, stored, who):
    user = getattr(personas, who)
    client.force_login(user)
    response = client.get(reverse("reports:report-download", args=[stored.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 test"
    assert response["Content-Disposition"].startswith("attachment")
    api_response = api(user).get(f"/api/v1/reports/{stored.pk}/download/")
    assert api_response.status_code == 200
    assert [r["id"] for r in api(user).get("/api/v1/reports/").json()["results"]] == [stored.pk]


def test_auditor_previews_and_downloads_on_demand(client, personas, production):
    client.force_login(personas.auditor)
    preview = client.get(reverse("reports:model-preview", args=[production.model.name]))
    assert preview.status_code == 200
    assert b"Promotion history" in preview.content and b"HTML preview" in preview.content
    pdf = client.get(reverse("reports:model-pdf", args=[production.model.name]) + "?version=1")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert client.get(reverse("reports:model-preview", args=[production.model.name]) + "?version=9").status_code == 404
    assert client.get(reverse("reports:model-preview", args=[production.model.name]) + "?version=x").status_code == 404


def test_model_page_shows_report_links_to_readers_only(client, personas, production):
    url = reverse("registry:model-detail", args=[production.model.name])
    client.force_login(personas.scientist)
    page = client.get(url).content.decode()
    assert 'data-testid="report-links"' in page and "Generate and store" in page
    client.force_login(personas.auditor)
    page = client.get(url).content.decode()
    assert 'data-testid="report-links"' in page and "Generate and store" not in page
    client.force_login(personas.approver)
    assert 'data-testid="report-links"' not in client.get(url).content.decode()


def test_portfolio_is_for_auditors_and_approvers(client, personas, production):
    for who, expected in (("auditor", 200), ("approver", 200), ("scientist", 404), ("outsider", 404)):
        client.force_login(getattr(personas, who))
        assert client.get(reverse("reports:portfolio-preview")).status_code == expected, who


def test_portfolio_report_for_a_model_cannot_be_requested_by_outsiders(personas):
    from mlops_gov.errors import PermissionError_

    with pytest.raises(PermissionError_):
        services.report_request(actor=personas.scientist, kind=ReportKind.PORTFOLIO, enqueue=False)
