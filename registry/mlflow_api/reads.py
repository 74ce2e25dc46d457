"""The MLflow door's hot single-object reads as fixed SQL statements, run through Django's documented raw-SQL API.

The MLflow client calls these on every load (get a model, get a version, resolve an alias, list one model's
versions). Building and compiling an equivalent queryset costs several times what the database takes to answer
(0.3-0.5 ms of Python per query against tens of microseconds for SQLite), so each read is one statement written
here once: table and column names come from the models' ``_meta`` (the public Model _meta API), values are bound
as parameters (``%s``) and the statement runs through ``connection.cursor()`` (Django's "executing custom SQL
directly"), so it is logged and counted like any ORM query. Rows come back as named tuples with the names the
ORM's ``values_list(..., named=True)`` gave them (``tests/mlflow_api/test_reads.py`` asserts each read returns
exactly what the equivalent queryset returns, on SQLite and on PostgreSQL).

The only conversions needed are done here: the ``tags`` JSON text is decoded, and timestamps are computed by the
database as integer epoch milliseconds (the unit MLflow's entities carry), so no datetime is parsed in Python.
"""

from __future__ import annotations

import json
from collections import namedtuple
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

from registry.models import ModelAlias, ModelVersion, RegisteredModel


def _table(model: type[Model]) -> str:
    return f'"{model._meta.db_table}"'


def _column(model: type[Model], field: str) -> str:
    return f'"{model._meta.get_field(field).column}"'  # type: ignore[union-attr]  # concrete fields have a column


def epoch_ms(column: str, vendor: str) -> str:
    """SQL for a timestamp column as integer milliseconds since the epoch (exact, no float rounding)."""
    if vendor == "postgresql":
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column}) * 1000) AS BIGINT)"
    # SQLite stores 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC: whole seconds plus the first 3 fraction digits.
    return f"(CAST(strftime('%%s', {column}) AS INTEGER) * 1000 + CAST(substr({column}, 21, 3) AS INTEGER))"


# A plain callable: rows get the named-tuple class of their own field names, known only at run time.
_row_class: Callable[[tuple[str, ...]], Any] = partial(namedtuple, "Row")


class Read:
    """One fixed statement: ``Read(names, build)`` where ``build(vendor)`` returns the SQL for that database."""

    def __init__(self, names: tuple[str, ...], build: Callable[[str], str], *, paged: bool = False) -> None:
        self.names, self.build, self.paged = names, build, paged
        self.row_class = _row_class(names)
        self._json = [index for index, name in enumerate(names) if name == "tags"]
        self._sql: dict[str, str] = {}

    def sql(self, vendor: str) -> str:
        if vendor not in self._sql:
            self._sql[vendor] = self.build(vendor) + (" LIMIT %s OFFSET %s" if self.paged else "")
        return self._sql[vendor]

    def rows(self, *params: Any, page: tuple[int, int] | None = None, using: str = DEFAULT_DB_ALIAS) -> list[Any]:
        if (page is not None) != self.paged:
            raise TypeError("page=(limit, offset) is required for a paged read, and only for one")
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(self.sql(connection.vendor), [*params, *(page or ())])
            raw = cursor.fetchall()
        if not self._json:
            return [self.row_class._make(row) for row in raw]
        out = []
        for row in raw:
            values = list(row)
            for index in self._json:
                if isinstance(values[index], str | bytes):
                    values[index] = json.loads(values[index])
            out.append(self.row_class._make(values))
        return out

    def first(self, *params: Any, using: str = DEFAULT_DB_ALIAS) -> Any | None:
        rows = self.rows(*params, using=using)
        return rows[0] if rows else None


M, V, A = RegisteredModel, ModelVersion, ModelAlias

