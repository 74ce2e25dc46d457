"""The dashboard of what needs me: per role, every count links to the filtered list behind it, trends as
sparklines."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from mlops_gov.svg import daily_counts, sparkline
from registry import services
from tests.registry.factories import make_model, make_version

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _card(html: str, label: str) -> tuple[int, str]:
    """(count, link) of the dashboard card with this label."""
    match = re.search(
        r'<a class="card" href="([^"]+)"[^>]*data-testid="need-card">\s*<div class="label">'
        + re.escape(label)
        + r'</div>\s*<div class="figure">(\d+)</div>',
        html,
    )
    assert match, f"no card {label!r}"
    return int(match.group(2)), match.group(1).replace("&amp;", "&")


def test_sparkline_draws_the_values_and_names_them():
    svg = sparkline([0.1, 0.3, 0.2], label="Drift share")
    assert svg.startswith("<svg") and 'role="img"' in svg and "<title>Drift share: 0.1, 0.3, 0.2</title>" in svg
    assert svg.count(",") >= 3 and "polyline" in svg
    assert sparkline([], label="x") == ""
    from django.utils import timezone

    now = timezone.now()
    assert daily_counts([now, now, now - dt.timedelta(days=1)], days=3, now=now) == [0, 1, 2]


def test_a_data_scientist_sees_their_open_requests_and_drafts(personas, client):
    from assessments import services as assessment_services
    from assessments.models import Framework

    if not Framework.objects.filter(slug="lifecycle").exists():
        from django.core.management import call_command

        call_command("load_frameworks", verbosity=0)
    model = make_model(personas)
    services.promotion_request_create(
        version=make_version(personas, model), actor=personas.scientist, justification="x"
    )
    services.promotion_request_create(version=make_version(personas, model), actor=personas.engineer, justification="y")
    assessment_services.assessment_create(model=model, actor=personas.scientist, framework_slug="lifecycle")
    assessment_services.assessment_create(model=model, actor=personas.engineer, framework_slug="lifecycle")

    client.force_login(personas.scientist)
    html = client.get(reverse("dashboard")).content.decode()
    count, url = _card(html, "Your open promotion requests")
    assert count == 1
    listed = client.get(url).content.decode()
    assert listed.count('href="/models/requests/') == 1  # exactly the one behind the count
    count, url = _card(html, "Your draft assessments")
    assert count == 1
    listed = client.get(url).content.decode()
    assert listed.count('href="/assessments/') - listed.count('href="/assessments/frameworks') >= 1
    assert "by sam" in listed and "by eve" not in listed
    assert "Requests awaiting your decision" not in html


def test_an_approver_sees_what_awaits_them(personas, client):
    model = make_model(personas)
    services.promotion_request_create(
        version=make_version(personas, model), actor=personas.scientist, justification="x"
    )
    client.force_login(personas.approver)
    html = client.get(reverse("dashboard")).content.decode()
    count, url = _card(html, "Requests awaiting your decision")
    assert count == 1 and url == reverse("registry:approvals")
    assert "Your draft assessments" not in html and "Your open promotion requests" not in html


def test_production_models_drifting_link_to_the_filtered_monitoring_table(personas, client):
    from monitoring import services as monitoring_services
    from tests.monitoring.factories import csv_bytes, make_frame

    def in_production(name: str, shift: float):
        model = make_model(personas, name=name)
        version = make_version(personas, model)
        promotion, _ = services.promotion_request_create(version=version, actor=personas.scientist, justification="x")
        services.promotion_decide(request=promotion, actor=personas.approver, decision="approve")
        monitoring_services.dataset_upload(
            version=version,
            kind="reference",
            data=csv_bytes(make_frame(300)),
            filename="r.csv",
            actor=personas.scientist,
        )
        current = monitoring_services.dataset_upload(
            version=version,
            kind="current",
            data=csv_bytes(make_frame(300, shift=shift, seed=5)),
            filename="c.csv",
            actor=personas.scientist,
            trigger_check=False,
        )
        check = monitoring_services.check_create(
            version=version, current=current, actor=personas.scientist, enqueue=False
        )
        monitoring_services.check_run(check_id=check.pk)
        return version

    in_production("drifting-model", shift=2.0)
    in_production("steady-model", shift=0.0)
    client.force_login(personas.auditor)
    html = client.get(reverse("dashboard")).content.decode()
    count, url = _card(html, "Production models drifting")
    assert count == 1 and url.endswith("?show=drifting")
    page = client.get(url).content.decode()
    table = page[page.index('data-testid="production-table"') :]
    table = table[: table.index("</table>")]
    assert "drifting-model v1" in table and "steady-model v1" not in table
    everything = client.get(reverse("monitoring:dashboard")).content.decode()
    assert "steady-model v1" in everything
    assert 'class="sparkline"' in everything and "→" not in everything  # trends are charts, not "0.31 → 0.38"
    count, _ = _card(html, "Reports generated in the last 7 days")
    assert count == 0
