"""Data quality and model quality (pure), the charts' escaping, the beat schedule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics

from monitoring import charts
from monitoring.domain.profile import CATEGORICAL, NUMERICAL, ColumnSpec, ReferenceProfile
from monitoring.domain.quality import compare_quality, data_quality, model_quality, task_type

SPECS = [ColumnSpec("x", NUMERICAL), ColumnSpec("c", CATEGORICAL)]


def test_data_quality_finds_missing_out_of_range_unseen_and_duplicates():
    reference = pd.DataFrame({"x": [1.0, 2.0, 3.0, np.nan], "c": ["a", "b", "a", "b"]})
    profile = ReferenceProfile.from_frame(reference, SPECS)
    current = pd.DataFrame({"x": [0.0, 2.0, 9.0, np.nan, 2.0], "c": ["a", "z", "y", None, "z"]})
    current.loc[4] = current.loc[1]  # a duplicate row
    dq = data_quality(profile, current, SPECS, type_mismatches={"x": 2})
    x, c = dq["columns"]
    assert x["missing"] == 1 and x["missing_share"] == 0.2 and x["reference_missing_share"] == 0.25
    assert x["out_of_range"] == 2 and x["reference_range"] == [1.0, 3.0] and x["type_mismatches"] == 2
    assert c["unseen_categories"] == 3 and set(c["unseen_examples"]) == {"z", "y"}
    assert dq["duplicate_rows"] == 1 and dq["columns_with_issues"] == 2


def test_classification_metrics_match_sklearn_with_scores_and_auc():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    score = np.clip(y * 0.6 + rng.normal(0.2, 0.25, 500), 0, 1)
    result = model_quality(pd.DataFrame({"y": y, "p": score}), target="y", prediction="p")
    labels = (score >= 0.5).astype(int)
    assert result["task"] == "classification" and result["rows"] == 500
    assert result["metrics"]["roc_auc"] == pytest.approx(metrics.roc_auc_score(y, score))
    assert result["metrics"]["accuracy"] == pytest.approx(metrics.accuracy_score(y, labels))
    assert result["metrics"]["f1"] == pytest.approx(metrics.f1_score(y, labels))


def test_multiclass_labels_use_macro_average():
    frame = pd.DataFrame({"y": ["a", "b", "c", "a", "b", "c"], "p": ["a", "b", "b", "a", "c", "c"]})
    result = model_quality(frame, target="y", prediction="p")
    assert result["metrics"]["precision"] == pytest.approx(
        metrics.precision_score(frame.y, frame.p, average="macro", zero_division=0)
    )


def test_regression_metrics_and_degradation():
    rng = np.random.default_rng(1)
    y = rng.normal(100, 20, 300)
    reference = model_quality(pd.DataFrame({"y": y, "p": y + rng.normal(0, 5, 300)}), target="y", prediction="p")
    current = model_quality(pd.DataFrame({"y": y, "p": y + rng.normal(0, 15, 300)}), target="y", prediction="p")
    assert reference["task"] == "regression" and {"mae", "rmse", "r2"} <= set(reference["metrics"])
    comparison = compare_quality(reference, current, {"rmse": 0.5})
    by_metric = {m["metric"]: m for m in comparison["metrics"]}
    assert by_metric["rmse"]["degraded"] and by_metric["mae"]["degraded"] and comparison["degraded"]
    assert by_metric["rmse"]["allowed"] == 0.5 and by_metric["mae"]["allowed"] == 0.1
    assert not compare_quality(reference, reference)["degraded"]


def test_task_type():
    assert task_type(pd.Series([0, 1, 1, 0])) == "classification"
    assert task_type(pd.Series(np.linspace(0, 1, 50))) == "regression"
    assert task_type(pd.Series(["x", "y"])) == "classification"


def test_charts_escape_user_text():
    svg = charts.distribution_svg(
        "a<b&c",
        {"type": "categories", "categories": ["<script>alert(1)</script>"], "reference": [1.0], "current": [0.5]},
    )
    assert svg.startswith("<svg") and "<script>" not in svg and "&lt;script&gt;" in svg and "a&lt;b&amp;c" in svg


@pytest.mark.django_db
def test_periodic_sweep_is_scheduled_in_beat():
    from django_celery_beat.models import PeriodicTask

    from monitoring import builtin

    task = PeriodicTask.objects.get(task="monitoring.sweep")
    assert task.enabled and task.interval.every == 5
    task.delete()
    assert builtin.load() == "periodic sweep created"
    assert PeriodicTask.objects.filter(task="monitoring.sweep").count() == 1
