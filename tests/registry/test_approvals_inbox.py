"""The approvals inbox: a badge with the count awaiting me, my decidable requests oldest first, every piece of
evidence linked from the request page, gates that pass only for want of configuration marked as such."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from registry import services
from registry.models import PromotionRequest
from tests.registry.factories import make_model, make_version, set_policy

pytestmark = pytest.mark.django_db


def _request(personas, model, version, who=None, text="Ready."):
    promotion, _ = services.promotion_request_create(
        version=version, actor=who or personas.scientist, justification=text
    )
    return promotion


def test_badge_and_inbox_list_what_awaits_me_oldest_first(personas, client):
    first_model = make_model(personas, name="alpha")
    second_model = make_model(personas, name="beta", risk_tier="high")
    old = _request(personas, first_model, make_version(personas, first_model))
    PromotionRequest.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    new = _request(personas, second_model, make_version(personas, second_model))
    # The dual-role persona requests one: it is theirs, so it never reaches their own inbox.
    own_model = make_model(personas, name="gamma")
    own = _request(personas, own_model, make_version(personas, own_model), who=personas.scientist_approver)

    client.force_login(personas.approver)
    home = client.get(reverse("dashboard")).content.decode()
    assert 'data-testid="nav-badge"><span aria-hidden="true">3<' in home
    body = client.get(reverse("registry:approvals")).content.decode()
    assert body.index(f"#{old.pk}<") < body.index(f"#{new.pk}<") and f"#{own.pk}<" in body
    assert "High" in body and "3\xa0days" in body

    client.force_login(personas.scientist_approver)
    body = client.get(reverse("registry:approvals")).content.decode()
    assert f"#{own.pk}<" not in body and f"#{old.pk}<" in body
    # "beta" is high risk, whose policy needs approvers from outside the model's team: not in a teammate's inbox.
    assert f"#{new.pk}<" not in body
    assert 'data-testid="nav-badge"><span aria-hidden="true">1<' in body

    # Once I decided, it leaves my inbox and my badge.
    # (A rejection: the high tier's gates fail here, and nobody approves failing evidence.)
    services.promotion_decide(request=new, actor=personas.approver, decision="reject")
    client.force_login(personas.approver)
    body = client.get(reverse("registry:approvals")).content.decode()
    assert f"#{new.pk}<" not in body and 'data-testid="nav-badge"><span aria-hidden="true">2<' in body


def test_non_approvers_have_no_inbox_and_no_nav_item(personas, client):
    client.force_login(personas.scientist)
    assert client.get(reverse("registry:approvals")).status_code == 403
    assert ">Approvals" not in client.get(reverse("dashboard")).content.decode()


def test_request_page_links_the_evidence_and_marks_unconfigured_gates(personas, client, settings):
    set_policy("low", required_gates=["model_card", "metrics", "maturity"], metric_thresholds={})
    model = make_model(personas)
    version = make_version(personas, model)
    from assessments import services as assessment_services
    from assessments.models import Framework

    if not Framework.objects.filter(slug="lifecycle").exists():
        from django.core.management import call_command

        call_command("load_frameworks", verbosity=0)
    assessment = assessment_services.assessment_create(
        model=model, actor=personas.scientist, framework_slug="lifecycle"
    )
    promotion = _request(personas, model, version)
    # Name the assessment in the maturity gate's detail the way the gate does once one is submitted.
    gates = [
        *[g for g in promotion.gate_results if g["name"] != "maturity"],
        {"name": "maturity", "passed": True, "detail": f"Assessment #{assessment.pk} (Level 2) scored 0.80 >= 0.30."},
    ]
    PromotionRequest.objects.filter(pk=promotion.pk).update(gate_results=gates)

    client.force_login(personas.approver)
    body = client.get(reverse("registry:request-detail", args=[promotion.pk])).content.decode()
    assert reverse("assessments:assessment-detail", args=[assessment.pk]) in body
    assert reverse("registry:version-detail", args=[model.name, version.version]) + "#card" in body
    assert reverse("monitoring:version-detail", args=[model.name, version.version]) in body
    report_url = reverse("reports:model-preview", args=[model.name]) + f"?version={version.version}"
    assert report_url.replace("?", "?") in body
    metrics_row = body[body.index('data-gate="metrics"') :]
    metrics_row = metrics_row[: metrics_row.index("</tr>")]
    assert "not configured" in metrics_row and "badge passed" not in metrics_row
    assert 'data-testid="policy-snapshot"' in body and "none (not configured)" in body


def test_an_approver_reads_the_report_preview_of_a_model_under_review(personas, client):
    model = make_model(personas)
    version = make_version(personas, model)
    url = reverse("reports:model-preview", args=[model.name]) + f"?version={version.version}"
    client.force_login(personas.approver)
    assert client.get(url).status_code == 404  # nothing under review: not theirs to read
    promotion = _request(personas, model, version)
    response = client.get(url)
    assert response.status_code == 200 and model.name in response.content.decode()
    services.promotion_withdraw(request=promotion, actor=personas.scientist)
    assert client.get(url).status_code == 404


def test_the_last_approval_says_what_happened(personas, client):
    model = make_model(personas, name="credit-scoring")
    make_version(personas, model)  # v1
    v2 = make_version(personas, model)
    first = _request(personas, model, v2)
    services.promotion_decide(request=first, actor=personas.approver, decision="approve")
    v3 = make_version(personas, model)
    promotion = _request(personas, model, v3)
    client.force_login(personas.approver2)
    response = client.post(
        reverse("registry:request-decide", args=[promotion.pk]), {"decision": "approve"}, follow=True
    )
    assert "v3 of credit-scoring is now in production; v2 archived." in response.content.decode()


def test_an_approval_short_of_the_count_says_how_many_are_missing(personas, client, high_model):
    version = make_version(personas, high_model)
    promotion = _request(personas, high_model, version)
    client.force_login(personas.approver)
    response = client.post(
        reverse("registry:request-decide", args=[promotion.pk]), {"decision": "approve"}, follow=True
    )
    assert "1 of 2" in response.content.decode() and "waits for more approvers" in response.content.decode()
