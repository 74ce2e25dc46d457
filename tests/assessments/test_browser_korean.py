"""A real browser switches to Korean with the header's switcher and completes a questionnaire page in Korean
(issue #16): the questions, answer labels, messages and progress all read in Korean, and what is stored is the
same answer an English reader would have given."""

from __future__ import annotations

import pytest

from assessments import services
from assessments.models import Answer
from tests.browser.test_crawl import OVERFLOW
from tests.fixtures.browser import login

PLANNING = {  # question: the Korean label to pick (value)
    "plan.goal": "예, 문서화 및 검토됨 (1)",
    "plan.baseline": "일부 (0.5)",
    "plan.risk": "예, 문서화 및 검토됨 (1)",
    "plan.data-rights": "아니요 (0)",
    "plan.delivery-metrics": "자동화 및 반복 수행 (1)",
}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_switch_to_korean_and_complete_a_questionnaire_page(
    browser, live_server, frameworks, model, personas, compiled_catalogues
):
    assessment = services.assessment_create(model=model, actor=personas.scientist, framework_slug="lifecycle")
    context = browser.new_context(viewport={"width": 390, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(30_000)
    login(page, live_server.url, "sam", "not-used-1234")
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/")
    assert page.get_attribute("html", "lang") == "en-gb"
    assert page.get_by_role("heading", name="Answer: Planning").is_visible()

    with page.expect_navigation():
        page.get_by_test_id("language-ko").click()  # the header's switcher; it brings the reader back here
    assert page.get_attribute("html", "lang") == "ko"
    assert page.url.startswith(f"{live_server.url}/assessments/{assessment.pk}/")
    assert page.get_by_role("heading", name="답변: 계획 수립").is_visible()  # the seed's stage name
    goal = page.locator("article[data-question='plan.goal']")
    assert "비즈니스 목표와 성공을 측정할 KPI" in goal.locator("header").inner_text()
    assert "중요한 이유:" in goal.inner_text()
    assert page.evaluate(OVERFLOW) is None  # Korean text wraps at 390 px

    for question, label in PLANNING.items():
        page.locator(f"article[data-question='{question}']").get_by_label(label, exact=True).check()
    goal.get_by_label("증거 링크").fill("https://wiki.example.org/goal")
    page.get_by_role("button", name="저장 후 다음").click()
    page.wait_for_url("**dimension=data-preparation")
    assert "저장했습니다(5개 변경, 66개 중 5개 응답)." in page.content()
    assert page.get_by_role("heading", name="답변: 데이터 준비").is_visible()
    assert page.get_by_test_id("progress").get_attribute("value") == "5"
    assert "66개 중 5개 응답" in page.locator("label[for=progress]").inner_text()

    # A refused answer is explained in Korean beside its question, and nothing is saved.
    page.locator("article[data-question='data.schema'] input[type=url]").fill(
        "ftp://files.example.org/schema"
    )  # a URL, not http(s)
    page.locator("article[data-question='data.schema']").get_by_label("없음 (0)", exact=True).check()
    page.get_by_role("button", name="초안 저장").click()
    assert "오류: 아무것도 저장되지 않았습니다." in page.get_by_test_id("answer-errors").inner_text()
    assert "증거 링크(evidence_url)는 http(s) URL이어야 합니다." in page.get_by_test_id("question-error").inner_text()

    stored = {a.question_id: a.value for a in Answer.objects.filter(assessment=assessment)}
    assert stored == {
        "plan.goal": 1.0,
        "plan.baseline": 0.5,
        "plan.risk": 1.0,
        "plan.data-rights": 0.0,
        "plan.delivery-metrics": 1.0,
    }
    assert Answer.objects.get(assessment=assessment, question_id="plan.goal").evidence_url == (
        "https://wiki.example.org/goal"
    )
    context.close()
