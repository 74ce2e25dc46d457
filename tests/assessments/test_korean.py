"""Issue #16, the data half: built-in frameworks carry Korean beside English, results read in the reader's language,
and nothing stored or audited changes with the language it was done in."""

from __future__ import annotations

import copy
import json
import re

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from assessments import services
from assessments.domain import scoring
from assessments.domain.translation import localise, missing_translations
from assessments.localise import localised_result
from assessments.models import Answer, Assessment
from assessments.services.frameworks import FrameworkInvalid, builtin_framework_files, parse_framework_text
from registry.models import AuditEvent

HANGUL = re.compile(r"[\uac00-\ud7a3]")


SEED_STAGES = {
    "planning": "계획 수립",
    "data-preparation": "데이터 준비",
    "data-management": "데이터 관리",
    "model-building": "기계학습",
    "deployment": "배포",
    "platform": "풀스택 지원",
}
# The engine's English explanation words; none may survive in a Korean reading of a result.
ENGLISH_EXPLANATIONS = ("weakest", "sets the final score", "needed for", "criterion of", "points", "Reached", "Final")


def builtin_documents() -> dict[str, dict]:
    return {name: parse_framework_text(content, name) for name, content in builtin_framework_files()}


@pytest.mark.parametrize("name", sorted(dict(builtin_framework_files())))
def test_every_builtin_framework_text_has_korean_beside_it(name):
    document = builtin_documents()[name]
    assert missing_translations(document, "ko") == []
    korean = localise(document, "ko")
    for dimension in korean["dimensions"]:
        assert HANGUL.search(dimension["name"]), dimension["id"]
        for question in dimension["questions"]:
            for field in ("text", "why", "help", "recommendation"):
                if field in question:
                    assert HANGUL.search(question[field]), (question["id"], field)
    for options in korean["scales"].values():
        assert all(HANGUL.search(o["label"]) for o in options)


def test_the_lifecycle_stages_use_the_seed_vocabulary():
    korean = localise(builtin_documents()["lifecycle.yaml"], "ko")
    names = {d["id"]: d["name"] for d in korean["dimensions"]}
    assert {key: names[key] for key in SEED_STAGES} == SEED_STAGES


def test_a_builtin_framework_missing_korean_is_refused_at_load(db):
    name, content = next(f for f in builtin_framework_files() if f[0] == "ml-test-score.yaml")
    document = parse_framework_text(content, name)
    del document["dimensions"][1]["questions"][2]["why_ko"]
    files = [(name, json.dumps(document, ensure_ascii=False))]
    with pytest.raises(FrameworkInvalid) as refused:
        services.frameworks_load_files(files=files, builtin=True)
    assert refused.value.errors == [f"{name}: dimensions[1].questions[2].why_ko: no ko text beside the English one."]
    # an uploaded (not built-in) framework may be English only
    del document["name_ko"]
    document["slug"] = "house-rules"
    [(framework, created)] = services.frameworks_load_files(files=[("house.json", json.dumps(document))])
    assert created and not framework.builtin


@pytest.mark.parametrize("name", sorted(dict(builtin_framework_files())))
@pytest.mark.parametrize("value", [0.0, 0.5, 1.0])
def test_a_korean_reading_scores_exactly_as_the_english_one(name, value):
    document = builtin_documents()[name]
    answers = {q["id"]: value for _, q in scoring.iter_questions(document)}
    english = scoring.score(document, answers)
    korean = scoring.score(localise(document, "ko"), answers)

    def numbers(result):
        return json.dumps(result, sort_keys=True, default=str, ensure_ascii=False).translate(
            {ord(c): None for c in "abcdefghijklmnopqrstuvwxyz"}
        )

    assert english["overall"] == korean["overall"]
    assert [q["question"] for q in english["next_steps"]] == [q["question"] for q in korean["next_steps"]]
    assert [d["score"] for d in english["dimensions"]] == [d["score"] for d in korean["dimensions"]]


@pytest.mark.parametrize("name", sorted(dict(builtin_framework_files())))
@pytest.mark.parametrize("value", [0.0, 0.5])
def test_a_stored_result_reads_in_korean_with_its_numbers_unchanged(name, value):
    document = builtin_documents()[name]
    answers = {q["id"]: value for _, q in scoring.iter_questions(document)}
    stored = scoring.score(document, answers)
    before = copy.deepcopy(stored)
    with translation.override("ko"):
        shown = localised_result(stored, document)
    assert stored == before  # the stored result is not touched
    assert shown["overall"] == stored["overall"] and shown["weakest"] == stored["weakest"]
    assert HANGUL.search(shown["label"]) and HANGUL.search(shown["summary"]), shown["summary"]
    assert shown["held_back"] or shown["next_steps"]
    for item in [*shown["held_back"], *shown["next_steps"]]:
        assert HANGUL.search(item["text"])
        for key in ("reason", "effect", "recommendation", "target"):
            if item.get(key):
                assert HANGUL.search(item[key]), (key, item[key])
                assert not any(word in item[key] for word in ENGLISH_EXPLANATIONS), item[key]
    assert not any(word in shown["summary"] for word in ENGLISH_EXPLANATIONS), shown["summary"]
    with translation.override("en"):
        assert localised_result(stored, document) == stored


