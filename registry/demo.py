"""Demo registry: real scikit-learn models trained on datasets bundled with scikit-learn, several versions each
with real metrics, one model taken through a full four-eyes promotion."""

from __future__ import annotations

import hashlib
import json

from django.contrib.auth import get_user_model

from registry import services
from registry.models import PromotionPolicy, RegisteredModel, Team

CARDS = {
    "intended_use": "Decision support for trained analysts; every prediction is reviewed by a person.",
    "out_of_scope_use": "Fully automated decisions about individuals; populations unlike the training data.",
    "training_data": "{dataset} as bundled with scikit-learn, 75% stratified split (random_state=7).",
    "evaluation_data": "The held-out 25% of {dataset}.",
    "metrics": "See the version's recorded evaluation metrics.",
    "ethical_considerations": "Small public data set; subgroup performance was not assessed.",
    "caveats": "Demonstration model: retrain on your own data before any real use.",
}


def _train(kind: str):
    from sklearn import datasets, metrics
    from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    loaders = {
        "breast_cancer": datasets.load_breast_cancer,
        "wine": datasets.load_wine,
        "diabetes": datasets.load_diabetes,
    }
    data = loaders[kind]()
    stratify = None if kind == "diabetes" else data.target
    x_train, x_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.25, random_state=7, stratify=stratify
    )
    runs = []
    if kind == "diabetes":
        candidates = [("ridge", Ridge(alpha=1.0)), ("gbr", GradientBoostingRegressor(random_state=7, n_estimators=80))]
    else:
        candidates = [
            ("logreg", make_pipeline(StandardScaler(), LogisticRegression(max_iter=500, C=0.1))),
            ("logreg", make_pipeline(StandardScaler(), LogisticRegression(max_iter=500, C=1.0))),
            ("forest", RandomForestClassifier(n_estimators=60, random_state=7)),
        ]
    for name, estimator in candidates:
        estimator.fit(x_train, y_train)
        predicted = estimator.predict(x_test)
        if kind == "diabetes":
            scores = {
                "mae": float(metrics.mean_absolute_error(y_test, predicted)),
                "rmse": float(metrics.root_mean_squared_error(y_test, predicted)),
                "r2": float(metrics.r2_score(y_test, predicted)),
            }
        else:
            scores = {
                "accuracy": float(metrics.accuracy_score(y_test, predicted)),
                "f1_macro": float(metrics.f1_score(y_test, predicted, average="macro")),
            }
        params = {k: v for k, v in estimator.get_params().items() if isinstance(v, (int, float, str, bool))}
        runs.append((name, params, scores, list(data.feature_names)))
    return runs


DEMO_MODELS = [
    ("breast-cancer-screening", "breast_cancer", "low", "Prioritise biopsy review queues.", "Review backlog -20%"),
    ("wine-quality-classifier", "wine", "medium", "Route wine lots to the right cellar.", "Mis-routed lots < 2%"),
    ("diabetes-progression", "diabetes", "high", "Flag patients for earlier follow-up.", "Follow-up within 30 days"),
]


def seed(stdout) -> None:
    User = get_user_model()
    dana, eli = User.objects.get(username="dana"), User.objects.get(username="eli")
    team = Team.objects.filter(name="Clinical ML").first()
    if team is None:
        team = services.team_create(name="Clinical ML", members=[dana, eli])
    for name, dataset, tier, goal, kpi in DEMO_MODELS:
        if RegisteredModel.objects.filter(name=name).exists():
            continue
        model = services.model_create(
            actor=dana,
            name=name,
            team=team,
            risk_tier=tier,
            business_goal=goal,
            success_kpi=kpi,
            description=f"Trained on scikit-learn's bundled {dataset} data set.",
            tags={"dataset": dataset},
        )
        parent = None
        for index, (algo, params, scores, features) in enumerate(_train(dataset), start=1):
            digest = hashlib.sha256(json.dumps([name, algo, params], sort_keys=True).encode()).hexdigest()
            parent = services.version_create(
                model=model,
                actor=dana,
                source_uri=f"s3://models/{name}/v{index}/model.skops",
                artifact_sha256=digest,
                framework="scikit-learn",
                parameters=params,
                metrics=scores,
                training_dataset=f"sklearn:{dataset}",
                code_repository="https://git.example.org/clinical-ml/models",
                code_commit=digest[:12],
                run_id=f"run-{digest[:8]}",
                parent=parent,
                input_signature={"features": features},
                description=f"{algo} candidate {index}",
            )
            services.card_update(version=parent, actor=dana, **{k: v.format(dataset=dataset) for k, v in CARDS.items()})
        assert parent is not None, "the loop registered at least one version"
        services.version_transition(version=parent, target="staging", actor=eli)
        stdout.write(f"  registered {name} with {parent.version} versions")
    _promote_low_risk_model(stdout)


def _promote_low_risk_model(stdout) -> None:
    User = get_user_model()
    model = RegisteredModel.objects.get(name="breast-cancer-screening")
    version = model.versions.latest("version")
    if version.stage == "production":
        return
    policy = PromotionPolicy.objects.filter(risk_tier=model.risk_tier).first()
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    if policy is not None and admin is not None and not policy.metric_thresholds:
        # The metrics gate then has thresholds to enforce (not only "none set").
        services.policy_update(policy=policy, actor=admin, metric_thresholds={"f1_macro": {"min": 0.9}})
    request, _ = services.promotion_request_create(
        version=version,
        actor=User.objects.get(username="dana"),
        justification=(
            f"Random-forest candidate: F1 {version.metrics.get('f1_macro', 0):.3f} on the held-out split, "
            "no scaling step to maintain; card complete; reviewed with the clinical lead."
        ),
    )
    services.promotion_decide(
        request=request, actor=User.objects.get(username="ava"), decision="approve", comment="Evidence is sound."
    )
    request.refresh_from_db()
    stdout.write(f"  promotion request #{request.pk} for {version}: {request.status}")
