"""Conversation search (issue 22): the one selector the agent UI's list and both API dialects' ``search``
parameter use. A conversation matches when its subject, or one of its published threads, holds every word
of the search; or when the search is its number (``123``, ``#123``), its customer's email address, or its
customer's name. The caller's queryset keeps its scope (the agent's mailboxes), filters and order: search
only narrows it, and the lists stay newest first (say why in the README: agents look for a recent
conversation they remember, and a rank would have to be computed for every match before the first page).

- **PostgreSQL**: ``search_vector`` tsvector columns on threads (their body) and conversations (their
  subject), outside the models and written by triggers (migration 0015_full_text_search), so every write
  path keeps them right, whoever writes: the services, a merge moving threads (a thread's vector travels
  with it), a bulk ``COPY``. A thread's vector is NULL unless it is published: a colleague's draft is never
  found. Bodies are sanitised HTML, and PostgreSQL's parser skips tags and entities, so markup is not
  matched. GIN-indexed, read through ``websearch_to_tsquery`` (quoted phrases, ``or``, ``-word``; never a
  syntax error) in the ``helpdesk_search`` configuration: ``HELPDESK_SEARCH_LANGUAGE``'s stemmer after
  ``unaccent`` for words; email addresses, hosts and numbers as they are (english's token mapping).
  ``search_language_apply`` (run after every ``migrate``) changes the stemmer and refills the vectors.
- **SQLite** (the embedded default, small by nature): every word or quoted phrase must appear, in any case,
  in the subject or a published thread's body (``icontains``, no stemming; markup can match). An FTS5 index
  would be a second index to keep in step for a database that never reaches the size where a scan hurts.

Highlights (``conversation_search_highlights``) are computed for the page of results only; everything in
them is escaped text but the ``<mark>`` around each match."""

import html
import re
from dataclasses import dataclass
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, F, Func, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.db.models.signals import post_migrate
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

from conversations.models import Conversation, Thread
from customers.models import Customer, CustomerEmail
from helpdesk.errors import Invalid

TS_CONFIG = "helpdesk_search"
SEARCH_MAX_CHARS = 200
# The token types the stemmer reads (PostgreSQL's default parser); numbers, addresses, hosts and URLs keep
# english's mapping to ``simple``: found as written.
WORD_TOKENS = "asciiword, asciihword, hword_asciipart, word, hword, hword_part"
_WORD = re.compile(r"\w")
_NUMBER = re.compile(r"^#?([0-9]{1,18})$")
_TERM = re.compile(r'"([^"]*)"|(\S+)')
# Marks around each match in ts_headline's answer: control characters, removed from the text beforehand,
# so that nothing in a message can pose as one.
_START, _STOP = "\x02", "\x03"
_HEADLINE_SUBJECT = f"HighlightAll=true, StartSel={_START}, StopSel={_STOP}"
_HEADLINE_EXCERPT = (
    f"MaxFragments=2, MaxWords=18, MinWords=6, FragmentDelimiter=' … ', StartSel={_START}, StopSel={_STOP}"
)
EXCERPT_CHARS = 160

# Fixed statements (nothing from a request), as the triggers of migration 0015 compute the vectors: every
# vector again, after the configuration changed.
_REFILL = [
    """UPDATE conversations_thread SET search_vector = to_tsvector('helpdesk_search', body)
        WHERE state = 'published' AND type <> 'lineitem'""",
    "UPDATE conversations_conversation SET search_vector = to_tsvector('helpdesk_search', subject)",
]
_THREADS_MATCHING = """SELECT conversation_id FROM conversations_thread
    WHERE search_vector @@ websearch_to_tsquery('helpdesk_search', %s)"""
_SUBJECTS_MATCHING = """SELECT id FROM conversations_conversation
    WHERE search_vector @@ websearch_to_tsquery('helpdesk_search', %s)"""
