"""Loads the benchmark dataset into a dedicated PostgreSQL database: 3 mailboxes with custom fields, agents
with access, 25 tags, one customer per five conversations (20k for the default 100k), and conversations of
5 threads each (customer, agent reply, note, customer, agent reply), with tags, custom-field values and
attachment rows.

    .venv/bin/python -m benchmarks.load_data [--conversations 100000] [--customers N] [--recreate]

``DATABASE_URL`` names the database (default ``postgres://postgres@127.0.0.1:5432/helpdesk_bench``); it
is created if missing and migrated. A database that holds a finished load of exactly this dataset is left
alone (whatever the benchmarks wrote into it since); one that holds a finished load of another size is
refused unless ``--recreate`` is given; one that holds anything else is dropped and loaded again (only a
database whose name contains "bench", unless ``--recreate`` is given).

Users, mailboxes, folders, access, custom fields and tags go through the services. Customers,
conversations, threads, tags on conversations, custom-field values and attachments are written by
PostgreSQL's ``COPY`` (``benchmarks.load_rows``) in one transaction, with the tables' indexes and foreign
keys set aside and rebuilt once at the end, because a million ``conversation_create`` calls would take
hours. Every derived column is computed as the services compute it (``folder_type_for``, sanitised
bodies, ``text_preview``, the status each thread left, ``threads_count``, last reply, ``first``,
``acknowledged_at``, codes, the Message-ID and send status of an emailed reply), as if each conversation
had been made by ``conversation_create`` with the customer's message and then four ``thread_create``
calls, the last one an agent reply that sets the final status. What the database and the services derive
elsewhere is then derived by their own code: the tally's rows and the conversations' search vectors by
PostgreSQL's triggers during the load (the tally folded by ``conversation_tally_compact``); the threads'
search vectors by their trigger too, but once per distinct body (the threads draw from ~8,000 bodies,
``load_text.Bodies``) on a temporary copy of the table, then copied with the rows while the trigger is off
(``load_rows.derived_values``: 5M ``to_tsvector`` calls would take most of the load); the report facts and
hourly sums by ``figures_rebuild`` (``reports_rebuild``); the id sequences moved past the loaded ids;
``VACUUM ANALYZE`` last.

Attachments are rows only (name, type, size, a stored path as the services name it): no benchmark reads
their bytes, and a million files would measure the disk. Downloading one answers 404, as for a file lost
from the storage. Not loaded either: the outbox rows of the replies' emails (sent long ago) and the bell's
notifications, which no benchmarked read touches.

The function ``load`` runs on SQLite too (plain ``INSERT``s), for the tests' small datasets.
"""

import argparse
import os
import random
import re
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

import django
import environ
import psycopg
from psycopg import sql

from benchmarks import DEFAULT_DATABASE_URL
from benchmarks.load_records import BENCH_ADMIN_EMAIL as BENCH_ADMIN_EMAIL  # run.py reads it here
from benchmarks.load_records import CHUNK, ConversationRows, CustomerRows, world_make

CONVERSATIONS = 100_000
CONVERSATIONS_PER_CUSTOMER = 5
THREADS_PER_CONVERSATION = 5
SEED = 20_251_101
# What a finished load writes last, as the database's comment: ``dataset_state`` reads it.
MARK = "benchmarks.load_data v2: conversations={conversations} customers={customers}"
MARK_RE = re.compile(r"^benchmarks\.load_data v2: conversations=(\d+) customers=(\d+)$")


def database_settings(url: str) -> dict:
    return environ.Env.db_url_config(url)


def _server(url: str) -> psycopg.Connection:
    config = database_settings(url)
    return psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    )


def database_ensure(url: str, *, drop: bool = False) -> None:
    """Creates the database (after dropping it, with ``drop``) through the server's ``postgres`` database."""
    name = database_settings(url)["NAME"]
    with _server(url) as connection:
        if drop:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


