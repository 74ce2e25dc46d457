"""Demo monitoring data: reference and current batches drawn from scikit-learn's bundled datasets (the current
ones shifted for real drift), with predictions of a model trained on the reference, and checks run synchronously."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from django.contrib.auth import get_user_model

from monitoring import services
from monitoring.models import Dataset
from registry.models import ModelVersion

# model name, version, dataset, [(batch label, {column: shift in standard deviations})]
DEMO: list[tuple[str, int, str, list[tuple[str, dict[str, float]]]]] = [
    (
        "breast-cancer-screening",
        3,
        "breast_cancer",
        [
            ("week-1", {}),
            (
                "week-2",
                {
                    "mean radius": 1.0,
                    "mean texture": 1.2,
                    "mean perimeter": 1.0,
                    "mean area": 1.0,
                    "worst radius": 1.0,
                    "worst texture": 1.2,
                    "worst perimeter": 1.0,
                    "worst area": 1.0,
                    "mean smoothness": 0.8,
                    "worst smoothness": 0.8,
                    "mean compactness": 0.8,
                    "worst compactness": 0.8,
                    "mean concavity": 0.8,
                    "worst concavity": 0.8,
                    "mean concave points": 0.8,
                    "worst concave points": 0.8,
                },
            ),
        ],
    ),
    ("wine-quality-classifier", 3, "wine", [("lot-1", {})]),
    (
        "diabetes-progression",
        2,
        "diabetes",
        [("month-1", {"bmi": 1.5, "bp": 1.5, "s1": 1.2, "s2": 1.2, "s3": 1.2, "s4": 1.2, "s5": 1.5, "s6": 1.2})],
    ),
]


def _frames(kind: str, shifts_per_batch: list[dict[str, float]]) -> tuple[pd.DataFrame, list[pd.DataFrame], bool]:
    from sklearn import datasets
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    data = {
        "breast_cancer": datasets.load_breast_cancer,
        "wine": datasets.load_wine,
        "diabetes": datasets.load_diabetes,
    }[kind](as_frame=True)
    frame = data.frame.rename(columns={"target": "target"})
    features = [c for c in frame.columns if c != "target"]
    rng = np.random.default_rng(7)
    order = rng.permutation(len(frame))
    half = len(frame) // 2
    reference = frame.iloc[order[:half]].reset_index(drop=True)
    rest = frame.iloc[order[half:]].reset_index(drop=True)
    regression = kind == "diabetes"
    estimator = Ridge(alpha=1.0) if regression else make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    estimator.fit(reference[features], reference["target"])
    reference["prediction"] = estimator.predict(reference[features])
    batches: list[pd.DataFrame] = []
    for shifts in shifts_per_batch:
        batch = rest.sample(n=len(rest), replace=True, random_state=len(batches) + 11).reset_index(drop=True)
        for column, sd in shifts.items():
            batch[column] = batch[column] + sd * reference[column].std()
        batch["prediction"] = estimator.predict(batch[features])
        batches.append(batch)
    return reference, batches, regression


def _csv(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def seed(stdout) -> None:
    dana = get_user_model().objects.get(username="dana")
    roles = {"target": "target", "prediction": "prediction"}
    for model_name, number, kind, batches in DEMO:
        version = ModelVersion.objects.select_related("model").filter(model__name=model_name, version=number).first()
        if version is None or Dataset.objects.filter(version=version).exists():
            continue
        reference, currents, _ = _frames(kind, [shifts for _, shifts in batches])
        ref = services.dataset_upload(
            version=version,
            kind="reference",
            data=_csv(reference),
            filename=f"{kind}-reference.csv",
            actor=dana,
            roles=roles,
        )
        for (label, _), batch in zip(batches, currents, strict=True):
            current = services.dataset_upload(
                version=version,
                kind="current",
                data=_csv(batch),
                filename=f"{kind}-{label}.csv",
                actor=dana,
                roles=roles,
                reference=ref,
                trigger_check=False,
            )
            check = services.check_create(version=version, current=current, actor=dana, trigger="demo", enqueue=False)
            services.check_run(check_id=check.pk)
            check.refresh_from_db()
            stdout.write(
                f"  {version} {label}: check #{check.pk} {check.status}, {check.verdict}"
                f" ({check.drifted_count} of {check.column_count} columns)"
            )
