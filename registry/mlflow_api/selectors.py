"""Reads of the MLflow door: each answers in a fixed number of queries, whatever the page size."""

from __future__ import annotations

import base64
import binascii
import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BigIntegerField, Exists, F, Func, Model, OuterRef, Q, QuerySet, TextField
from django.db.models.sql.compiler import SQLCompiler

from registry.mlflow_api import reads, shapes
from registry.mlflow_api.errors import INVALID_PARAMETER_VALUE, RESOURCE_DOES_NOT_EXIST, MlflowError
from registry.mlflow_api.filters import Condition, like_to_regex
from registry.models import ModelAlias, ModelVersion, RegisteredModel

M = TypeVar("M", bound=Model)

MAX_OFFSET = 10_000_000
_MODEL_FIELDS = ("id", "name", "description", "tags", "created_ms", "updated_ms")
_VERSION_FIELDS = (
    "id",
    "model_id",
    "version",
    "description",
    "source_uri",
    "run_id",
    "tags",
    "stage",
    "created_ms",
    "updated_ms",
)


class EpochMillis(Func):
    """A timestamp as integer milliseconds since the epoch, computed by the database (exact, no float rounding):
    reading rows as tuples with this skips building model instances and parsing datetimes in Python."""

    output_field = BigIntegerField()

    def __init__(self, field: str):
        super().__init__(F(field))

    def as_sql(  # type: ignore[override]  # Func's template keywords unused
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, Sequence[Any]]:
        lhs, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return f"CAST(FLOOR(EXTRACT(EPOCH FROM {lhs}) * 1000) AS BIGINT)", params
        # SQLite stores 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC: whole seconds plus the first 3 fraction digits.
        return f"(CAST(strftime('%%s', {lhs}) AS INTEGER) * 1000 + CAST(substr({lhs}, 21, 3) AS INTEGER))", [
            *params,
            *params,
        ]


def _model_rows(qs: QuerySet[RegisteredModel]) -> QuerySet[RegisteredModel, Any]:
    rows: QuerySet[RegisteredModel, Any] = qs.annotate(
        created_ms=EpochMillis("created_at"), updated_ms=EpochMillis("updated_at")
    ).values_list(*_MODEL_FIELDS, named=True)
    return rows


def _version_rows(qs: QuerySet[ModelVersion], *extra: str) -> QuerySet[ModelVersion, Any]:
    rows: QuerySet[ModelVersion, Any] = qs.annotate(
        created_ms=EpochMillis("created_at"), updated_ms=EpochMillis("updated_at")
    ).values_list(*_VERSION_FIELDS, *extra, named=True)
    return rows


# --- page tokens ----------------------------------------------------------------------------------------------------


def encode_page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def decode_page_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode("ascii") + b"=" * (-len(token) % 4)))
        offset = data["offset"]
    except (ValueError, TypeError, KeyError, UnicodeError, binascii.Error):
        raise MlflowError(INVALID_PARAMETER_VALUE, "Invalid page token: it was not issued by this server.") from None
    if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= MAX_OFFSET:
        raise MlflowError(INVALID_PARAMETER_VALUE, "Invalid page token: offset out of range.")
    return offset


# --- single objects -------------------------------------------------------------------------------------------------


def get_model(name: str) -> RegisteredModel:
    model = RegisteredModel.objects.filter(name=name).first()
    if model is None:
        raise MlflowError(RESOURCE_DOES_NOT_EXIST, f"Registered Model with name={name} not found")
    return model


def model_exists(name: str) -> bool:
    return RegisteredModel.objects.filter(name=name).exists()


def get_version(name: str, number: int) -> ModelVersion:
    version = ModelVersion.objects.filter(model__name=name, version=number).select_related("model").first()
    if version is None:
        raise MlflowError(RESOURCE_DOES_NOT_EXIST, f"Model Version (name={name}, version={number}) not found")
    return version


def _newer_of_same_stage() -> Exists:
    return Exists(
        ModelVersion.objects.filter(model=OuterRef("model"), stage=OuterRef("stage"), version__gt=OuterRef("version"))
    )


# The hot single-object reads: fixed SQL statements (see reads.py); the MLflow client calls these on every load.
_MODEL_BY_NAME = reads.MODEL_BY_NAME
_LATEST_OF_MODEL = reads.LATEST_OF_MODEL
_ALIASES_OF_MODEL = reads.ALIASES_OF_MODEL
_VERSION_BY_ALIAS = reads.VERSION_BY_ALIAS
_VERSION_BY_NUMBER = reads.VERSION_BY_NUMBER
_ALIASES_OF_VERSION = reads.ALIASES_OF_VERSION
_ALIASES_OF_MODEL_NAME = reads.ALIASES_OF_MODEL_NAME
_VERSIONS_OF_MODEL_NAME = reads.VERSIONS_OF_MODEL_NAME


