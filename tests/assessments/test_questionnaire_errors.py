"""A refused questionnaire save keeps every posted answer on the page and says, beside each question, what to fix."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from assessments import services

pytestmark = pytest.mark.django_db


def _article(html: str, qid: str) -> str:
    return html.split(f'data-question="{qid}"', 1)[1].split("</article>", 1)[0]


def test_a_refused_save_re_renders_every_posted_answer_with_errors_beside_their_questions(
    client, frameworks, model, personas
):
    assessment = services.assessment_create(model=model, actor=personas.scientist, framework_slug="lifecycle")
    client.force_login(personas.scientist)
    posted = {
        "dimension": "data-management",
        "q-dm.versioned-value": "1",
        "q-dm.pipeline-value": "0.5",
        "q-dm.pipeline-evidence_url": "https://wiki.example.org/pipeline",
        "q-dm.pipeline-evidence_note": "Airflow DAG ingest_daily",
        "q-dm.labelling-na": "1",  # no reason given
        "q-dm.lineage-value": "0",
        "q-dm.lineage-evidence_url": "not a url",
        "q-dm.privacy-value": "1",
    }
    response = client.post(reverse("assessments:assessment-answer", args=[assessment.pk]), posted)
    assert response.status_code == 400
    assert not assessment.answers.exists()  # all or nothing
    html = response.content.decode()

    summary = html.split('data-testid="answer-errors"', 1)[1].split("</div>", 1)[0]
    assert 'role="alert"' in html.split('data-testid="answer-errors"', 1)[0][-80:] + summary[:40]
    assert '<a href="#q-dm.labelling">dm.labelling</a>: Give a reason for' in summary
    assert '<a href="#q-dm.lineage">dm.lineage</a>: Evidence_url must be an http(s) URL.' in summary
    assert "answers[" not in html

    labelling = _article(html, "dm.labelling")
    assert "has-error" in html.split('data-question="dm.labelling"', 1)[1][:80]
    assert "Give a reason for &#x27;not applicable&#x27;" in labelling
    assert re.search(r'name="q-dm.labelling-na" value="1"\s+checked', labelling)

    assert re.search(r'name="q-dm.versioned-value" value="1"\s+checked', _article(html, "dm.versioned"))
    pipeline = _article(html, "dm.pipeline")
    assert re.search(r'name="q-dm.pipeline-value" value="0.5"\s+checked', pipeline)
    assert 'value="https://wiki.example.org/pipeline"' in pipeline and 'value="Airflow DAG ingest_daily"' in pipeline
    assert 'value="not a url"' in _article(html, "dm.lineage")
    assert re.search(r'name="q-dm.privacy-value" value="1"\s+checked', _article(html, "dm.privacy"))
    assert "question-error" not in pipeline  # only the questions at fault carry an error


def test_the_fixed_answers_are_saved_together(client, frameworks, model, personas):
    assessment = services.assessment_create(model=model, actor=personas.scientist, framework_slug="lifecycle")
    client.force_login(personas.scientist)
    url = reverse("assessments:assessment-answer", args=[assessment.pk])
    posted = {"dimension": "data-management", "q-dm.pipeline-value": "0.5", "q-dm.labelling-na": "1"}
    assert client.post(url, posted).status_code == 400
    posted["q-dm.labelling-justification"] = "Targets come from the ledger, nobody labels them."
    response = client.post(url, posted, follow=True)
    assert response.status_code == 200
    assert {a.question_id for a in assessment.answers.all()} == {"dm.pipeline", "dm.labelling"}
    html = response.content.decode()
    assert 'class="message message-success" role="status"' in html


def test_every_questionnaire_input_has_a_label(client, frameworks, model, personas):
    assessment = services.assessment_create(model=model, actor=personas.scientist, framework_slug="lifecycle")
    client.force_login(personas.scientist)
    html = client.get(reverse("assessments:assessment-detail", args=[assessment.pk]), {"dimension": "data-management"})
    form = html.content.decode().split('data-testid="answer-form"', 1)[1].split("</form>", 1)[0]
    for tag in re.findall(r"<(?:textarea|input)[^>]*>", form):
        if 'type="hidden"' in tag or 'type="radio"' in tag or 'type="checkbox"' in tag:
            continue  # radios and checkboxes sit inside their <label>
        input_id = re.search(r'id="([^"]+)"', tag)
        assert input_id and f'for="{input_id.group(1)}"' in form, tag
