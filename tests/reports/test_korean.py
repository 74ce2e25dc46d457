"""Issue #16: governance and portfolio reports in Korean (CLI, page, automatic), read back from the PDF."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone, translation

from assessments import builtin
from assessments import services as assessments
from mlops_gov.jobs import JobStatus
from notifications.models import NotificationPreference
from registry.models import AuditEvent
from reports import services
from reports.choices import ReportKind, ReportTrigger
from reports.models import GovernanceReport
from tests.reports.factories import make_version, promote
from tests.reports.pdf import flat, pdf_text

pytestmark = pytest.mark.django_db
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def korean_date(when) -> str:
    local = timezone.localtime(when)
    return f"{local.year}년{local.month}월{local.day}일"


@pytest.fixture
def assessed(personas, production):
    """The production model with a submitted lifecycle assessment (every answer 'manual and documented')."""
    builtin.load()
    assessment = assessments.assessment_create(model=production.model, actor=personas.scientist)
    answers = [{"question": q, "value": 0.5} for q in assessment.framework.questions()]
    assessments.answers_save(assessment=assessment, actor=personas.scientist, answers=answers)
    assessments.assessment_submit(assessment=assessment, actor=personas.scientist)
    return production


def test_a_korean_governance_pdf_reads_back_in_korean(assessed):
    rendered = services.model_report_render(version=assessed, generated_by="audrey", variant="pdf/a-3b", language="ko")
    assert '<html lang="ko">' in rendered.html
    text = flat(pdf_text(rendered.pdf))
    for korean in (
        "모델거버넌스보고서",  # the cover
        "요약",  # executive summary
        "결정:승인및적용됨",  # the decision, written by the service
        "식별정보와계보",
        "승격이력",
        "성숙도평가",  # the assessments section
        "계획수립",  # a lifecycle stage, from the framework file's Korean
        "이문서에대하여",
        "1/",  # the page footer: "1 / N쪽"
    ):
        assert korean in text, korean
    assert korean_date(assessed.stage_changed_at) in text  # dates in the Korean order
    # what people entered stays as entered: the model's description is quoted, not translated
    assert flat("Scores credit applications for Café Zoë; 신용 평가 모델.") in text
    # the English service texts are gone
    for english in ("Executivesummary", "Decision:Approved", "Identityandlineage", "Aboutthisdocument"):
        assert english not in text, english


def test_the_english_report_is_unchanged_by_a_korean_reader(assessed):
    with translation.override("ko"):
        rendered = services.model_report_render(version=assessed, generated_by="audrey", language="en-gb")
    text = flat(pdf_text(rendered.pdf))
    assert "Executivesummary" in text and "Decision:Approvedandapplied" in text
    assert not HANGUL.search(text.replace(flat("신용 평가 모델"), ""))


def test_a_korean_portfolio_pdf_reads_back_in_korean(assessed):
    rendered = services.portfolio_report_render(generated_by="audrey", variant="pdf", language="ko")
    text = flat(pdf_text(rendered.pdf))
    assert "운영중인모델" in text and "거버넌스위원회" in text and "위험등급" in text
    assert "credit-scoring" in text and korean_date(timezone.now()) in text


def test_cli_language_ko_writes_a_korean_pdf_and_refuses_an_unknown_language(tmp_path, production):
    out = tmp_path / "report.pdf"
    stdout = io.StringIO()
    call_command("governance_report", "credit-scoring", "--language", "ko", "--output", str(out), stdout=stdout)
    assert "저장했습니다" in stdout.getvalue()  # the command's own message follows --language
    assert "모델거버넌스보고서" in flat(pdf_text(out.read_bytes()))
    assert AuditEvent.objects.filter(action="report.exported").last().after["language"] == "ko"
    with pytest.raises(CommandError, match="Unknown report language 'xx'"):
        call_command("governance_report", "credit-scoring", "--language", "xx", "--output", str(tmp_path / "x.pdf"))
    assert translation.get_language() != "ko"  # the command did not leave Korean active


def test_a_stored_report_records_its_language_and_renders_in_it(personas, production):
    report = services.report_request(actor=personas.scientist, version=production, language="ko", enqueue=False)
    assert report.language == "ko" and report.title == "거버넌스 보고서: credit-scoring v1"
    requested = AuditEvent.objects.filter(action="report.requested").last()
    assert requested.after["language"] == "ko"
    with translation.override("en-gb"):  # the worker's own language does not matter
        done = services.report_generate(report_id=report.pk)
    assert done.status == JobStatus.SUCCEEDED and done.language == "ko"
    assert "모델거버넌스보고서" in flat(pdf_text(done.file.read()))
    assert AuditEvent.objects.filter(action="report.generated").last().after["language"] == "ko"


def test_the_page_offers_the_language_and_stores_the_choice(
    client, personas, production, django_capture_on_commit_callbacks
):
    client.force_login(personas.engineer)
    page = client.get(reverse("registry:model-detail", args=["credit-scoring"])).content.decode()
    assert 'name="language"' in page and ">한국어</option>" in page and ">English</option>" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:model-generate", args=["credit-scoring"]), {"language": "ko"})
    report = GovernanceReport.objects.get()
    assert response.status_code == 302 and report.language == "ko" and report.status == JobStatus.SUCCEEDED
    detail = client.get(response.url).content.decode()
    assert 'data-testid="report-language">한국어' in detail
    assert "모델거버넌스보고서" in flat(pdf_text(report.file.read()))
    refused = client.post(reverse("reports:model-generate", args=["credit-scoring"]), {"language": "xx"})
    assert refused.status_code == 302 and GovernanceReport.objects.count() == 1


def test_portfolio_page_generates_in_the_chosen_language(
    client, personas, production, django_capture_on_commit_callbacks
):
    client.force_login(personas.auditor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:portfolio-generate"), {"language": "ko"})
    report = GovernanceReport.objects.get(kind=ReportKind.PORTFOLIO)
    assert report.language == "ko" and "운영중인모델" in flat(pdf_text(report.file.read()))


def test_the_automatic_report_is_written_in_the_requesters_language(
    personas, production, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.update_or_create(user=personas.scientist, defaults={"language": "ko"})
    v2 = make_version(personas, production.model, description="Second version")
    with django_capture_on_commit_callbacks(execute=True):
        promote(personas, v2)  # requested by the scientist (Korean), applied by the approver (no choice)
    report = GovernanceReport.objects.get(trigger=ReportTrigger.PROMOTION)
    assert report.language == "ko" and report.status == JobStatus.SUCCEEDED
    assert "모델거버넌스보고서" in flat(pdf_text(report.file.read()))


def test_the_api_takes_and_shows_the_report_language(client, personas, production):
    client.force_login(personas.engineer)
    url = reverse("reports-api:report-list")
    created = client.post(url, {"model": "credit-scoring", "language": "ko"}, content_type="application/json")
    assert created.status_code == 202, created.content
    assert created.json()["language"] == "ko" and created.json()["title"] == "거버넌스 보고서: credit-scoring v1"
    refused = client.post(url, {"model": "credit-scoring", "language": "xx"}, content_type="application/json")
    assert refused.status_code == 400 and "language" in refused.json()
    by_header = client.post(
        url, {"model": "credit-scoring"}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="ko"
    )
    assert by_header.status_code == 202 and by_header.json()["language"] == "ko"
