from __future__ import annotations

import pytest

from assessments import builtin, services
from assessments.models import Framework
from tests.assessments.factories import answer_all


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The personas fixture creates 11 users; PBKDF2 at full strength costs ~2 s each on a shared CI core.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def frameworks(db) -> dict[str, Framework]:
    builtin.load()
    return {fw.slug: fw for fw in Framework.objects.filter(is_current=True)}


@pytest.fixture
def model(personas):
    from registry import services as registry_services

    return registry_services.model_create(
        actor=personas.scientist, name="credit-scoring", team=personas.team, risk_tier="medium"
    )


@pytest.fixture
def version(model, personas):
    from registry import services as registry_services

    return registry_services.version_create(model=model, actor=personas.scientist, source_uri="s3://models/credit/v1")


@pytest.fixture
def submitted_lifecycle(frameworks, model, personas):
    def make(value: float = 1.0):
        assessment = services.assessment_create(model=model, actor=personas.scientist, framework_slug="lifecycle")
        services.answers_save(
            assessment=assessment, actor=personas.scientist, answers=answer_all(frameworks["lifecycle"], value)
        )
        return services.assessment_submit(assessment=assessment, actor=personas.scientist)

    return make
