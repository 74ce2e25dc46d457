"""Registry fixtures: a model owned by the persona team, a staged version, a high-risk model (built by
``tests.registry.factories``)."""

from __future__ import annotations

import pytest

from tests.registry.factories import make_model, make_version, set_policy


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
