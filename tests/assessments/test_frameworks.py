"""Frameworks as versioned data: built-ins load idempotently, bad files are refused with every error located,
nothing half-loaded, a changed file is a new version and submitted assessments keep theirs."""

from __future__ import annotations

import copy
import io

import pytest
import yaml
from django.core.management import CommandError, call_command

from assessments import services
from assessments.models import Framework
from registry.models import AuditEvent

pytestmark = pytest.mark.django_db


def minimal(**changes) -> dict:
    doc = {
        "slug": "tiny",
        "name": "Tiny framework",
        "edition": "1",
        "method": "weighted",
        "scales": {"yn": [{"value": 0, "label": "No"}, {"value": 1, "label": "Yes"}]},
        "bands": [{"max": 0.5, "label": "Low"}, {"max": None, "label": "High"}],
        "dimensions": [
            {
                "id": "d1",
                "name": "One",
                "questions": [
                    {"id": "q1", "text": "Q1?", "scale": "yn", "recommendation": "Do q1."},
                    {"id": "q2", "text": "Q2?", "scale": "yn", "recommendation": "Do q2.", "tags": ["nist:MAP"]},
                ],
            },
        ],
    }
    doc.update(changes)
    return doc


def test_builtins_load_once_and_are_counted(frameworks):
    assert set(frameworks) == {"ml-test-score", "google-mlops", "azure-mlops", "lifecycle"}
    assert frameworks["ml-test-score"].question_count == 28
    assert frameworks["lifecycle"].question_count >= 40
    dims = [d["id"] for d in frameworks["lifecycle"].definition["dimensions"]]
    assert dims == [
        "planning",
        "data-preparation",
        "data-management",
        "model-building",
        "deployment",
        "monitoring",
        "platform",
        "governance",
    ]
    for qid, question in frameworks["lifecycle"].questions().items():
        assert question.get("tags"), f"{qid} cites no framework item"
    events = AuditEvent.objects.filter(action="framework.loaded").count()
    assert events == 4
    out = io.StringIO()
    call_command("load_frameworks", stdout=out)
    assert out.getvalue().count("unchanged") == 4
    assert Framework.objects.count() == 4 and AuditEvent.objects.filter(action="framework.loaded").count() == 4


def test_load_builtin_data_loads_the_frameworks(db):
    call_command("load_builtin_data", stdout=io.StringIO())
    assert Framework.objects.filter(is_current=True).count() == 4


def test_a_changed_file_is_a_new_version_and_assessments_keep_theirs(frameworks, model, personas):
    assessment = services.assessment_create(model=model, actor=personas.scientist, framework_slug="ml-test-score")
    changed = copy.deepcopy(frameworks["ml-test-score"].definition)
    changed["dimensions"][0]["questions"][0]["text"] = "Reworded question?"
    new, created = services.framework_load(document=changed, source_name="ml-test-score.yaml")
    assert created and new.version == 2 and new.is_current
    assessment.refresh_from_db()
    assert assessment.framework.version == 1 and not assessment.framework.is_current
    assert assessment.framework.definition["dimensions"][0]["questions"][0]["text"] != "Reworded question?"
    fresh = services.assessment_create(model=model, actor=personas.scientist, framework_slug="ml-test-score")
    assert fresh.framework_id == new.pk


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.pop("name"), "(document): 'name' is a required property"),
        (
            lambda d: d["dimensions"][0]["questions"][0].pop("recommendation"),
            "dimensions[0].questions[0]: 'recommendation' is a required property",
        ),
        (
            lambda d: d["dimensions"][0]["questions"][1].update(id="q1"),
            "dimensions[0].questions[1].id: duplicate question id 'q1'",
        ),
        (
            lambda d: d["dimensions"][0]["questions"][0].update(scale="stars"),
            "dimensions[0].questions[0].scale: unknown scale 'stars'",
        ),
        (lambda d: d.update(method="magic"), "method: 'magic' is not one of"),
        (
            lambda d: d["dimensions"][0]["questions"][0].update(tags=["no tag format"]),
            "dimensions[0].questions[0].tags[0]: 'no tag format' does not match",
        ),
        (lambda d: d["bands"][-1].update(max=2), "bands[1].max: the last band must be open-ended"),
    ],
)
def test_bad_framework_files_are_refused_with_located_messages(mutate, expected):
    doc = minimal()
    mutate(doc)
    with pytest.raises(services.FrameworkInvalid) as refused:
        services.framework_load(document=doc)
    assert any(expected in e for e in refused.value.errors), refused.value.errors
    assert not Framework.objects.exists()


