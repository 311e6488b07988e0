"""Hot reads written out once: statements whose text does not change per request, read into values or
instances as the ORM would."""

import functools
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple, cast

import orjson
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import JSONField, Model

if TYPE_CHECKING:
    from helpdesk.postgresql.base import DatabaseWrapper as PostgreSQLDatabaseWrapper


def read_rows(sql: str, params: Sequence = ()) -> list[tuple]:
    """All rows of a statement written out once (``%s`` parameters), through the PostgreSQL backend's
    ``binary_cursor``, elsewhere Django's cursor. Values come as a plain cursor gives them: convert them
    with ``values_from_rows`` or ``instances_from_rows``."""
    # On PostgreSQL the settings always use ``helpdesk.postgresql``'s backend, which has ``binary_cursor``.
    postgresql = connection.vendor == "postgresql"
    with cast("PostgreSQLDatabaseWrapper", connection).binary_cursor() if postgresql else connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class IdsRead(NamedTuple):
    """``SELECT {columns} {source}`` where ``{ids}`` in ``source`` stands for "is one of the ids", for
    ``rows_by_ids``. Columns give numbers, text, booleans or null: JSON text as ``CAST(… AS TEXT)``, no
    dates."""

    columns: str
    source: str


def rows_by_ids(**reads: tuple[IdsRead, Iterable[int]]) -> dict[str, list[list]]:
    """``{name: rows}`` for each ``name=(read, ids)``: the rows of every read, as lists, in one statement.

    For the hot reads of every page, its related rows (the people, the custom fields): one round trip
    whatever their number, and a statement text that does not change with the number of ids (``= ANY``
    of an array on PostgreSQL, ``json_each`` on SQLite), so nothing is compiled per request as the ORM would
    (~0.4 ms a query). Each read is one column of one row, its rows as a JSON array of arrays
    (``json_agg``/``json_group_array``), decoded by orjson. A read without ids is not asked."""
    asked: dict[str, tuple[IdsRead, list[int]]] = {}
    for name, (read, ids) in reads.items():
        if ids := list(ids):
            asked[name] = (read, ids)
    found: dict[str, list[list]] = {name: [] for name in reads}
    if not asked:
        return found
    postgresql = connection.vendor == "postgresql"
    sql = _rows_by_ids_sql(tuple(read for read, _ in asked.values()), postgresql)
    (row,) = read_rows(sql, [ids if postgresql else json.dumps(ids) for _, ids in asked.values()])
    for name, rows in zip(asked, row, strict=True):
        found[name] = orjson.loads(rows) if rows else []
    return found


@functools.cache
def _rows_by_ids_sql(reads: tuple[IdsRead, ...], postgresql: bool) -> str:
    aggregate = "json_agg(json_build_array({}))::text" if postgresql else "json_group_array(json_array({}))"
    in_ids = _IN_IDS[postgresql]
    return "SELECT " + ", ".join(
        f"(SELECT {aggregate.format(read.columns)} {read.source.format(ids=in_ids)})" for read in reads
    )


# "Is one of the ids" with the ids as one parameter: an array on PostgreSQL, a JSON array on SQLite.
_IN_IDS = {True: "= ANY(%s)", False: "IN (SELECT value FROM json_each(%s))"}


def read_rows_by_ids(sql: str, ids: Iterable[int]) -> list[tuple]:
    """``read_rows`` of a statement written out once where ``{ids}`` stands for "is one of the ids" (its only
    parameter): one statement text whatever the number of ids, prepared once per connection. For reads
    that need dates or many rows, which ``rows_by_ids`` does not give."""
    postgresql = connection.vendor == "postgresql"
    ids = list(ids)
    return read_rows(_with_ids(sql, postgresql), [ids if postgresql else json.dumps(ids)])


@functools.cache
def _with_ids(sql: str, postgresql: bool) -> str:
    return sql.replace("{ids}", _IN_IDS[postgresql])


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
    converts them (JSON decoded, SQLite's dates parsed…): what ``values_list(*attnames)`` would give.
    (JSON is decoded by orjson where the field has no decoder of its own.)"""
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
        if isinstance(field, JSONField) and type(field).from_db_value is JSONField.from_db_value and not field.decoder:
            functions = [_json_from_db if function == field.from_db_value else function for function in functions]
        if functions:
            converters.append((index, column, functions))
    return converters


def _json_from_db(value, expression, connection):
    """``JSONField.from_db_value`` by orjson, a seventh of the json module's time a value (a page reads 100);
    what orjson refuses (``NaN``, integers past 64 bits, not JSON at all) goes to Django's."""
    if value is None:
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return expression.target.from_db_value(value, expression, connection)