def _version_entity_of_row(row: Any) -> dict[str, Any]:
    aliases = [a.alias for a in _ALIASES_OF_VERSION.rows(row.id)]
    return shapes.model_version(row, model_name=row.model__name, aliases=aliases)


def version_entity(version: ModelVersion) -> dict[str, Any]:
    """The entity of a version just read or written (2 queries)."""
    return _version_entity_of_row(_VERSION_BY_NUMBER.first(version.model.name, version.version))


def version_entity_by_number(name: str, number: int) -> dict[str, Any]:
    row = _VERSION_BY_NUMBER.first(name, number)
    if row is None:
        raise MlflowError(RESOURCE_DOES_NOT_EXIST, f"Model Version (name={name}, version={number}) not found")
    return _version_entity_of_row(row)


def version_by_alias(name: str, alias: str) -> dict[str, Any]:
    """2 queries: the version the alias points at (with its model's name), then all aliases of that version."""
    row = _VERSION_BY_ALIAS.first(name, alias)
    if row is None:
        if not RegisteredModel.objects.filter(name=name).exists():
            raise MlflowError(RESOURCE_DOES_NOT_EXIST, f"Registered Model with name={name} not found")
        raise MlflowError(INVALID_PARAMETER_VALUE, f"Registered model alias {alias} not found.")
    return _version_entity_of_row(row)


# --- registered models with their aliases and latest versions -------------------------------------------------------


def latest_versions(model_ids: list[int], stages: list[str] | None = None) -> dict[int, list[Any]]:
    """The newest version of each stage of each model, in one query."""
    if not model_ids:
        return {}
    qs = ModelVersion.objects.filter(model_id__in=model_ids).exclude(_newer_of_same_stage())
    if stages is not None:
        qs = qs.filter(stage__in=stages)
    result: dict[int, list[Any]] = defaultdict(list)
    for version in _version_rows(qs.order_by("model_id", "version")):
        result[version.model_id].append(version)
    return result


def aliases_of_models(model_ids: list[int]) -> list[tuple[int, str, int, int]]:
    """(model_id, alias, version_id, version number) rows, one query."""
    if not model_ids:
        return []
    return list(
        ModelAlias.objects.filter(model_id__in=model_ids)
        .order_by("model_id", "alias")
        .values_list("model_id", "alias", "version_id", "version__version")
    )


def model_entities(models: list[Any]) -> list[dict[str, Any]]:
    """``models``: rows from ``_model_rows`` (name, description, tags, created_ms, updated_ms, id)."""
    ids = [m.id for m in models]
    latest = latest_versions(ids)
    alias_rows = aliases_of_models(ids)
    by_model: dict[int, list[tuple[str, int]]] = defaultdict(list)
    by_version: dict[int, list[str]] = defaultdict(list)
    for model_id, alias, version_id, number in alias_rows:
        by_model[model_id].append((alias, number))
        by_version[version_id].append(alias)
    out = []
    for model in models:
        versions = [
            shapes.model_version(v, model_name=model.name, aliases=by_version.get(v.id))
            for v in latest.get(model.id, [])
        ]
        out.append(shapes.registered_model(model, aliases=by_model.get(model.id), latest_versions=versions))
    return out


def _entity_of_model_row(model: Any) -> dict[str, Any]:
    """One model's entity from its row: its latest versions and its aliases, 2 prepared queries."""
    by_version: dict[int, list[str]] = defaultdict(list)
    aliases = []
    for row in _ALIASES_OF_MODEL.rows(model.id):
        by_version[row.version_id].append(row.alias)
        aliases.append((row.alias, row.version__version))
    versions = [
        shapes.model_version(v, model_name=model.name, aliases=by_version.get(v.id))
        for v in _LATEST_OF_MODEL.rows(model.id)
    ]
    return shapes.registered_model(model, aliases=aliases, latest_versions=versions)


def model_entity(model: RegisteredModel) -> dict[str, Any]:
    """The entity of a model just read or written (3 queries)."""
    return model_entity_by_name(model.name)


def model_entity_by_name(name: str) -> dict[str, Any]:
    model = _MODEL_BY_NAME.first(name)
    if model is None:
        raise MlflowError(RESOURCE_DOES_NOT_EXIST, f"Registered Model with name={name} not found")
    return _entity_of_model_row(model)


# --- search ---------------------------------------------------------------------------------------------------------


class TagText(Func):
    """The text of one key of the ``tags`` JSON object (NULL when absent); keys with dots or spaces are safe, the key
    is a bound parameter on both databases."""

    output_field = TextField()

    def __init__(self, key: str):
        self.key = key
        super().__init__(F("tags"))

    def as_sql(  # type: ignore[override]  # Func's template keywords unused
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, Sequence[Any]]:
        lhs, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return f"({lhs} ->> %s)", [*params, self.key]
        return f"JSON_EXTRACT({lhs}, %s)", [*params, "$." + json.dumps(self.key)]


