"""Questionnaire pages: start, answer dimension by dimension, draft and resume, progress, N/A with justification,
submit (refused with the unanswered list), read-only once submitted, comparison, history charts, exports."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments import services
from assessments.models import Assessment
from tests.assessments.factories import answer_all

pytestmark = pytest.mark.django_db


def detail(pk, dimension=None):
    url = reverse("assessments:assessment-detail", args=[pk])
    return url + (f"?dimension={dimension}" if dimension else "")


def test_list_page_for_every_role_and_start_form_only_for_the_team(client, frameworks, model, personas):
    client.force_login(personas.auditor)
    html = client.get(reverse("assessments:assessment-list")).content.decode()
    assert "No assessments recorded." in html and 'data-testid="start-assessment"' not in html
    client.force_login(personas.scientist)
    html = client.get(reverse("assessments:assessment-list")).content.decode()
    assert 'data-testid="start-assessment"' in html and "credit-scoring" in html


def test_answer_dimension_by_dimension_then_submit(client, frameworks, model, personas):
    client.force_login(personas.scientist)
    response = client.post(reverse("assessments:assessment-start"), {"model": model.pk, "framework": "ml-test-score"})
    assessment = Assessment.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(assessment.pk)
    html = client.get(detail(assessment.pk)).content.decode()
    assert 'value="0" max="28"' in html and "Data and features" in html

    # save a draft of the first dimension, then resume: the answers are there
    post = {"dimension": "data", "action": "next", "next_dimension": "model"}
    post.update({f"q-data.{i}-value": "1" for i in range(1, 8)})
    post["q-data.1-evidence_url"] = "https://wiki.example.org/schema"
    response = client.post(reverse("assessments:assessment-answer", args=[assessment.pk]), post)
    assert response.status_code == 302 and response["Location"].endswith("?dimension=model")
    html = client.get(detail(assessment.pk, "data")).content.decode()
    assert 'value="7" max="28"' in html and "https://wiki.example.org/schema" in html
    assert html.count("checked") >= 7

    # submit too early: refused with the list of unanswered required questions
    response = client.post(reverse("assessments:assessment-submit", args=[assessment.pk]), follow=True)
    assert "21 required question(s) are unanswered: model.1" in response.content.decode()

    services.answers_save(
        assessment=assessment, actor=personas.scientist, answers=answer_all(frameworks["ml-test-score"], 0.5)[7:]
    )
    response = client.post(reverse("assessments:assessment-submit", args=[assessment.pk]), follow=True)
    html = response.content.decode()
    assert "Assessment submitted" in html and 'data-testid="result"' in html
    assert "Strong automated testing and monitoring" in html and "<svg" in html
    assert 'data-testid="answer-form"' not in html  # read-only once submitted
    response = client.post(
        reverse("assessments:assessment-answer", args=[assessment.pk]),
        {"dimension": "data", "q-data.1-value": "0"},
        follow=True,
    )
    assert "read-only" in response.content.decode()
    assert assessment.answers.get(question_id="data.1").value == 1


def test_bad_form_input_is_refused_with_a_message(client, frameworks, model, personas):
    assessment = services.assessment_create(model=model, actor=personas.scientist, framework_slug="lifecycle")
    client.force_login(personas.scientist)
    url = reverse("assessments:assessment-answer", args=[assessment.pk])
    response = client.post(url, {"dimension": "data-management", "q-dm.labelling-na": "1"}, follow=True)
    assert "needs a justification" in response.content.decode()
    response = client.post(url, {"dimension": "data-management", "q-dm.pipeline-value": "7"}, follow=True)
    assert "7 is not on the scale" in response.content.decode()
    response = client.post(
        url,
        {"dimension": "data-management", "q-dm.labelling-na": "1", "q-dm.labelling-justification": "No human labels."},
        follow=True,
    )
    assert response.status_code == 200 and assessment.answers.get().not_applicable


def test_outsiders_and_auditors_read_but_cannot_answer(client, frameworks, model, personas):
    assessment = services.assessment_create(model=model, actor=personas.scientist, framework_slug="ml-test-score")
    for who in (personas.outsider, personas.auditor):
        client.force_login(who)
        html = client.get(detail(assessment.pk)).content.decode()
        assert 'data-testid="answer-form"' not in html and 'data-testid="answers-readonly"' in html
        response = client.post(
            reverse("assessments:assessment-answer", args=[assessment.pk]),
            {"dimension": "data", "q-data.1-value": "1"},
            follow=True,
        )
        assert "Only the model&#x27;s team" in response.content.decode()
    client.force_login(personas.nobody)
    assert client.get(detail(assessment.pk)).status_code == 403
    assert not assessment.answers.exists()


def test_comparison_with_the_previous_assessment(client, frameworks, model, personas, submitted_lifecycle):
    first = submitted_lifecycle(0.5)
    client.force_login(personas.auditor)
    html = client.get(reverse("assessments:assessment-compare", args=[first.pk])).content.decode()
    assert 'data-testid="no-previous"' in html
    second = submitted_lifecycle(1.0)
    html = client.get(detail(second.pk)).content.decode()
    assert f"Compare with #{first.pk}" in html
    html = client.get(reverse("assessments:assessment-compare", args=[second.pk])).content.decode()
    assert 'data-testid="compare-dimensions"' in html and "+50 pts" in html and "<svg" in html
    assert html.count('data-changed="1"') == frameworks["lifecycle"].question_count


def test_history_page_draws_trend_and_radar(client, frameworks, model, personas, submitted_lifecycle):
    client.force_login(personas.auditor)
    url = reverse("assessments:model-history", args=[model.name])
    assert 'data-testid="no-history"' in client.get(url).content.decode()
    submitted_lifecycle(0.5)
    submitted_lifecycle(1.0)
    html = client.get(url).content.decode()
    assert html.count("<svg") == 2 and 'data-testid="history-table"' in html
    assert client.get(url + "?framework=nope").status_code == 404


def test_page_exports(client, frameworks, model, personas, submitted_lifecycle):
    done = submitted_lifecycle(1.0)
    client.force_login(personas.auditor)
    response = client.get(reverse("assessments:assessment-export-json", args=[done.pk]))
    assert response.status_code == 200 and response.json()["label"] == "Reliable"  # capped at the observed
    response = client.get(reverse("assessments:assessment-export-csv", args=[done.pk]))
    body = b"".join(response.streaming_content).decode()
    assert (
        body.startswith("assessment,model,framework") and body.count("\n") == frameworks["lifecycle"].question_count + 1
    )


def test_framework_pages_show_questions_with_their_mappings(client, frameworks, personas):
    client.force_login(personas.auditor)
    html = client.get(reverse("assessments:framework-list")).content.decode()
    assert html.count("badge passed") == 4
    html = client.get(reverse("assessments:framework-detail", args=["lifecycle"])).content.decode()
    assert "<code>mlts:data.1</code>" in html and "<code>euaia:art12</code>" in html and "Scalable" in html
    html = client.get(reverse("assessments:framework-detail", args=["google-mlops"]) + "?version=1").content.decode()
    assert "Level 2: CI/CD pipeline automation" in html and "g.l2.registry" in html
    assert client.get(reverse("assessments:framework-detail", args=["nope"])).status_code == 404


def test_a_refused_start_keeps_what_was_typed_and_says_why_beside_the_field(client, frameworks, model, personas):
    client.force_login(personas.scientist)
    typed = {"model": model.pk, "framework": "lifecycle", "version": "7", "notes": "Quarterly review <Q3>"}
    response = client.post(reverse("assessments:assessment-start"), typed)
    assert response.status_code == 400 and not Assessment.objects.exists()
    html = response.content.decode()
    form = html.split('data-testid="start-form"', 1)[1].split("</form>", 1)[0]
    assert 'data-testid="start-assessment" open' in html  # the form is shown, not folded away
    version_field = form.split('id="start_version"', 1)[1].split("</div>", 1)[0]
    assert "credit-scoring has no version 7." in version_field and 'role="alert"' in version_field
    assert 'value="7"' in form and "Quarterly review &lt;Q3&gt;</textarea>" in form
    assert f'<option value="{model.pk}" selected>' in form
    assert "No assessment was started: correct the form below." in html and "message-error" in html
    unknown = client.post(reverse("assessments:assessment-start"), {"model": "999999", "framework": "lifecycle"})
    assert unknown.status_code == 400 and "Choose one of your team&#x27;s models." in unknown.content.decode()
