"""Knowledge-base search (LiveAgent #38 and the help center's /help/search): relevance-ranked full-text search
over an entry's title (weight A), keywords (B) and content as text (C).

- **PostgreSQL**: the ``search_vector`` tsvector column, kept by a trigger and GIN-indexed (migration
  0003_search). A trigger rather than a generated column, so that later migrations may still change the
  columns it reads. The ``english`` configuration: stemming finds "passwords" for "password" and stop words
  do not have to appear, which is what a help center's readers expect; a knowledge base in another language
  still matches its words exactly, only without stemming. Queries go through ``websearch_to_tsquery`` (quoted
  phrases, ``or``, ``-word``; never a syntax error), ranked by ``ts_rank``.
- **SQLite with FTS5** (Python's sqlite3 has it): the ``knowledgebase_entry_search`` FTS5 table (porter
  stemmer, so both backends stem alike), kept by triggers that index the content through the
  ``kb_html_text`` SQL function this module registers on every connection; ranked by ``bm25`` with the same
  weights' proportions. The words of the query are all required, English stop words dropped as PostgreSQL
  drops them. A migration that rebuilds the entry table on SQLite (Django does for many column changes) drops
  the triggers with the old table: ``sqlite_index_ensure`` runs after every ``migrate`` and puts them back,
  re-filling the index if they were missing.
- **SQLite without FTS5**: every word must appear somewhere (``icontains``), title matches first.

Which entries: articles, topics and suggestions (types A, R, S), not deleted (a topic or suggestion whose
conversation is deleted is deleted), in one knowledge base, optionally under one entry, optionally only what
the public may read (``entries_public``)."""

import re
from typing import Any

from django.apps import AppConfig
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.db.models import Case, CharField, Exists, F, FloatField, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Concat
from django.db.models.lookups import Exact, StartsWith
from django.db.models.signals import post_migrate

from conversations.models import ConversationState
from knowledgebase.models import Entry
from knowledgebase.text import content_text

# Must match the configuration the trigger of migration 0003_search uses.
TS_CONFIG = "english"
SEARCHABLE_TYPES = (Entry.Type.ARTICLE, Entry.Type.TOPIC, Entry.Type.SUGGESTION)
SQLITE_TABLE = "knowledgebase_entry_search"
SQLITE_HTML_FUNCTION = "kb_html_text"
# The query's words; anything else (FTS5 operators, quotes, punctuation) is dropped, so no input is a syntax
# error. At most this many words are used.
_WORD = re.compile(r"\w+")
MAX_QUERY_WORDS = 16
MAX_QUERY_LENGTH = 255
# PostgreSQL's english stop words (Snowball's list), dropped from SQLite queries so both backends agree.
ENGLISH_STOP_WORDS = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
    herself it its itself they them their theirs themselves what which who whom this that these those am is are
    was were be been being have has had having do does did doing a an the and but if or because as until while
    of at by for with about against between into through during before after above below to from up down in out
    on off over under again further then once here there when where why how all any both each few more most
    other some such no nor not only own same so than too very s t can will just don should now""".split()  # noqa: SIM905
)

# The names are written out: these are fixed statements, nothing in them comes from a request.
_SQLITE_STATEMENTS = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS knowledgebase_entry_search
        USING fts5(title, keywords, content, tokenize = 'porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER IF NOT EXISTS knowledgebase_entry_search_insert AFTER INSERT ON knowledgebase_entry
        BEGIN
            INSERT INTO knowledgebase_entry_search (rowid, title, keywords, content)
            VALUES (new.id, new.title, new.keywords, kb_html_text(new.content));
        END""",
    """CREATE TRIGGER IF NOT EXISTS knowledgebase_entry_search_update
        AFTER UPDATE OF title, keywords, content ON knowledgebase_entry
        BEGIN
            DELETE FROM knowledgebase_entry_search WHERE rowid = old.id;
            INSERT INTO knowledgebase_entry_search (rowid, title, keywords, content)
            VALUES (new.id, new.title, new.keywords, kb_html_text(new.content));
        END""",
    """CREATE TRIGGER IF NOT EXISTS knowledgebase_entry_search_delete AFTER DELETE ON knowledgebase_entry
        BEGIN
            DELETE FROM knowledgebase_entry_search WHERE rowid = old.id;
        END""",
]
_SQLITE_REFILL = [
    "DELETE FROM knowledgebase_entry_search",
    """INSERT INTO knowledgebase_entry_search (rowid, title, keywords, content)
        SELECT id, title, keywords, kb_html_text(content) FROM knowledgebase_entry""",
]
# bm25 weights for title, keywords and content: the proportions of ts_rank's A, B and C (1.0, 0.4, 0.2);
# bm25 is lower for better matches.
_SQLITE_RANK = """SELECT bm25(knowledgebase_entry_search, 5.0, 2.0, 1.0) FROM knowledgebase_entry_search
    WHERE knowledgebase_entry_search MATCH %s AND rowid = knowledgebase_entry.id"""
_SQLITE_MATCHING = "SELECT rowid FROM knowledgebase_entry_search WHERE knowledgebase_entry_search MATCH %s"
_SQLITE_TRIGGERS = (
    "knowledgebase_entry_search_insert",
    "knowledgebase_entry_search_update",
    "knowledgebase_entry_search_delete",
)


def entries_public(queryset: QuerySet[Entry]) -> QuerySet[Entry]:
    """The entries the public may read: published, public, and under published public entries only
    (``access_inherited`` P; a draft or internal category hides everything below it)."""
    hidden_ancestor = (
        Entry.objects.filter(knowledge_base_id=OuterRef("knowledge_base_id"))
        .filter(~Q(status=Entry.Status.PUBLISHED) | Q(access=Entry.Access.INTERNAL))
        .annotate(subtree=Concat(F("treepath"), Value("|"), Cast("id", output_field=CharField())))
        .filter(
            Exact(OuterRef("treepath"), F("subtree"))
            | StartsWith(OuterRef("treepath"), Concat(F("subtree"), Value("|"), output_field=CharField()))
        )
    )
    return queryset.filter(status=Entry.Status.PUBLISHED, access=Entry.Access.PUBLIC).exclude(Exists(hidden_ancestor))


