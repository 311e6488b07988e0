"""How ``load_data`` writes its rows: PostgreSQL's ``COPY`` (psycopg's ``cursor.copy()``) with the tables'
indexes and foreign keys set aside until the rows are in, or plain ``INSERT``s on SQLite (small datasets,
the tests); and the id sequences moved past the loaded ids afterwards.

A table's columns are the model's: the loader gives the ones it computes, every other column gets the
field's default, as a bulk insert of model instances would (a column added by a later migration is
filled without a change here)."""

import queue
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from django.db import connection, models
from psycopg.adapt import PyFormat
from psycopg.types.json import Json, Jsonb

# Defaults that are the same for every row: computed once. Any other callable default (a random code, a
# token) is called for each row, as a model instance would.
_CONSTANT_DEFAULTS = (list, dict, str, int, bool)


class Table:
    """The rows of one model, given as tuples of ``columns`` (attribute names: ``customer_id``), handed to a
    ``Writer`` by ``Writer.send``."""

    def __init__(self, model: type[models.Model], columns: Sequence[str], *, derived: Sequence[str] = ()) -> None:
        """``derived``: columns outside the model (``derived_columns``), given after ``columns``."""
        self.model = model
        self.name = model._meta.db_table
        fields = {
            field.attname: field
            for field in model._meta.concrete_fields
            if not getattr(field, "generated", False)  # a GeneratedField is written by the database
        }
        if unknown := set(columns) - set(fields):
            raise ValueError(f"{self.name} has no columns {sorted(unknown)}")
        self.columns = list(columns)
        rest = [field for attname, field in fields.items() if attname not in self.columns]
        self._constant = [f for f in rest if not callable(f.default) or f.default in _CONSTANT_DEFAULTS]
        self._per_row = [f for f in rest if f not in self._constant]
        self.fields = [fields[name] for name in self.columns] + self._constant + self._per_row
        self._tail = tuple(_copy_text(field, field.get_default()) for field in self._constant)
        self._names = ", ".join(
            connection.ops.quote_name(name)
            for name in [*(f.column for f in self.fields[: len(self.columns)]), *derived]
            + [f.column for f in self.fields[len(self.columns) :]]
        )
        self.derived = list(derived)
        self.rows: list[tuple] = []
        self.written = 0
        self.seconds = 0.0  # in COPY: sending the rows and the server's work on them (its triggers)

    def add(self, row: tuple) -> None:
        self.rows.append(row)

    def take(self) -> list[tuple]:
        rows, self.rows = self.rows, []
        return rows

    def copy(self, cursor: psycopg.Cursor, rows: list[tuple], *, into: str = "") -> None:
        """``COPY`` of ``rows`` through ``cursor`` (psycopg's own: this may run in the writer's thread), into
        the table or, for a probe, ``into``."""
        began = time.monotonic()
        table = connection.ops.quote_name(into or self.name)
        with cursor.copy(f"COPY {table} ({self._names}) FROM STDIN") as copy:
            tail, per_row = self._tail, self._per_row
            for row in rows:
                extra = tuple(_copy_text(f, f.get_default()) for f in per_row) if per_row else ()
                copy.write_row(row + tail + extra)
        if not into:
            self.written += len(rows)
            self.seconds += time.monotonic() - began

    def insert(self, rows: list[tuple]) -> None:
        """Plain ``INSERT``s of ``rows`` through Django's connection (SQLite, where nothing is ``derived``)."""
        marks = ", ".join(["%s"] * len(self.fields))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {connection.ops.quote_name(self.name)} ({self._names}) VALUES ({marks})",  # noqa: S608
                [self._prepared(row) for row in rows],
            )
        self.written += len(rows)

    def _prepared(self, row: tuple) -> list[Any]:
        """The row as Django's backend binds it (SQLite keeps dates and JSON as text)."""
        given = len(self.columns)
        values = [*row, *(f.get_default() for f in self._constant), *(f.get_default() for f in self._per_row)]
        return [
            field.get_db_prep_save(value, connection) if index >= given or not isinstance(value, str) else value
            for index, (field, value) in enumerate(zip(self.fields, values, strict=True))
        ]


class Writer:
    """Writes the tables' rows as they are made. On PostgreSQL in a thread of its own, over the same
    connection and so in the same transaction, while the caller makes the next batch: the server's work on
    a batch (parsing, the triggers' search vectors and tally rows) overlaps the making of the next one. The
    caller must not use the connection until ``close``. On SQLite at once."""

    def __init__(self) -> None:
        self.postgresql = connection.vendor == "postgresql"
        self.error: BaseException | None = None
        if self.postgresql:
            connection.ensure_connection()
            self._queue: queue.Queue[list[tuple[Table, list[tuple]]] | None] = queue.Queue(maxsize=2)
            self._thread = threading.Thread(target=self._run, args=(connection.connection,), daemon=True)
            self._thread.start()

    def send(self, tables: Sequence[Table]) -> None:
        batch = [(table, table.take()) for table in tables]
        if not self.postgresql:
            for table, rows in batch:
                if rows:
                    table.insert(rows)
            return
        self._check()
        self._queue.put(batch)

    def close(self) -> None:
        """Waits until every row sent is written."""
        if self.postgresql:
            self._queue.put(None)
            self._thread.join()
            self._check()

    def _check(self) -> None:
        if self.error is not None:
            raise RuntimeError("writing the rows failed") from self.error

    def _run(self, raw: psycopg.Connection) -> None:
        with raw.cursor() as cursor:
            while (batch := self._queue.get()) is not None:
                if self.error is not None:
                    continue  # drained, so that ``send`` never blocks on a dead writer
                try:
                    for table, rows in batch:
                        if rows:
                            table.copy(cursor, rows)
                except BaseException as error:  # handed to the caller's thread
                    self.error = error


