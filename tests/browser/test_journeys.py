"""The three journeys of issue #11 in a real browser, through the pages alone (no admin, no API).

Only the starting state of the approver's and the auditor's journeys is set up through the services; every step a
person takes is a click or a keystroke in the pages. Drift checks run the way the test settings run every task
(eager in `make test` and CI; the worker tests cover the real broker).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.fixtures.browser import login
from tests.monitoring.factories import csv_bytes, make_frame

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "not-used-1234"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_content_types(transactional_db):
    # The previous transactional test flushed the content types; the roles' permissions are recreated against the
    # database's, not the ids cached by the last test.
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


@pytest.fixture
def frameworks(personas):
    from assessments import builtin

    builtin.load()


def _no_admin_or_api(page) -> list[str]:
    """Record every request the browser makes, to prove no step went through the admin or the API."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen


def _assert_pages_only(seen: list[str], base: str) -> None:
    doors = [u for u in seen if u.startswith((f"{base}/admin", f"{base}/api/"))]
    assert not doors, f"a step used the admin or the API: {doors}"


def _fill_rows(page, field: str, rows: list[tuple[str, str]]) -> None:
    keys = page.locator(f"input[name='{field}-key']")
    values = page.locator(f"input[name='{field}-value']")
    for index, (key, value) in enumerate(rows):
        keys.nth(index).fill(key)
        values.nth(index).fill(value)


def _answer_dimension(page) -> None:
    for question in page.locator("article[data-question]").all():
        question.locator("input[type=radio]").last.check()