_NUMBER_MATCHING = "SELECT id FROM conversations_conversation WHERE number = %s"
_CUSTOMER_MATCHING = "SELECT id FROM conversations_conversation WHERE customer_id IN ({customers})"
# The subject is plain text: escaped first, so that the parser reads "<b>" in it as text, not a tag. The body
# is sanitised HTML: its tags become spaces, its entities are read back in Python (_marked). chr(2) and chr(3)
# are the marks, removed from the text beforehand.
_HIGHLIGHTS = """
    SELECT c.id,
        ts_headline('helpdesk_search',
            replace(replace(replace(translate(c.subject, chr(2) || chr(3), ''), '&', '&amp;'), '<', '&lt;'),
                '>', '&gt;'),
            q, %s),
        (SELECT ts_headline('helpdesk_search', translate(t.body, chr(2) || chr(3), ''), q, %s)
            FROM conversations_thread t
            WHERE t.conversation_id = c.id AND t.search_vector @@ q
            ORDER BY t.created_at DESC, t.id DESC LIMIT 1)
    FROM conversations_conversation c, websearch_to_tsquery('helpdesk_search', %s) q
    WHERE c.id = ANY(%s)"""


@dataclass(frozen=True)
class SearchHighlight:
    subject: SafeString
    # A passage of the newest matching message, or None when only the subject, number or customer matched.
    excerpt: SafeString | None


def search_text_clean(*, text: str) -> str:
    """``text`` as a search, trimmed; ``Invalid`` (field ``text``) when it is too long, holds what no
    database text can (NUL, a lone surrogate) or has nothing to search for (no letter or digit)."""
    text = text.strip()
    if len(text) > SEARCH_MAX_CHARS:
        raise Invalid({"text": f"A search is at most {SEARCH_MAX_CHARS} characters."})
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid({"text": "A search cannot hold a lone surrogate."}) from None
    if "\x00" in text:
        raise Invalid({"text": "A search cannot hold a NUL character."})
    if not _WORD.search(text):
        raise Invalid({"text": "Nothing to search for: give a word, a number or an email address."})
    return text


def conversations_search(*, queryset: QuerySet[Conversation], text: str) -> QuerySet[Conversation]:
    """The conversations of ``queryset`` that ``text`` (cleaned by ``search_text_clean``) finds."""
    if connections[queryset.db].vendor == "postgresql":
        # The matching ids are read here, once, and the queryset filtered by them: a list is counted and then
        # paged, and the ids as a subquery were found twice (their threads read twice). Given as
        # "id = ANY(ARRAY(SELECT unnest(<array>)))", not as the array itself nor "id IN (<ids>)": each row is
        # then found by its primary key and the few sorted. With the array's length known the planner walked
        # the newest-first index instead, filtering by id, and a word found only in old conversations read
        # every newer one (6 s at 1M); with IN it guessed thousands of ids and read every conversation (and,
        # for the agent UI's attachment mark, every thread) to join them.
        sql, params = _postgresql_matching(text)
        with connections[queryset.db].cursor() as cursor:
            cursor.execute(sql, params)
            ids = [row[0] for row in cursor.fetchall()]
        return queryset.filter(_IdAmong(F("pk"), RawSQL("SELECT unnest(%s::bigint[])", (ids,))))
    return queryset.filter(_plain_matching(text))


class _IdAmong(Func):
    """``<column> = ANY(ARRAY(<subquery>))`` (the subquery compiles in parentheses)."""

    arg_joiner = " = ANY(ARRAY"
    template = "%(expressions)s)"
    output_field = BooleanField()


def _identity_matches(text: str) -> tuple[int | None, str | None, list[str]]:
    """What ``text`` may name besides words: a number, an email address, a customer's name words."""
    number = _NUMBER.match(text)
    email = text.lower() if "@" in text and " " not in text else None
    names = [] if '"' in text else text.lower().split()
    return (int(number.group(1)) if number else None), email, names if 1 <= len(names) <= 2 else []


def _customers_named(names: list[str]) -> QuerySet[Customer]:
    # lower(name) = …, as the customer_first_name and customer_last_name indexes read them.
    customers = Customer.objects.annotate(first=Lower("first_name"), last=Lower("last_name")).order_by()
    if len(names) == 2:
        return customers.filter(first=names[0], last=names[1])
    return customers.filter(Q(first=names[0]) | Q(last=names[0]))


