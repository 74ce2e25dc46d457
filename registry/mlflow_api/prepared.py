"""Reads of a fixed shape whose SQL is built by the ORM once, then only bound and run.

Building and compiling a queryset costs more than running it on the MLflow door's hot reads (a few hundred
microseconds of Python per query against tens for SQLite to answer). A ``PreparedRead`` builds its queryset once per
database alias with marker values in place of the arguments, keeps the compiled SQL and where each marker landed in
its parameters, and on each call binds the real values and runs that SQL through the connection's cursor (so the
query is logged and counted like any other). Rows go through the same converters as the queryset's own (JSON
decoded, dates made aware, ...) and come back as the same named tuples as ``values_list(..., named=True)``:
the answer equals ``list(build(*args))`` (asserted in ``tests/mlflow_api/test_prepared.py``).

Only for querysets whose arguments reach the SQL unchanged (equality and comparison lookups; not ``__in`` lists,
``LIKE`` patterns or slices). A ``page`` appends ``LIMIT``/``OFFSET`` as bound parameters.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.utils import create_namedtuple_class

_MARKERS = {
    str: lambda index: f"\x00prepared-read-marker-{index}\x00",
    # Within every integer field's range: an out-of-range value compiles to an empty WHERE, not to a parameter.
    int: lambda index: 2_147_383_000 + index,
}


class _Compiled:
    __slots__ = ("converters", "params", "row_class", "slots", "sql")

    def __init__(self, sql, params, slots, converters, row_class):
        self.sql, self.params, self.slots = sql, params, slots
        self.converters, self.row_class = converters, row_class


class PreparedRead:
    """``PreparedRead(lambda name: Model.objects.filter(name=name).values_list(..., named=True), str)``."""

    def __init__(self, build: Callable[..., QuerySet], *types: type, paged: bool = False):
        unknown = [t for t in types if t not in _MARKERS]
        if unknown:
            raise ImproperlyConfigured(f"PreparedRead arguments must be str or int, not {unknown}.")
        self.build, self.types, self.paged = build, types, paged
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def _compile(self, using: str) -> _Compiled:
        markers = [_MARKERS[kind](index) for index, kind in enumerate(self.types)]
        queryset = self.build(*markers)
        if queryset.query.is_sliced:
            raise ImproperlyConfigured("A PreparedRead must not be sliced; use paged=True and page=(limit, offset).")
        query = queryset.query
        compiler = query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots: list[tuple[int, type] | None] = []
        for value in params:
            # isinstance: a backend may wrap a value in a subclass that carries its SQL type (psycopg's Int4 on
            # PostgreSQL), which the bound argument then gets too.
            found = [i for i, marker in enumerate(markers) if isinstance(value, type(marker)) and value == marker]
            slots.append((found[0], type(value)) if found else None)
        missing = [i for i in range(len(markers)) if all(slot is None or slot[0] != i for slot in slots)]
        if missing:
            raise ImproperlyConfigured(f"PreparedRead: argument(s) {missing} do not reach the SQL unchanged.")
        if self.paged:
            sql += " LIMIT %s OFFSET %s"
        fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
        converters = sorted(compiler.get_converters(fields).items())
        # The names of values_list(named=True), as Django's NamedValuesListIterable gives them (the SELECT list
        # follows the same order).
        names = getattr(queryset, "_fields", None) or [
            *query.extra_select,
            *query.values_select,
            *query.annotation_select,
        ]
        compiled = _Compiled(sql, tuple(params), tuple(slots), converters, create_namedtuple_class(*names))
        with self._lock:
            self._compiled[using] = compiled
        return compiled

    def rows(self, *args: Any, page: tuple[int, int] | None = None, using: str = DEFAULT_DB_ALIAS) -> list[Any]:
        if len(args) != len(self.types):
            raise TypeError(f"expected {len(self.types)} argument(s), got {len(args)}")
        if (page is not None) != self.paged:
            raise TypeError("page=(limit, offset) is required for a paged read, and only for one")
        for value, kind in zip(args, self.types, strict=True):
            if not isinstance(value, kind) or isinstance(value, bool):
                raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
        compiled = self._compiled.get(using) or self._compile(using)
        params = [
            value if slot is None else slot[1](args[slot[0]])
            for value, slot in zip(compiled.params, compiled.slots, strict=True)
        ]
        if page is not None:
            params.extend(page)
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            raw = cursor.fetchall()
        make = compiled.row_class._make
        out = []
        for row in raw:
            if compiled.converters:
                row = list(row)
                for position, (functions, expression) in compiled.converters:
                    value = row[position]
                    for function in functions:
                        value = function(value, expression, connection)
                    row[position] = value
            out.append(make(row))
        return out

    def first(self, *args: Any, using: str = DEFAULT_DB_ALIAS) -> Any | None:
        rows = self.rows(*args, using=using)
        return rows[0] if rows else None
