"""A real browser answers a questionnaire: pick answers, save and move on, resume the draft."""

from __future__ import annotations

import pytest

from assessments import services
from tests.fixtures.browser import login


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_team_member_answers_saves_and_resumes(page, live_server, frameworks, model, personas):
    assessment = services.assessment_create(model=model, actor=personas.scientist, framework_slug="ml-test-score")
    login(page, live_server.url, "sam", "not-used-1234")
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/")
    question = page.locator("article[data-question='data.1']")
    question.get_by_label("Automated and run repeatedly (1)").check()
    question.locator("input[name='q-data.1-evidence_url']").fill("https://wiki.example.org/schema")
    page.locator("article[data-question='data.2']").get_by_label(
        "Done manually, results documented and shared (0.5)"
    ).check()
    page.get_by_role("button", name="Save and next").click()
    page.wait_for_url("**dimension=model")
    assert page.get_by_test_id("progress").get_attribute("value") == "2"
    assert "Answered 2 of 28" in page.locator("label[for=progress]").inner_text()
    page.get_by_role("link", name="Data and features").click()
    page.wait_for_url("**dimension=data")
    assert page.locator("article[data-question='data.1'] input[value='1']").is_checked()
    assert page.locator("input[name='q-data.1-evidence_url']").input_value() == "https://wiki.example.org/schema"
    page.get_by_role("button", name="Submit the assessment").click()
    assert "26 required question(s) are unanswered" in page.content()