def test_every_error_is_listed_not_just_the_first():
    doc = minimal()
    doc["dimensions"][0]["questions"][0]["scale"] = "stars"
    doc["dimensions"][0]["questions"][1]["id"] = "q1"
    doc["bands"] = [{"max": 0.9, "label": "A"}, {"max": 0.1, "label": "B"}, {"max": None, "label": "C"}]
    with pytest.raises(services.FrameworkInvalid) as refused:
        services.framework_load(document=doc)
    text = " | ".join(refused.value.errors)
    assert "unknown scale 'stars'" in text and "duplicate question id 'q1'" in text and "strictly ascending" in text


def test_cycles_in_level_rules_are_refused():
    doc = minimal(method="levels")
    doc.pop("bands")
    doc["levels"] = [
        {"id": "A", "name": "A", "requires": ["C"]},
        {"id": "B", "name": "B", "requires": ["A"], "criteria": [{"question": "q1", "min": 1}]},
        {"id": "C", "name": "C", "requires": ["B"], "criteria": [{"question": "q9", "min": 1}]},
    ]
    with pytest.raises(services.FrameworkInvalid) as refused:
        services.framework_load(document=doc)
    text = " | ".join(refused.value.errors)
    assert "levels: the level rules form a cycle: A -> C -> B -> A" in text
    assert "levels[2].criteria[0].question: unknown question 'q9'" in text


def test_nothing_is_half_loaded_when_one_file_of_a_batch_is_bad():
    good = yaml.safe_dump(minimal())
    bad = yaml.safe_dump(minimal(slug="other", method="nope"))
    with pytest.raises(services.FrameworkInvalid) as refused:
        services.frameworks_load_files(files=[("good.yaml", good), ("bad.yaml", bad), ("broken.yaml", "a: [")])
    assert any(e.startswith("bad.yaml: method") for e in refused.value.errors)
    assert any(e.startswith("broken.yaml: not valid YAML") for e in refused.value.errors)
    assert not Framework.objects.exists()
    assert not AuditEvent.objects.filter(action="framework.loaded").exists()


def test_load_frameworks_command_reports_errors(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"slug": "x"}')
    with pytest.raises(CommandError, match="Nothing loaded"):
        call_command("load_frameworks", str(path), stdout=io.StringIO())
    good = tmp_path / "tiny.yaml"
    good.write_text(yaml.safe_dump(minimal()))
    out = io.StringIO()
    call_command("load_frameworks", str(good), stdout=out)
    assert "tiny v1: loaded (2 questions)" in out.getvalue()


def test_oversize_and_non_mapping_files_are_refused():
    with pytest.raises(services.FrameworkInvalid, match="limit"):
        services.parse_framework_text(b"a" * (services.MAX_FRAMEWORK_BYTES + 1))
    with pytest.raises(services.FrameworkInvalid, match="mapping"):
        services.framework_load(document=["not", "a", "mapping"])


def test_unsafe_yaml_tags_and_non_json_values_are_refused():
    with pytest.raises(services.FrameworkInvalid, match="not valid YAML"):
        services.parse_framework_text("slug: !!python/object/apply:os.system ['echo hi']")
    doc = yaml.safe_load(yaml.safe_dump(minimal()).replace("edition: '1'", "edition: 2026-01-01"))
    with pytest.raises(services.FrameworkInvalid) as refused:
        services.framework_load(document=doc)
    assert any(e.startswith("edition:") for e in refused.value.errors)