def test_data_scientist_journey_in_the_pages_alone(page, live_server, personas, frameworks):
    base = live_server.url
    seen = _no_admin_or_api(page)
    login(page, base, "sam", PASSWORD)

    # Register a model.
    page.get_by_role("link", name="Models", exact=True).first.click()
    page.get_by_test_id("register-model").click()
    page.get_by_label(re.compile(r"^Name:?$")).fill("credit-scoring")
    page.get_by_label("Team").select_option(label="Risk models")
    page.get_by_label("Risk tier").select_option("medium")
    page.get_by_label("Description").fill("Scores retail loan applications.")
    page.get_by_label("Business goal").fill("Fewer defaults at the same approval rate.")
    page.get_by_label("Success KPI").fill("Default rate below 2%.")
    _fill_rows(page, "tags", [("domain", "lending")])
    page.get_by_role("button", name="Register").click()
    page.wait_for_url("**/models/credit-scoring/versions/new/")
    assert "Registered credit-scoring" in page.content()

    # Add a version (a typo first: the form keeps what was typed and says what to change).
    page.get_by_label("Source URI").fill("s3://models/credit/v1.skops")
    page.get_by_label("Run id").fill("run-42")
    page.get_by_label("Code repository").fill("https://git.example.org/credit")
    page.get_by_label("Code commit").fill("9f1c2ab")
    page.get_by_label("Training dataset").fill("s3://data/credit/2026-11.parquet")
    _fill_rows(page, "metrics", [("accuracy", "0.9l")])
    _fill_rows(page, "parameters", [("max_depth", "6")])
    page.get_by_label("Input signature").fill('{"age": "float", "income": "float", "score": "float", "city": "str"}')
    page.get_by_role("button", name="Add version").click()
    assert "must be a number" in page.get_by_test_id("form-errors").inner_text() + page.content()
    assert page.get_by_label("Run id").input_value() == "run-42"
    assert page.locator("input[name='metrics-value']").first.input_value() == "0.9l"
    page.locator("input[name='metrics-value']").first.fill("0.91")
    page.get_by_role("button", name="Add version").click()
    page.wait_for_url("**/models/credit-scoring/versions/1/card/")

    # The model card, with its completeness.
    assert "0 of 7 fields filled in" in page.get_by_test_id("card-completeness").inner_text()
    page.get_by_label("Intended use").fill("Scoring retail loan applications in France.")
    page.get_by_label("Training data").fill("Applications 2023-2025, deduplicated.")
    page.get_by_label("Evaluation data").fill("Applications of 2026 Q1, held out.")
    page.get_by_role("button", name="Save the card").click()
    page.wait_for_url("**/models/credit-scoring/versions/1/")
    assert "3 of 7 fields filled in" in page.get_by_test_id("card-completeness").first.inner_text()

    # Staging, after a confirmation.
    page.get_by_test_id("move-staging").click()
    assert "from none to staging?" in page.content()
    page.get_by_role("button", name="Move to staging").click()
    page.wait_for_url("**/models/credit-scoring/versions/1/")
    assert page.get_by_test_id("version-stage").inner_text() == "Staging"

    # Upload the reference data, then a current batch: the drift check runs and its result shows.
    page.get_by_role("link", name="Monitoring", exact=True).first.click()
    page.get_by_role("link", name="Upload a dataset").click()
    page.get_by_label("Version").select_option(label="credit-scoring v1 (staging)")
    page.get_by_label("Kind").select_option("reference")
    page.locator("input[type=file][name=file]").set_input_files(
        {"name": "reference.csv", "mimeType": "text/csv", "buffer": csv_bytes(make_frame(300))}
    )
    page.get_by_role("button", name="Upload").click()
    assert "Uploaded reference.csv" in page.content()
    page.goto(f"{base}/monitoring/upload/")
    page.get_by_label("Version").select_option(label="credit-scoring v1 (staging)")
    page.get_by_label("Kind").select_option("current")
    page.locator("input[type=file][name=file]").set_input_files(
        {"name": "current.csv", "mimeType": "text/csv", "buffer": csv_bytes(make_frame(300, seed=2))}
    )
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url(re.compile(r".*/monitoring/checks/\d+/$"))
    page.wait_for_selector("[data-testid=column-table]")
    assert page.get_by_test_id("check-status").inner_text() == "succeeded"
    assert "no dataset drift" in page.get_by_test_id("verdict").inner_text().lower()

    # The maturity questionnaire: start, answer a part, save the draft, leave, resume from the dashboard, submit.
    page.get_by_role("link", name="Assessments", exact=True).first.click()
    page.get_by_test_id("start-assessment").locator("summary").click()
    start = page.get_by_test_id("start-assessment")
    start.locator("select[name=model]").select_option(label="credit-scoring")
    start.locator("select[name=framework]").select_option("lifecycle")
    page.get_by_role("button", name="Start", exact=True).click()
    page.wait_for_url(re.compile(r".*/assessments/\d+/$"))
    assessment_url = page.url
    _answer_dimension(page)
    page.get_by_role("button", name="Save draft").click()
    page.goto(f"{base}/")
    drafts = page.get_by_test_id("need-card").filter(has_text="Your draft assessments")
    assert drafts.locator(".figure").inner_text() == "1"
    drafts.click()
    page.locator(f"a[href='{assessment_url.removeprefix(base)}']").first.click()
    while True:
        _answer_dimension(page)
        next_button = page.get_by_role("button", name="Save and next")
        if next_button.count() == 0:
            page.get_by_role("button", name="Save draft").click()
            break
        next_button.click()
    page.get_by_role("button", name="Submit the assessment").click()
    page.wait_for_selector("[data-testid=answers-readonly]")

    # Request production from the version page.
    page.goto(f"{base}/models/credit-scoring/")
    page.get_by_test_id("open-v1").click()
    page.get_by_label("Justification").fill("Beats the rules engine; maturity and drift evidence attached.")
    page.get_by_role("button", name="Request production", exact=True).click()
    page.wait_for_url(re.compile(r".*/models/requests/\d+/$"))
    assert page.get_by_test_id("request-status").inner_text() == "Open"
    gates = page.get_by_test_id("gate-table").inner_text()
    assert "failed" not in gates, gates  # card, metrics and maturity evidence are all in place
    _assert_pages_only(seen, base)