def _postgresql_matching(text: str) -> tuple[str, list[Any]]:
    """The ids of the conversations ``text`` finds, as one UNION: each branch reads its own index (the
    threads' and subjects' GIN, the number's and customer columns' B-trees), and the caller's scope and
    order are applied to the few ids it yields."""
    branches = [_THREADS_MATCHING, _SUBJECTS_MATCHING]
    params: list[Any] = [text, text]
    number, email, names = _identity_matches(text)
    if number is not None:
        branches.append(_NUMBER_MATCHING)
        params.append(number)
    customers: list[QuerySet] = []
    if email is not None:
        customers.append(CustomerEmail.objects.filter(email=email).values("customer_id"))
    if names:
        customers.append(_customers_named(names).values("id"))
    for customer_ids in customers:
        sql, customer_params = customer_ids.query.sql_with_params()
        branches.append(_CUSTOMER_MATCHING.format(customers=sql))
        params.extend(customer_params)
    return " UNION ".join(branches), params


def _terms(text: str) -> list[str]:
    """The words and quoted phrases of ``text`` as SQLite's ``icontains`` takes them."""
    terms = [(phrase or word).strip('"').strip() for phrase, word in _TERM.findall(text)]
    return [term for term in terms if _WORD.search(term)]


def _plain_matching(text: str) -> Q:
    found = Q()
    for term in _terms(text):
        threads = Thread.objects.filter(state=Thread.State.PUBLISHED, body__icontains=term).exclude(
            type=Thread.Type.LINEITEM
        )
        found &= Q(subject__icontains=term) | Q(pk__in=threads.values("conversation_id"))
    number, email, names = _identity_matches(text)
    if number is not None:
        found |= Q(number=number)
    if email is not None:
        found |= Q(customer__in=CustomerEmail.objects.filter(email=email).values("customer_id"))
    if names:
        found |= Q(customer__in=_customers_named(names))
    return found


# --- Highlights, for one page of results -----------------------------------------------------------------


def conversation_search_highlights(*, conversations: list[Conversation], text: str) -> dict[int, SearchHighlight]:
    """By conversation id: the subject with its matches marked, and a passage of the newest published
    thread that matches. One query for the page."""
    if not conversations:
        return {}
    ids = [conversation.pk for conversation in conversations]
    if connections[Conversation.objects.db].vendor == "postgresql":
        return _postgresql_highlights(ids, text)
    return _plain_highlights(conversations, text)


def _postgresql_highlights(ids: list[int], text: str) -> dict[int, SearchHighlight]:
    with connections[Conversation.objects.db].cursor() as cursor:
        cursor.execute(_HIGHLIGHTS, [_HEADLINE_SUBJECT, _HEADLINE_EXCERPT, text, ids])
        rows = cursor.fetchall()
    return {
        pk: SearchHighlight(subject=_marked(subject), excerpt=_marked(excerpt) if excerpt is not None else None)
        for pk, subject, excerpt in rows
    }


def _marked(headline: str) -> SafeString:
    """ts_headline's answer (HTML-ish text: entities, its marks) as safe HTML: every part read as text and
    escaped, the marked parts wrapped in ``<mark>``."""
    parts: list[str] = []
    for index, chunk in enumerate(re.split(f"[{_START}{_STOP}]", headline)):
        text = escape(html.unescape(chunk).replace(_START, "").replace(_STOP, ""))
        parts.append(f"<mark>{text}</mark>" if index % 2 and text else text)
    return mark_safe(re.sub(r"\s+", " ", "".join(parts)).strip())  # noqa: S308 - every part is escaped above


