"""Database connection set-up shared by every process (web, workers, commands)."""

import datetime
import functools
import json
import string
from collections.abc import Iterable, Sequence

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.signals import connection_created
from django.db.models import Model
from django.dispatch import receiver
from psycopg.adapt import Loader
from psycopg.pq import Format

_TIMESTAMPTZ_OID = psycopg.adapters.types["timestamptz"].oid
# psycopg's compiled loader (psycopg-binary); it cannot be subclassed.
_COMPILED_LOADER = psycopg.adapters.get_loader(_TIMESTAMPTZ_OID, Format.TEXT)


class UtcTimestamptzLoader(Loader):
    """Reads ``timestamptz`` with psycopg's compiled parser. Django registers a pure-Python loader (psycopg's,
    then ``replace(tzinfo=…)``) costing ~3 µs a value: ~0.8 ms of every page of 50 conversations. In a UTC
    session the compiled parser already returns ``tzinfo=datetime.UTC``, the value Django's gives;
    ``timezone`` is what Django's backend checks before it would put its own loader back on a cursor."""

    timezone = datetime.UTC

    def __init__(self, oid: int, context=None):
        super().__init__(oid, context)
        self._parse = _COMPILED_LOADER(oid, context).load

    def load(self, data):
        return self._parse(data)


@receiver(connection_created, dispatch_uid="helpdesk.db.fast_timestamps")
def _fast_timestamps(sender, connection, **kwargs) -> None:
    if connection.vendor == "postgresql" and connection.timezone_name == "UTC" and connection.timezone == datetime.UTC:
        connection.connection.adapters.register_loader(_TIMESTAMPTZ_OID, UtcTimestamptzLoader)


def rows_by_ids(sql: str, **ids: Iterable[int]) -> list[tuple]:
    """The rows of ``sql``, in which each ``{name}`` stands for "is one of ``ids[name]``", its parameters.

    For the hot reads of every page (the people a page of conversations shows): the statement text is the
    same whatever the number of ids (``= ANY(array)`` on PostgreSQL, ``IN (SELECT value FROM json_each(…))``
    on SQLite), so nothing is compiled per request, as the ORM would (~0.4 ms a query)."""
    names = [name for _, name, _, _ in string.Formatter().parse(sql) if name]
    if connection.vendor == "postgresql":
        clause, params = "= ANY(%s)", [list(ids[name]) for name in names]
    else:
        clause, params = "IN (SELECT value FROM json_each(%s))", [json.dumps(list(ids[name])) for name in names]
    with connection.cursor() as cursor:
        cursor.execute(sql.format(**dict.fromkeys(ids, clause)), params)
        return cursor.fetchall()


def model_columns(model: type[Model], alias: str, attnames: tuple[str, ...] | None = None) -> str:
    """The select list of these fields (attribute names; default all concrete fields) of ``model``'s table
    ``alias``, in that order, for ``values_from_rows`` and ``instances_from_rows``. Built once per
    arguments: the statements that use it run on every request."""
    return _select_list(model, alias, attnames, connection.vendor)


@functools.cache
def _select_list(model: type[Model], alias: str, attnames: tuple[str, ...] | None, vendor: str) -> str:
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in _fields(model, attnames))


def values_from_rows(rows: Iterable[Sequence], model: type[Model], attnames: Sequence[str]) -> list[list]:
    """The values of rows selected as ``model_columns(model, alias, attnames)``, converted as the ORM
    converts them (JSON decoded, SQLite's dates parsed…): what ``values_list(*attnames)`` would give."""
    db = connections[DEFAULT_DB_ALIAS]
    converters = _converters(model, tuple(attnames), db.vendor)
    converted = []
    for row in rows:
        values = list(row)
        for index, expression, functions in converters:
            for function in functions:
                values[index] = function(values[index], expression, db)
        converted.append(values)
    return converted


def instances_from_rows(rows: Iterable[Sequence], *models: type[Model]) -> list[list[Model]]:
    """For each row selected as the ``model_columns`` (all fields) of ``models`` in that order, one instance
    of each model, built by Django's documented ``Model.from_db``: for hot reads of model instances by a
    statement written once, instead of one the ORM compiles on every request."""
    rows = list(rows)
    columns, start = [], 0
    for model in models:
        attnames = tuple(field.attname for field in model._meta.concrete_fields)
        values = values_from_rows((row[start : start + len(attnames)] for row in rows), model, attnames)
        columns.append((model, attnames, values))
        start += len(attnames)
    return [
        [model.from_db(DEFAULT_DB_ALIAS, attnames, values[index]) for model, attnames, values in columns]
        for index in range(len(rows))
    ]


def _fields(model: type[Model], attnames: Sequence[str] | None) -> list:
    if attnames is None:
        return list(model._meta.concrete_fields)
    return [model._meta.get_field(attname) for attname in attnames]


@functools.cache
def _converters(model: type[Model], attnames: tuple[str, ...], vendor: str) -> list[tuple]:
    """``(index, column, converter functions)`` of the fields that need converting, as the ORM's compiler
    finds them (the backend's converters, then the field's ``from_db_value``)."""
    converters = []
    for index, field in enumerate(_fields(model, attnames)):
        column = field.get_col(model._meta.db_table)
        functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if functions:
            converters.append((index, column, functions))
    return converters