def _production_request(personas):
    """credit-scoring: v1 in production, v2 in staging with an open request whose gates pass."""
    from registry import services
    from tests.registry.factories import make_model, make_version, set_policy

    set_policy("low", required_gates=["model_card", "metrics"], metric_thresholds={"accuracy": {"min": 0.8}})
    model = make_model(personas, name="credit-scoring", risk_tier="low")
    v1 = make_version(personas, model)
    first, _ = services.promotion_request_create(version=v1, actor=personas.scientist, justification="First.")
    services.promotion_decide(request=first, actor=personas.approver2, decision="approve")
    v2 = make_version(personas, model, metrics={"accuracy": 0.93})
    promotion, _ = services.promotion_request_create(
        version=v2, actor=personas.scientist, justification="Better accuracy on the 2026 data."
    )
    return model, promotion


def test_approver_journey_inbox_evidence_approve_production(page, live_server, personas):
    _, promotion = _production_request(personas)
    base = live_server.url
    seen = _no_admin_or_api(page)
    login(page, base, "alice", PASSWORD)
    assert page.get_by_test_id("nav-badge").first.inner_text().startswith("1")
    page.get_by_role("link", name=re.compile("^Approvals")).first.click()
    page.get_by_role("link", name=f"#{promotion.pk}", exact=True).click()
    page.wait_for_url(f"**/models/requests/{promotion.pk}/")

    # Evidence: the model card, the metrics and the governance report preview all open for the approver.
    page.get_by_role("link", name="Model card of v2").first.click()
    assert "7 of 7 fields filled in" in page.get_by_test_id("card-completeness").first.inner_text()
    page.go_back()
    page.get_by_test_id("report-preview").click()
    assert "credit-scoring" in page.content() and page.title() != ""
    page.go_back()
    metrics_row = page.locator("[data-gate=metrics]")
    assert "passed" in metrics_row.inner_text() and "accuracy=0.93" in metrics_row.inner_text()

    page.get_by_label("Comment").fill("Evidence checked.")
    # Applying the promotion also renders and stores the governance PDF of the new production version; the tests
    # run tasks in the request (eager), so this one click waits for WeasyPrint too.
    page.get_by_role("button", name="Approve", exact=True).click(timeout=90_000)
    page.wait_for_url(f"**/models/requests/{promotion.pk}/", timeout=90_000)
    assert "v2 of credit-scoring is now in production; v1 archived." in page.content()
    assert page.get_by_test_id("request-status").inner_text() == "Applied"
    page.goto(f"{base}/models/credit-scoring/versions/2/")
    assert page.get_by_test_id("version-stage").inner_text() == "Production"
    _assert_pages_only(seen, base)


def test_auditor_journey_filter_verify_as_of_pdf(page, live_server, personas):
    from django.utils import timezone

    _production_request(personas)
    # The next whole minute (the page's datetime input takes minutes): after v1 went to production.
    moment = timezone.localtime(timezone.now() + dt.timedelta(minutes=1))
    base = live_server.url
    seen = _no_admin_or_api(page)
    login(page, base, "audrey", PASSWORD)

    page.get_by_role("link", name="Audit", exact=True).first.click()
    filters = page.get_by_test_id("filters")
    filters.get_by_label(re.compile(r"^Model:?$")).fill("credit-scoring")
    filters.get_by_label(re.compile(r"^Action:?$")).fill("promotion.")
    filters.get_by_role("button", name="Filter", exact=True).click()
    listing = page.content()
    assert "promotion.requested" in listing and "promotion.applied" in listing and "card.updated" not in listing

    page.get_by_role("button", name="Verify the chain").click()
    assert "intact" in page.get_by_test_id("verify-ok").inner_text()

    page.goto(f"{base}/models/credit-scoring/")
    page.locator("input[name=as_of]").fill(moment.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Show", exact=True).click()
    assert "v1 was in production" in page.get_by_test_id("as-of").inner_text()

    # The PDF is rendered on demand (WeasyPrint): seconds, more on a loaded machine.
    with page.expect_download(timeout=90_000) as download_info:
        page.get_by_role("link", name="download PDF").click(timeout=90_000)
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    _assert_pages_only(seen, base)