def entries_search(
    *, query: str, knowledge_base_id: str, under: Entry | None, limit: int, public_only: bool
) -> list[Entry]:
    """The entries matching ``query``, best first, at most ``limit``. A query with no words (or only stop
    words on SQLite) finds nothing."""
    # PostgreSQL's text holds no NUL.
    query = (query or "")[:MAX_QUERY_LENGTH].replace("\x00", " ")
    words = _WORD.findall(query)[:MAX_QUERY_WORDS]
    if not words or limit <= 0:
        return []
    entries = Entry.objects.filter(knowledge_base_id=knowledge_base_id, type__in=SEARCHABLE_TYPES).filter(
        Q(conversation__isnull=True) | ~Q(conversation__state=ConversationState.DELETED)
    )
    if under is not None:
        subtree = f"{under.treepath}|{under.pk}"
        entries = entries.filter(Q(treepath=subtree) | Q(treepath__startswith=f"{subtree}|"))
    if public_only:
        entries = entries_public(entries)
    connection = connections[entries.db]
    ranked: QuerySet[Entry] | None
    if connection.vendor == "postgresql":
        ranked = _postgresql_ranked(entries, query)
    elif connection.vendor == "sqlite" and _sqlite_fts5_ready(connection):
        ranked = _sqlite_fts5_ranked(entries, words)
    else:
        ranked = _plain_ranked(entries, words)
    if ranked is None:
        return []
    return list(ranked[:limit])


def _postgresql_ranked(entries: QuerySet[Entry], query: str) -> QuerySet[Entry]:
    column = '"knowledgebase_entry"."search_vector"'
    vector = RawSQL(column, [], output_field=SearchVectorField())  # noqa: S611 - a column name
    tsquery = SearchQuery(query, config=TS_CONFIG, search_type="websearch")
    return (
        entries.annotate(search_vector=vector, rank=SearchRank(vector, tsquery))
        .filter(search_vector=tsquery)
        .order_by("-rank", "rorder", "id")
    )


def _sqlite_fts5_ranked(entries: QuerySet[Entry], words: list[str]) -> QuerySet[Entry] | None:
    terms = [word for word in words if word.lower() not in ENGLISH_STOP_WORDS]
    if not terms:
        return None
    # Each word quoted: a bare word is never read as an FTS5 operator or column filter.
    match = " ".join('"' + term.replace('"', '""') + '"' for term in terms)
    rank = RawSQL(_SQLITE_RANK, [match], output_field=FloatField())  # noqa: S611 - the match is a parameter
    matching = RawSQL(_SQLITE_MATCHING, [match])  # noqa: S611
    return entries.filter(id__in=matching).annotate(rank=rank).order_by("rank", "rorder", "id")


def _plain_ranked(entries: QuerySet[Entry], words: list[str]) -> QuerySet[Entry]:
    in_title = Q()
    for word in words:
        entries = entries.filter(Q(title__icontains=word) | Q(keywords__icontains=word) | Q(content__icontains=word))
        in_title &= Q(title__icontains=word)
    in_keywords = Q()
    for word in words:
        in_keywords &= Q(title__icontains=word) | Q(keywords__icontains=word)
    return entries.annotate(
        rank=Case(
            When(in_title, then=Value(0)),
            When(in_keywords, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    ).order_by("rank", "rorder", "id")


# --- SQLite's index ------------------------------------------------------------------------------------


def _sqlite_fts5_ready(connection: BaseDatabaseWrapper) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [SQLITE_TABLE])
        return cursor.fetchone() is not None


def sqlite_has_fts5(connection: BaseDatabaseWrapper) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA compile_options")
        return any(row[0] == "ENABLE_FTS5" for row in cursor.fetchall())


def sqlite_index_ensure(connection: BaseDatabaseWrapper) -> None:
    """Create the FTS5 table and its triggers when missing (no-op without FTS5); when a trigger was missing,
    the index may be stale, so it is refilled from the entries."""
    if connection.vendor != "sqlite" or not sqlite_has_fts5(connection):
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN (%s, %s, %s)",
            list(_SQLITE_TRIGGERS),
        )
        complete = cursor.fetchone()[0] == len(_SQLITE_TRIGGERS)
        for statement in _SQLITE_STATEMENTS:
            cursor.execute(statement)
        if not complete:
            for statement in _SQLITE_REFILL:
                cursor.execute(statement)


def sqlite_index_drop(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for trigger in _SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        cursor.execute("DROP TABLE IF EXISTS knowledgebase_entry_search")


def _sqlite_function_register(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_HTML_FUNCTION, 1, _html_text, deterministic=True)


def _html_text(content: str | None) -> str:
    return content_text(content or "")


def _index_repair_after_migrate(sender: AppConfig, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    from django.db.migrations.recorder import MigrationRecorder

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    if ("knowledgebase", "0003_search") not in MigrationRecorder(connection).applied_migrations():
        return
    sqlite_index_ensure(connection)


def signals_connect(app_config: AppConfig) -> None:
    """From the app's ready(): the SQL function on every SQLite connection, the index's repair after migrate."""
    connection_created.connect(_sqlite_function_register, dispatch_uid="knowledgebase.search.sqlite_function")
    post_migrate.connect(_index_repair_after_migrate, sender=app_config, dispatch_uid="knowledgebase.search.repair")
