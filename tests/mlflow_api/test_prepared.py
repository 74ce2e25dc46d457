"""Prepared reads answer exactly what their queryset answers, in one query, and refuse shapes they cannot bind."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry import services
from registry.mlflow_api import selectors
from registry.mlflow_api.prepared import PreparedRead
from registry.models import ModelVersion, RegisteredModel


@pytest.fixture
def data(personas):
    model = services.model_create(actor=personas.scientist, name="m", team=personas.team, tags={"k": "v", "n": "1"})
    versions = [
        services.version_create(model=model, actor=personas.scientist, source_uri=f"s3://b/m/{n}", tags={"t": "x"})
        for n in range(3)
    ]
    services.version_transition(version=versions[0], target="staging", actor=personas.scientist)
    services.alias_set(model=model, alias="b-alias", version=versions[1], actor=personas.scientist)
    services.alias_set(model=model, alias="a-alias", version=versions[1], actor=personas.scientist)
    services.model_create(actor=personas.scientist, name="other", team=personas.team)
    return model, versions


def _cases(model, versions):
    return [
        (selectors._MODEL_BY_NAME, ("m",)),
        (selectors._MODEL_BY_NAME, ("missing",)),
        (selectors._LATEST_OF_MODEL, (model.pk,)),
        (selectors._ALIASES_OF_MODEL, (model.pk,)),
        (selectors._VERSION_BY_ALIAS, ("m", "a-alias")),
        (selectors._VERSION_BY_ALIAS, ("m", "nope")),
        (selectors._VERSION_BY_NUMBER, ("m", 2)),
        (selectors._ALIASES_OF_VERSION, (versions[1].pk,)),
        (selectors._ALIASES_OF_MODEL_NAME, ("m",)),
    ]


def test_same_rows_as_the_queryset(data):
    model, versions = data
    for prepared, args in _cases(model, versions):
        for _ in range(2):  # compiled on the first call, reused on the second
            assert prepared.rows(*args) == list(prepared.build(*args)), (prepared, args)
    row = selectors._MODEL_BY_NAME.first("m")
    assert row.tags == {"k": "v", "n": "1"} and isinstance(row.created_ms, int)  # converters applied


def test_one_query_each(data):
    with CaptureQueriesContext(connection) as ctx:
        selectors._VERSION_BY_ALIAS.rows("m", "a-alias")
    assert len(ctx.captured_queries) == 1


def test_paged_read(data):
    everything = list(selectors._VERSIONS_OF_MODEL_NAME.build("m"))
    assert [v.version for v in everything] == [3, 2, 1]
    assert selectors._VERSIONS_OF_MODEL_NAME.rows("m", page=(2, 0)) == everything[:2]
    assert selectors._VERSIONS_OF_MODEL_NAME.rows("m", page=(2, 2)) == everything[2:]
    with pytest.raises(TypeError):
        selectors._VERSIONS_OF_MODEL_NAME.rows("m")
    with pytest.raises(TypeError):
        selectors._MODEL_BY_NAME.rows("m", page=(1, 0))


def test_refuses_what_it_cannot_bind(db):
    transformed = PreparedRead(
        lambda name: RegisteredModel.objects.filter(name__startswith=name).values_list("id"), str
    )
    with pytest.raises(ImproperlyConfigured, match="unchanged"):
        transformed.rows("m")
    sliced = PreparedRead(lambda n: ModelVersion.objects.filter(version=n).values_list("id")[:5], int)
    with pytest.raises(ImproperlyConfigured, match="sliced"):
        sliced.rows(1)
    with pytest.raises(ImproperlyConfigured):
        PreparedRead(lambda x: RegisteredModel.objects.all(), float)
    with pytest.raises(TypeError):
        selectors._MODEL_BY_NAME.rows()


def test_values_that_look_like_sql_are_bound(data):
    assert selectors._MODEL_BY_NAME.rows("m' OR '1'='1") == []
    assert selectors._VERSION_BY_ALIAS.rows("m", "a-alias' --") == []