def _string_q(field: str, op: str, value: str) -> Q:
    if op == "=":
        return Q(**{field: value})
    if op == "!=":
        return ~Q(**{field: value})
    if op == "LIKE":
        return Q(**{f"{field}__regex": like_to_regex(value)})
    if op == "ILIKE":
        return Q(**{f"{field}__iregex": like_to_regex(value)})
    raise MlflowError(INVALID_PARAMETER_VALUE, f"Operator {op} is not supported here.")


def _apply_conditions(qs: QuerySet[M], conditions: list[Condition], fields: dict[str, str]) -> QuerySet[M]:
    for index, cond in enumerate(conditions):
        if cond.kind == "tag":
            alias = f"_mlflow_tag_{index}"
            qs = qs.alias(**{alias: TagText(cond.key)})
            if cond.op == "!=":
                # A missing tag is "not equal" too (how the client's prompt-exclusion clause must behave).
                qs = qs.filter(Q(**{f"{alias}__isnull": True}) | ~Q(**{alias: cond.value}))
            else:
                qs = qs.filter(_string_q(alias, cond.op, str(cond.value)))
            continue
        field = fields[cond.key]
        if cond.op == "IN":
            assert isinstance(cond.value, tuple), "the parser gives IN a tuple"
            qs = qs.filter(**{f"{field}__in": list(cond.value)})
        elif isinstance(cond.value, int):
            lookup = {"=": "exact", "<": "lt", ">": "gt", "<=": "lte", ">=": "gte"}.get(cond.op)
            qs = (
                qs.exclude(**{field: cond.value})
                if cond.op == "!="
                else qs.filter(**{f"{field}__{lookup}": cond.value})
            )
        else:
            qs = qs.filter(_string_q(field, cond.op, str(cond.value)))
    return qs


def _ordered(qs: QuerySet[M], order: list[tuple[str, bool]], default: list[str]) -> QuerySet[M]:
    keys = [f"-{field}" if desc else field for field, desc in order] or list(default)
    return qs.order_by(*keys, "pk")


def search_models(
    *, conditions: list[Condition], order: list[tuple[str, bool]], offset: int, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    qs = _apply_conditions(RegisteredModel.objects.all(), conditions, {"name": "name"})
    rows = list(_model_rows(_ordered(qs, order, ["name"]))[offset : offset + limit + 1])
    token = encode_page_token(offset + limit) if len(rows) > limit else None
    return model_entities(rows[:limit]), token


def search_versions(
    *, conditions: list[Condition], order: list[tuple[str, bool]], offset: int, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    only = conditions[0] if len(conditions) == 1 else None
    if (
        not order
        and only
        and only.kind != "tag"
        and only.key == "name"
        and only.op == "="
        and isinstance(only.value, str)
    ):
        # What the client sends for one model's versions (``filter="name='x'"``): 2 prepared queries.
        return _versions_of_model_name(only.value, offset=offset, limit=limit)
    fields = {"name": "model__name", "version_number": "version", "run_id": "run_id", "source_path": "source_uri"}
    qs = _apply_conditions(ModelVersion.objects.all(), conditions, fields)
    rows = list(
        _version_rows(_ordered(qs, order, ["model__name", "-version"]), "model__name")[offset : offset + limit + 1]
    )
    token = encode_page_token(offset + limit) if len(rows) > limit else None
    rows = rows[:limit]
    aliases: dict[int, list[str]] = defaultdict(list)
    if rows:
        for version_id, alias in ModelAlias.objects.filter(version_id__in=[v.id for v in rows]).values_list(
            "version_id", "alias"
        ):
            aliases[version_id].append(alias)
    return [shapes.model_version(v, model_name=v.model__name, aliases=aliases.get(v.id)) for v in rows], token


def _versions_of_model_name(name: str, *, offset: int, limit: int) -> tuple[list[dict[str, Any]], str | None]:
    rows = _VERSIONS_OF_MODEL_NAME.rows(name, page=(limit + 1, offset))
    token = encode_page_token(offset + limit) if len(rows) > limit else None
    rows = rows[:limit]
    aliases: dict[int, list[str]] = defaultdict(list)
    if rows:
        for row in _ALIASES_OF_MODEL_NAME.rows(name):
            aliases[row.version_id].append(row.alias)
    return [shapes.model_version(v, model_name=v.model__name, aliases=aliases.get(v.id)) for v in rows], token


def latest_version_entities(model: RegisteredModel, stages: list[str] | None) -> list[dict[str, Any]]:
    versions = latest_versions([model.pk], stages).get(model.pk, [])
    alias_rows = aliases_of_models([model.pk]) if versions else []
    by_version: dict[int, list[str]] = defaultdict(list)
    for _, alias, version_id, _number in alias_rows:
        by_version[version_id].append(alias)
    return [shapes.model_version(v, model_name=model.name, aliases=by_version.get(v.id)) for v in versions]