def _copy_text(field: models.Field, value: Any) -> Any:
    """A value for ``COPY``'s text format: JSON as its text, so that psycopg does not encode it again for
    every row; everything else as psycopg adapts it."""
    if connection.vendor != "postgresql":
        return value
    prepared = field.get_db_prep_save(value, connection)
    if isinstance(prepared, Jsonb | Json):
        dumper = psycopg.adapters.get_dumper(type(prepared), PyFormat.TEXT)(type(prepared))
        return bytes(dumper.dump(prepared) or b"").decode()
    return prepared


@dataclass(frozen=True)
class Derived:
    """Columns of a table outside its model that its triggers write from the row before it is inserted
    (``search_vector``, conversations/migrations/0015), and those triggers."""

    table: str
    columns: list[str]
    triggers: list[tuple[str, str]]  # name, definition


def derived_columns(model: type[models.Model]) -> Derived | None:
    """The columns the table's ``BEFORE INSERT`` row triggers write that the model does not know, if any.
    PostgreSQL only."""
    table = model._meta.db_table
    known = {field.column for field in model._meta.concrete_fields}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
            "ORDER BY attnum",
            [table],
        )
        columns = [name for (name,) in cursor.fetchall() if name not in known]
        # tgtype's bits: 1 a row trigger, 2 before, 4 on insert.
        cursor.execute(
            "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass "
            "AND NOT tgisinternal AND tgenabled <> 'D' AND tgtype & 7 = 7 ORDER BY tgname",
            [table],
        )
        triggers = cursor.fetchall()
    return Derived(table, columns, triggers) if columns and triggers else None


def derived_values(derived: Derived, table: Table, probes: list[tuple]) -> list[tuple]:
    """What the triggers of ``derived`` write into its columns for each row of ``probes`` (rows of
    ``table``'s columns, ``derived`` ones left out): the rows are inserted into a temporary copy of the table
    carrying the same triggers, and their derived columns read back as text. Exact for triggers that read
    only the row. ``table`` names the derived columns; its rows here have none yet."""
    plain = Table(table.model, table.columns)
    columns = ", ".join(f"{connection.ops.quote_name(name)}::text" for name in derived.columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE load_probe (LIKE {connection.ops.quote_name(derived.table)} INCLUDING DEFAULTS)"
        )
        for _, definition in derived.triggers:
            cursor.execute(re.sub(r" ON \S+ ", " ON pg_temp.load_probe ", definition, count=1))
        plain.copy(cursor.cursor, probes, into="load_probe")
        cursor.execute(f"SELECT {columns} FROM load_probe ORDER BY id")  # noqa: S608
        values = [tuple(row) for row in cursor.fetchall()]
        cursor.execute("DROP TABLE load_probe")
    return values


@contextmanager
def triggers_off(derived: Derived) -> Iterator[None]:
    """The triggers of ``derived`` disabled, for rows that carry what they would have written. In a
    transaction, so that a failure leaves them on."""
    with connection.cursor() as cursor:
        for name, _ in derived.triggers:
            cursor.execute(f"ALTER TABLE {derived.table} DISABLE TRIGGER {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        for name, _ in derived.triggers:
            cursor.execute(f"ALTER TABLE {derived.table} ENABLE TRIGGER {connection.ops.quote_name(name)}")


@contextmanager
def indexes_set_aside(tables: Sequence[str], *, log: Callable[[str], None] = print) -> Iterator[None]:
    """Drops the tables' secondary indexes, unique constraints and foreign keys, and puts each back as it
    was (same name, same definition) when the block ends: one build of each index over all the rows and
    one check of each foreign key, rather than an index insertion and a lookup per row. Primary keys, check
    constraints and triggers stay (the triggers must see every row). Meant to run inside a transaction, so
    that a failure leaves the schema as it was. PostgreSQL only."""
    with connection.cursor() as cursor:
        # A table with foreign-key checks still pending in this transaction cannot be altered: they run now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u') ORDER BY contype, conname",
            [list(tables)],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
            "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid "
            "AND c.conrelid = i.indrelid) ORDER BY 1",
            [list(tables)],
        )
        indexes = cursor.fetchall()
        # Foreign keys first ('f' sorts before 'u'): a unique constraint may be what one of them references.
        for table, name, _, _ in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        statements = [definition for _, definition in indexes] + [
            f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
            for table, name, _, definition in sorted(constraints, key=lambda c: c[2], reverse=True)
        ]
        for statement in statements:
            began = time.monotonic()
            cursor.execute(statement)
            if (seconds := time.monotonic() - began) >= 5:
                log(f"  {seconds:.0f} s: {statement}")
        # Back to each foreign key's own timing (Django declares them all INITIALLY DEFERRED).
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def next_id(model: type[models.Model]) -> int:
    """The first id free both in the table and in its sequence (the ids a load gives explicitly start here)."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
        highest = cursor.fetchone()[0]
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
            sequence = cursor.fetchone()[0]
            cursor.execute(f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {sequence}")  # noqa: S608
            highest = max(highest, cursor.fetchone()[0])
    return highest + 1


def sequences_advance(model_list: Sequence[type[models.Model]]) -> None:
    """Moves each model's id sequence past its highest id, so that the next row the services insert gets a
    free id. SQLite's ``AUTOINCREMENT`` follows explicit ids by itself."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in model_list:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), MAX(id)) FROM {connection.ops.quote_name(table)} "  # noqa: S608
                "HAVING MAX(id) > (SELECT CASE WHEN is_called THEN last_value ELSE 0 END "
                f"FROM {_sequence(cursor, table)})",
                [table],
            )


def _sequence(cursor: Any, table: str) -> str:
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    return cursor.fetchone()[0]