MODEL_FIELDS = ("id", "name", "description", "tags", "created_ms", "updated_ms")
VERSION_FIELDS = (
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


def _model_select(vendor: str) -> str:
    plain = ", ".join(f"m.{_column(M, f)}" for f in MODEL_FIELDS[:4])
    created, updated = (epoch_ms(f"m.{_column(M, f)}", vendor) for f in ("created_at", "updated_at"))
    return f"SELECT {plain}, {created}, {updated} FROM {_table(M)} m"


def _version_select(vendor: str, *, with_model_name: bool) -> str:
    plain = ", ".join(f"v.{_column(V, 'model' if f == 'model_id' else f)}" for f in VERSION_FIELDS[:8])
    created, updated = (epoch_ms(f"v.{_column(V, f)}", vendor) for f in ("created_at", "updated_at"))
    if not with_model_name:
        return f"SELECT {plain}, {created}, {updated} FROM {_table(V)} v"
    return (
        f"SELECT {plain}, {created}, {updated}, m.{_column(M, 'name')} FROM {_table(V)} v "
        f"INNER JOIN {_table(M)} m ON m.{_column(M, 'id')} = v.{_column(V, 'model')}"
    )


MODEL_BY_NAME = Read(MODEL_FIELDS, lambda vendor: f"{_model_select(vendor)} WHERE m.{_column(M, 'name')} = %s")

# The newest version of each stage of one model, oldest first.
LATEST_OF_MODEL = Read(
    VERSION_FIELDS,
    lambda vendor: (
        f"{_version_select(vendor, with_model_name=False)} WHERE v.{_column(V, 'model')} = %s AND NOT EXISTS "
        f"(SELECT 1 FROM {_table(V)} n WHERE n.{_column(V, 'model')} = v.{_column(V, 'model')} "
        f"AND n.{_column(V, 'stage')} = v.{_column(V, 'stage')} "
        f"AND n.{_column(V, 'version')} > v.{_column(V, 'version')}) "
        f"ORDER BY v.{_column(V, 'version')} ASC"
    ),
)

ALIASES_OF_MODEL = Read(
    ("alias", "version_id", "version__version"),
    lambda vendor: (
        f"SELECT a.{_column(A, 'alias')}, a.{_column(A, 'version')}, v.{_column(V, 'version')} FROM {_table(A)} a "
        f"INNER JOIN {_table(V)} v ON v.{_column(V, 'id')} = a.{_column(A, 'version')} "
        f"WHERE a.{_column(A, 'model')} = %s ORDER BY a.{_column(A, 'alias')} ASC"
    ),
)

VERSION_BY_ALIAS = Read(
    (*VERSION_FIELDS, "model__name"),
    lambda vendor: (
        f"{_version_select(vendor, with_model_name=True)} "
        f"INNER JOIN {_table(A)} a ON a.{_column(A, 'version')} = v.{_column(V, 'id')} "
        f"WHERE m.{_column(M, 'name')} = %s AND a.{_column(A, 'alias')} = %s"
    ),
)

VERSION_BY_NUMBER = Read(
    (*VERSION_FIELDS, "model__name"),
    lambda vendor: (
        f"{_version_select(vendor, with_model_name=True)} "
        f"WHERE m.{_column(M, 'name')} = %s AND v.{_column(V, 'version')} = %s"
    ),
)

ALIASES_OF_VERSION = Read(
    ("alias",),
    lambda vendor: (
        f"SELECT a.{_column(A, 'alias')} FROM {_table(A)} a WHERE a.{_column(A, 'version')} = %s "
        f"ORDER BY a.{_column(A, 'alias')} ASC"
    ),
)

ALIASES_OF_MODEL_NAME = Read(
    ("version_id", "alias"),
    lambda vendor: (
        f"SELECT a.{_column(A, 'version')}, a.{_column(A, 'alias')} FROM {_table(A)} a "
        f"INNER JOIN {_table(M)} m ON m.{_column(M, 'id')} = a.{_column(A, 'model')} "
        f"WHERE m.{_column(M, 'name')} = %s ORDER BY a.{_column(A, 'alias')} ASC"
    ),
)

# One model's versions, newest first, a page at a time (page=(limit, offset)).
VERSIONS_OF_MODEL_NAME = Read(
    (*VERSION_FIELDS, "model__name"),
    lambda vendor: (
        f"{_version_select(vendor, with_model_name=True)} WHERE m.{_column(M, 'name')} = %s "
        f"ORDER BY v.{_column(V, 'version')} DESC, v.{_column(V, 'id')} ASC"
    ),
    paged=True,
)