def _plain_highlights(conversations: list[Conversation], text: str) -> dict[int, SearchHighlight]:
    terms = _terms(text)
    matching = Q()
    for term in terms:
        matching |= Q(body__icontains=term)
    newest: dict[int, str] = {}
    if terms:
        threads = (
            Thread.objects.filter(
                matching, conversation__in=[c.pk for c in conversations], state=Thread.State.PUBLISHED
            )
            .exclude(type=Thread.Type.LINEITEM)
            .order_by("-created_at", "-id")
            .values_list("conversation_id", "body")
        )
        for conversation_id, body in threads:
            newest.setdefault(conversation_id, body)
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE) if terms else None
    highlights = {}
    for conversation in conversations:
        newest_body = newest.get(conversation.pk)
        excerpt = _plain_marked(_body_text(newest_body), pattern, excerpt=True) if newest_body is not None else None
        subject = _plain_marked(conversation.subject, pattern, excerpt=False)
        highlights[conversation.pk] = SearchHighlight(subject=subject, excerpt=excerpt)
    return highlights


def _body_text(body: str) -> str:
    return " ".join(html.unescape(strip_tags(re.sub(r"<br\s*/?>|</p>|</div>", " ", body))).split())


def _plain_marked(text: str, pattern: re.Pattern[str] | None, *, excerpt: bool) -> SafeString:
    text = text.replace(_START, "").replace(_STOP, "")  # as on PostgreSQL, where they are the marks
    found = list(pattern.finditer(text)) if pattern else []
    if excerpt and found:
        start = max(0, found[0].start() - EXCERPT_CHARS // 3)
        text = ("…" if start else "") + text[start : start + EXCERPT_CHARS]
        found = list(pattern.finditer(text)) if pattern else []
    parts, at = [], 0
    for match in found:
        parts += [escape(text[at : match.start()]), f"<mark>{escape(match.group())}</mark>"]
        at = match.end()
    parts.append(escape(text[at:]))
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


# --- The language, on PostgreSQL -------------------------------------------------------------------------


def search_language_apply(connection: BaseDatabaseWrapper, *, language: str | None = None) -> bool:
    """Makes ``helpdesk_search`` stem words in ``language`` (default ``HELPDESK_SEARCH_LANGUAGE``) and, if
    it stemmed otherwise, computes every vector again (a rewrite of the thread table: minutes at millions
    of threads). True when it changed anything. PostgreSQL only; needs migration 0015."""
    language = language or settings.HELPDESK_SEARCH_LANGUAGE
    dictionary = "simple" if language == "simple" else f"{language}_stem"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_ts_dict WHERE dictname = %s", [dictionary])
        if cursor.fetchone() is None:
            cursor.execute("SELECT dictname FROM pg_ts_dict WHERE dictname LIKE '%%\\_stem' ORDER BY 1")
            known = ", ".join(["simple"] + [row[0].removesuffix("_stem") for row in cursor.fetchall()])
            raise ImproperlyConfigured(f"HELPDESK_SEARCH_LANGUAGE={language!r}: PostgreSQL knows {known}.")
        cursor.execute(
            """SELECT d.dictname FROM pg_ts_config_map m
                JOIN pg_ts_config c ON c.oid = m.mapcfg JOIN pg_ts_dict d ON d.oid = m.mapdict
                WHERE c.cfgname = %s AND m.maptokentype = (SELECT tokid FROM ts_token_type('default')
                    WHERE alias = 'asciiword')
                ORDER BY m.mapseqno""",
            [TS_CONFIG],
        )
        if [row[0] for row in cursor.fetchall()] == ["unaccent", dictionary]:
            return False
        cursor.execute(
            f"ALTER TEXT SEARCH CONFIGURATION {TS_CONFIG} ALTER MAPPING FOR {WORD_TOKENS} "
            f"WITH unaccent, {connection.ops.quote_name(dictionary)}"
        )
        for statement in _REFILL:
            cursor.execute(statement)
    return True


def _language_after_migrate(sender: AppConfig, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """``HELPDESK_SEARCH_LANGUAGE`` changed since the last ``migrate``: applied now (a no-op otherwise)."""
    from django.db.migrations.recorder import MigrationRecorder

    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    if ("conversations", "0015_full_text_search") not in MigrationRecorder(connection).applied_migrations():
        return
    search_language_apply(connection)


def signals_connect(app_config: AppConfig) -> None:
    """From the app's ready()."""
    post_migrate.connect(_language_after_migrate, sender=app_config, dispatch_uid="conversations.search.language")