def test_a_contradiction_reads_in_korean():
    document = builtin_documents()["lifecycle.yaml"]
    answers = {q["id"]: 1.0 for _, q in scoring.iter_questions(document)}
    stored = scoring.score(document, answers, {"gov.inventory": "no", "plan.goal": "partly"})
    with translation.override("ko"):
        shown = localised_result(stored, document)
    reasons = [h["reason"] for h in shown["held_back"] if h.get("contradiction")]
    assert reasons == ["신고: 예, 관찰: 일부, 관찰된 수준으로 채점", "신고: 예, 관찰: 아니요, 관찰된 수준으로 채점"]


# --- stored and audited data never depend on the language -------------------------------------------------------------

VOLATILE = ("occurred_at", "sequence", "prev_hash", "hash", "request_id", "object_id")


def _run(language: str, frameworks, model, personas) -> dict:
    """Start, answer (with a not-applicable and evidence) and submit under ``language``; what was stored."""
    last = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
    with translation.override(language):
        assessment = services.assessment_create(model=model, actor=personas.scientist, framework_slug="lifecycle")
        answers = [{"question": qid, "value": 0.5} for qid in frameworks["lifecycle"].questions()]
        answers[15] = {"question": "dm.labelling", "not_applicable": True, "justification": "No labellers."}
        answers[0] = {**answers[0], "evidence_url": "https://wiki.example.org/goal", "evidence_note": "Signed."}
        services.answers_save(assessment=assessment, actor=personas.scientist, answers=answers)
        services.assessment_submit(assessment=assessment, actor=personas.scientist)
    stored = Assessment.objects.get(pk=assessment.pk)
    events = []
    for event in AuditEvent.objects.filter(sequence__gt=last).order_by("sequence"):
        payload = json.loads(event.canonical)
        payload = {k: v for k, v in payload.items() if k not in VOLATILE}
        payload["object_repr"] = re.sub(r"#\d+", "#N", payload.get("object_repr", ""))
        (payload.get("after") or {}).pop("measurement", None)
        events.append(payload)
    return {
        "score": stored.score,
        "label": stored.label,
        "result": stored.result,
        "answers": list(
            Answer.objects.filter(assessment=stored)
            .order_by("question_id")
            .values("question_id", "value", "not_applicable", "justification", "evidence_url", "evidence_note")
        ),
        "events": events,
    }


@pytest.mark.django_db
def test_an_assessment_done_in_korean_stores_and_audits_exactly_what_one_in_english_does(frameworks, model, personas):
    runs = {}
    for language in ("en", "ko"):
        with transaction.atomic():
            runs[language] = _run(language, frameworks, model, personas)
            transaction.set_rollback(True)  # the same starting point for the other language
    assert runs["en"]["events"] and [e["action"] for e in runs["en"]["events"]][-1] == "assessment.submitted"
    assert runs["ko"] == runs["en"]
    assert not HANGUL.search(json.dumps(runs["ko"], ensure_ascii=False))


@pytest.mark.django_db
def test_pages_read_in_korean_while_the_export_stays_as_stored(client, settings, personas, submitted_lifecycle):
    assessment = submitted_lifecycle(0.5)
    client.force_login(personas.scientist)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    page = client.get(reverse("assessments:assessment-detail", args=[assessment.pk])).content.decode()
    assert '<html lang="ko"' in page
    assert assessment.label == "Repeatable" and "결과: 반복 가능" in page  # the stored label, read in Korean
    for korean in (
        "점수를 낮추는 요인",
        "다음 단계",
        "가장 약한 차원",
        "계획 수립",
        "같은 답변을 다른 프레임워크로 본 결과",
    ):
        assert korean in page, korean
    for english in ("What holds the score down", "weakest dimension", "Repeatable", "Next steps"):
        assert english not in page, english
    listing = client.get(reverse("assessments:assessment-list")).content.decode()
    assert "ML 생애주기 성숙도 설문" in listing and "반복 가능" in listing
    frameworks = client.get(reverse("assessments:framework-list")).content.decode()
    assert "ML 테스트 점수 (2017)" in frameworks and "Azure MLOps 성숙도 모델 (0-4)" in frameworks
    exported = client.get(reverse("assessments:assessment-export-json", args=[assessment.pk])).content.decode()
    assert not HANGUL.search(exported) and '"label": "Repeatable"' in exported


def test_every_installed_evidence_rule_title_reads_in_korean():
    from assessments.localise import rule_title
    from registry.evidence import registered_rules

    with translation.override("ko"):
        untranslated = [r.title for r in registered_rules().values() if not HANGUL.search(rule_title(r.title))]
    assert untranslated == []
