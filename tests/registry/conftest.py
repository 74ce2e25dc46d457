"""Registry test helpers: a model owned by the persona team, versions with complete cards, policies set per test."""

from __future__ import annotations

import pytest

from registry import services
from registry.choices import MODEL_CARD_FIELDS
from registry.models import AuditEvent, PromotionPolicy

FULL_CARD = {name: f"{name.replace('_', ' ')} text" for name in MODEL_CARD_FIELDS}


def make_model(personas, name: str = "credit-scoring", risk_tier: str = "low", **fields):
    return services.model_create(actor=personas.scientist, name=name, team=personas.team, risk_tier=risk_tier, **fields)


def make_version(personas, model, *, stage: str = "staging", metrics=None, card=True, **fields):
    version = services.version_create(
        model=model,
        actor=personas.scientist,
        source_uri=fields.pop("source_uri", f"s3://models/{model.name}/artifact.skops"),
        metrics=metrics if metrics is not None else {"accuracy": 0.91},
        **fields,
    )
    if card:
        services.card_update(version=version, actor=personas.scientist, **FULL_CARD)
    if stage != "none":
        services.version_transition(version=version, target=stage, actor=personas.scientist)
    version.refresh_from_db()
    return version


def set_policy(risk_tier: str, **changes) -> PromotionPolicy:
    policy = PromotionPolicy.objects.get(risk_tier=risk_tier)
    for key, value in changes.items():
        setattr(policy, key, value)
    policy.save()
    return policy


def events(action: str | None = None, **filters):
    qs = AuditEvent.objects.order_by("sequence")
    if action:
        qs = qs.filter(action=action)
    return list(qs.filter(**filters))


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Personas are created with passwords; the production hasher (1M PBKDF2 rounds) would dominate the suite's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def model(personas):
    return make_model(personas)


@pytest.fixture
def staged(personas, model):
    return make_version(personas, model)


@pytest.fixture
def high_model(personas):
    # Only the registry's own gates here: maturity and drift are contributed by other apps and tested there.
    set_policy("high", required_gates=["model_card", "metrics"], approvals_required=2)
    return make_model(personas, name="high-risk-model", risk_tier="high")