@dataclass(frozen=True)
class Dataset:
    conversations: int
    # None: one customer per CONVERSATIONS_PER_CUSTOMER conversations.
    customers: int = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.customers is None:
            object.__setattr__(self, "customers", max(1, self.conversations // CONVERSATIONS_PER_CUSTOMER))

    @property
    def threads(self) -> int:
        return self.conversations * THREADS_PER_CONVERSATION

    @property
    def mark(self) -> str:
        return MARK.format(conversations=self.conversations, customers=self.customers)


def _mark_read() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()"
        )
        return cursor.fetchone()[0] or ""


def _mark_write(mark: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        name = sql.Identifier(connection.settings_dict["NAME"]).as_string(cursor.cursor)
        cursor.execute(f"COMMENT ON DATABASE {name} IS {sql.Literal(mark).as_string(cursor.cursor)}")


def dataset_state(dataset: Dataset) -> str:
    """What the database holds: "loaded" (a finished load of this dataset, benchmarks' writes since
    included), "loaded_other" (a finished load of another size), "empty" (migrated, nothing in it) or
    "other" (anything else, an interrupted load included)."""
    from conversations.models import Conversation
    from customers.models import Customer
    from mailboxes.models import Mailbox

    mark = _mark_read()
    if mark == dataset.mark:
        return "loaded"
    if MARK_RE.match(mark):
        return "loaded_other"
    if not Mailbox.objects.exists() and not Conversation.objects.exists() and not Customer.objects.exists():
        return "empty"
    return "other"


def load(dataset: Dataset, *, seed: int = SEED, log=print) -> None:
    """Loads ``dataset`` into the current (migrated) database, beside whatever it holds."""
    from django.db import connection, transaction
    from django.utils import timezone

    from benchmarks.load_rows import Writer, indexes_set_aside, sequences_advance, triggers_off
    from conversations.models import (
        Attachment,
        Conversation,
        ConversationTag,
        ConversationTally,
        CustomFieldValue,
        Thread,
    )
    from conversations.services import conversation_tally_compact
    from customers.models import Customer, CustomerEmail, CustomerPhone
    from helpdesk.models import Counter
    from reports.services import figures_rebuild

    # Test data, not secrets: a seeded generator makes every load the same.
    rng = random.Random(seed)  # noqa: S311
    now = timezone.now().replace(microsecond=0)
    start = now - timedelta(days=365)
    began = time.monotonic()
    bulk = [Customer, CustomerEmail, CustomerPhone, Conversation, Thread, Attachment, ConversationTag, CustomFieldValue]
    postgresql = connection.vendor == "postgresql"

    def elapsed() -> str:
        return f"({time.monotonic() - began:.0f} s)"

    with transaction.atomic():
        if postgresql:
            with connection.cursor() as cursor:
                # Only this transaction: index builds over millions of rows outlast a request's limit, and a
                # lost commit is loaded again.
                cursor.execute("SET LOCAL statement_timeout = 0")
                cursor.execute("SET LOCAL synchronous_commit = off")
                cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        world = world_make(rng)
        tables = [model._meta.db_table for model in [*bulk, ConversationTally]]
        with indexes_set_aside(tables, log=log) if postgresql else nullcontext():
            people = CustomerRows(rng, world, start=start)
            rows = ConversationRows(rng, world, start=start, now=now)
            log(f"  {len(rows.bodies.texts)} distinct thread bodies {elapsed()}")
            with triggers_off(rows.derived) if rows.derived else nullcontext():
                writer = Writer()
                try:
                    people.make(dataset.customers, writer)
                    for first in range(0, dataset.conversations, CHUNK):
                        rows.chunk(min(CHUNK, dataset.conversations - first), first)
                        writer.send(rows.tables)
                        done = min(first + CHUNK, dataset.conversations)
                        if done % 100_000 == 0 or done == dataset.conversations:
                            log(f"  {done} conversations made {elapsed()}")
                finally:
                    writer.close()
            log(
                f"  written: {people.customers.written} customers, {rows.conversations.written} conversations, "
                f"{rows.threads.written} threads, {rows.attachments.written} attachments, {rows.tags.written} tags "
                f"on conversations, {rows.values.written} custom-field values {elapsed()}"
            )
            tables_copied = [*people.tables, *rows.tables]
            log("  time in COPY: " + ", ".join(f"{t.name} {t.seconds:.0f} s" for t in tables_copied if t.seconds >= 1))
        log(f"  indexes and foreign keys rebuilt {elapsed()}")
        sequences_advance(bulk)
        # The numbering service continues after the loaded numbers.
        Counter.objects.update_or_create(
            name="conversation_number", defaults={"value": rows.first_number + dataset.conversations - 1}
        )
    if postgresql:
        # The tally's triggers counted every copied conversation; folded as Celery beat would.
        conversation_tally_compact()
    figures_rebuild()
    log(f"  report figures rebuilt {elapsed()}")


def vacuum_analyze() -> None:
    from django.db import connection

    from conversations.models import ConversationTally

    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        # The tally's triggers wrote a row per copied conversation, which the compaction folded into a few
        # dozen: its table rewritten at that size, as one compacted all along would be.
        cursor.execute(f"VACUUM FULL {connection.ops.quote_name(ConversationTally._meta.db_table)}")
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("RESET statement_timeout")


def ensure_loaded(*, url: str, dataset: Dataset, recreate: bool = False, log=print) -> None:
    """Makes ``url`` hold ``dataset``: creates, migrates and loads as needed, else does nothing."""
    from django.core.management import call_command
    from django.db import connections

    name = database_settings(url)["NAME"]
    database_ensure(url)
    call_command("migrate", verbosity=0, interactive=False)
    state = dataset_state(dataset)
    if state == "loaded" and not recreate:
        log(f"database {name}: dataset already loaded ({dataset.conversations} conversations), skipping the load")
        return
    if state == "loaded_other" and not recreate:
        raise SystemExit(
            f"database {name} holds another finished load ({_mark_read()}); pass its --conversations and "
            "--customers, or --recreate to drop it and load this dataset"
        )
    if state != "empty" or recreate:
        if "bench" not in name and not recreate:
            raise SystemExit(f"database {name} holds other data; pass --recreate to drop it and load the dataset")
        log(f"database {name}: dropping it ({'--recreate' if recreate else 'it holds other data'})")
        connections.close_all()
        database_ensure(url, drop=True)
        call_command("migrate", verbosity=0, interactive=False)
    log(f"database {name}: loading {dataset.conversations} conversations x {THREADS_PER_CONVERSATION} threads")
    began = time.monotonic()
    load(dataset, log=log)
    log("  VACUUM ANALYZE")
    vacuum_analyze()
    # Last: an interrupted load never looks finished.
    _mark_write(dataset.mark)
    log(f"  loaded in {time.monotonic() - began:.0f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=CONVERSATIONS)
    parser.add_argument("--customers", type=int, help=f"default: one per {CONVERSATIONS_PER_CUSTOMER} conversations")
    parser.add_argument("--recreate", action="store_true", help="drop the database and load it again")
    args = parser.parse_args(argv)
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    django.setup()
    ensure_loaded(
        url=os.environ["DATABASE_URL"],
        dataset=Dataset(conversations=args.conversations, customers=args.customers),
        recreate=args.recreate,
    )


if __name__ == "__main__":
    main()
