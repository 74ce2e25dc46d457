"""The MLflow door's fixed SQL reads answer exactly what the equivalent querysets answer, in one query each.

Each case pairs a read from ``registry/mlflow_api/reads.py`` with the ORM queryset it stands for (the reads the
door made before they became fixed statements); rows must be equal, names, order, decoded tags and epoch
milliseconds included. Runs on SQLite and, in CI's second stage, on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from registry import services
from registry.mlflow_api import reads, selectors
from registry.mlflow_api.selectors import _model_rows, _newer_of_same_stage, _version_rows
from registry.models import ModelAlias, ModelVersion, RegisteredModel


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
    services.alias_set(model=model, alias="c-alias", version=versions[2], actor=personas.scientist)
    other = services.model_create(actor=personas.scientist, name="other", team=personas.team)
    services.version_create(model=other, actor=personas.scientist, source_uri="s3://b/other/1")
    return model, versions


def _cases(model: RegisteredModel, versions: list[ModelVersion]) -> list[tuple[reads.Read, tuple[Any, ...], QuerySet]]:
    named = {"named": True}
    return [
        (reads.MODEL_BY_NAME, ("m",), _model_rows(RegisteredModel.objects.filter(name="m"))),
        (reads.MODEL_BY_NAME, ("missing",), _model_rows(RegisteredModel.objects.filter(name="missing"))),
        (
            reads.LATEST_OF_MODEL,
            (model.pk,),
            _version_rows(ModelVersion.objects.filter(model_id=model.pk).exclude(_newer_of_same_stage())).order_by(
                "version"
            ),
        ),
        (
            reads.ALIASES_OF_MODEL,
            (model.pk,),
            ModelAlias.objects.filter(model_id=model.pk)
            .order_by("alias")
            .values_list("alias", "version_id", "version__version", **named),
        ),
        (
            reads.VERSION_BY_ALIAS,
            ("m", "a-alias"),
            _version_rows(ModelVersion.objects.filter(model__name="m", aliases__alias="a-alias"), "model__name"),
        ),
        (
            reads.VERSION_BY_ALIAS,
            ("m", "nope"),
            _version_rows(ModelVersion.objects.filter(model__name="m", aliases__alias="nope"), "model__name"),
        ),
        (
            reads.VERSION_BY_NUMBER,
            ("m", 2),
            _version_rows(ModelVersion.objects.filter(model__name="m", version=2), "model__name"),
        ),
        (
            reads.ALIASES_OF_VERSION,
            (versions[1].pk,),
            ModelAlias.objects.filter(version_id=versions[1].pk).order_by("alias").values_list("alias", **named),
        ),
        (
            reads.ALIASES_OF_MODEL_NAME,
            ("m",),
            ModelAlias.objects.filter(model__name="m").order_by("alias").values_list("version_id", "alias", **named),
        ),
    ]


def test_same_rows_as_the_queryset(data):
    model, versions = data
    for read, args, queryset in _cases(model, versions):
        expected = [tuple(row) for row in queryset]
        got = read.rows(*args)
        assert [tuple(row) for row in got] == expected, (read.names, args)
        assert all(row._fields == read.names for row in got)
    row = reads.MODEL_BY_NAME.first("m")
    assert row.tags == {"k": "v", "n": "1"} and isinstance(row.created_ms, int)
    version = reads.VERSION_BY_NUMBER.first("m", 2)
    assert version.tags == {"t": "x"} and version.model__name == "m"
    stored = ModelVersion.objects.get(pk=version.id)
    assert version.created_ms == int(stored.created_at.timestamp() * 1000)


def test_latest_of_model_is_the_newest_of_each_stage(data):
    model, _ = data
    assert [(row.version, row.stage) for row in reads.LATEST_OF_MODEL.rows(model.pk)] == [(1, "staging"), (3, "none")]


def test_one_query_each(data):
    with CaptureQueriesContext(connection) as ctx:
        reads.VERSION_BY_ALIAS.rows("m", "a-alias")
        reads.MODEL_BY_NAME.first("m")
    assert len(ctx.captured_queries) == 2


def test_paged_read(data):
    everything = list(
        _version_rows(ModelVersion.objects.filter(model__name="m").order_by("-version", "pk"), "model__name")
    )
    assert [v.version for v in everything] == [3, 2, 1]
    assert [tuple(r) for r in reads.VERSIONS_OF_MODEL_NAME.rows("m", page=(2, 0))] == [tuple(r) for r in everything[:2]]
    assert [tuple(r) for r in reads.VERSIONS_OF_MODEL_NAME.rows("m", page=(2, 2))] == [tuple(r) for r in everything[2:]]
    with pytest.raises(TypeError):
        reads.VERSIONS_OF_MODEL_NAME.rows("m")
    with pytest.raises(TypeError):
        reads.MODEL_BY_NAME.rows("m", page=(1, 0))


def test_values_that_look_like_sql_are_bound(data):
    assert reads.MODEL_BY_NAME.rows("m' OR '1'='1") == []
    assert reads.VERSION_BY_ALIAS.rows("m", "a-alias' --") == []
    assert reads.ALIASES_OF_MODEL_NAME.rows("%") == []


def test_the_selectors_use_the_fixed_reads(data):
    assert selectors._VERSION_BY_ALIAS is reads.VERSION_BY_ALIAS
    entity = selectors.version_by_alias("m", "a-alias")
    assert entity["version"] == "2" and entity["aliases"] == ["a-alias", "b-alias"]
