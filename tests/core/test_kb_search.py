"""knowledgebase.search: relevance ranking (title, then keywords, then content), the filters (types, deleted,
subtree, public only) and the index kept up to date, on whichever database the suite runs (SQLite's FTS5
and PostgreSQL's full-text search; the plain fallback forced on SQLite)."""

import pytest
from django.core.management import call_command
from django.db import connection

from conversations.services import conversation_delete
from knowledgebase import search
from knowledgebase.models import DEFAULT_KNOWLEDGE_BASE, Entry, KnowledgeBase
from knowledgebase.search import entries_search
from knowledgebase.services import entry_create, entry_delete, entry_update
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db

T, S, A = Entry.Type, Entry.Status, Entry.Access


def titles(entries):
    return [entry.title for entry in entries]


@pytest.fixture
def kb():
    return KnowledgeBase.objects.get(pk=DEFAULT_KNOWLEDGE_BASE)


@pytest.fixture
def corpus(kb):
    def add(title, *, parent=None, type=T.ARTICLE, content="", keywords="", status=S.PUBLISHED, access=A.PUBLIC):
        return entry_create(
            knowledge_base=kb,
            parent=parent,
            type=type,
            title=title,
            content=content,
            keywords=keywords,
            status=status,
            access=access,
        )

    account = add("Account", type=T.CATEGORY)
    internal = add("Staff only", type=T.CATEGORY, access=A.INTERNAL)
    drafts = add("Upcoming", type=T.CATEGORY, status=S.DRAFT)
    entries = {
        "account": account,
        "internal": internal,
        "title": add("Reset your password", parent=account, content="<p>Open the <b>sign-in</b> page.</p>"),
        "keywords": add("Security tips", parent=account, keywords="password, two-factor", content="<p>Stay safe.</p>"),
        "content": add(
            "Billing basics",
            parent=account,
            content="<p>Invoices are monthly. Your password is never asked for by email.</p>",
        ),
        "root": add("Changing your passwords often", content="<p>Why it rarely helps.</p>"),
        "under_internal": add("Password rotation policy", parent=internal),
        "under_draft": add("Password managers", parent=drafts),
        "draft": add("Password draft", parent=account, status=S.DRAFT),
        "internal_article": add("Password vault", parent=account, access=A.INTERNAL),
        "category": add("Password help", type=T.CATEGORY),
        "other": add("Shipping times", parent=account, content="<p>Parcels leave within a day.</p>"),
    }
    return entries


def find(query, *, under=None, limit=10, public_only=True):
    return titles(
        entries_search(
            query=query, knowledge_base_id=DEFAULT_KNOWLEDGE_BASE, under=under, limit=limit, public_only=public_only
        )
    )


def test_title_then_keywords_then_content(corpus):
    found = find("password")
    # The title match first; the root article's title says "passwords" (stemmed alike).
    assert set(found[:2]) == {"Reset your password", "Changing your passwords often"}
    assert found[2:] == ["Security tips", "Billing basics"]


def test_public_only_hides_drafts_internal_entries_and_everything_under_them(corpus):
    every = find("password", public_only=False)
    assert {"Password rotation policy", "Password managers", "Password draft", "Password vault"} <= set(every)
    assert "Password help" not in every  # categories are not searched
    public = find("password")
    assert not {"Password rotation policy", "Password managers", "Password draft", "Password vault"} & set(public)


def test_every_word_must_match(corpus):
    assert find("password email") == ["Billing basics"]
    assert find("reset password") == ["Reset your password"]


def test_markup_and_its_attributes_are_not_searched(corpus):
    assert find("sign") == ["Reset your password"]
    assert find("b") == []
    assert find("p") == []


def test_under_restricts_to_the_subtree(corpus):
    assert "Changing your passwords often" not in find("password", under=corpus["account"])
    assert find("password", under=corpus["internal"], public_only=False) == ["Password rotation policy"]


def test_limit(corpus):
    assert len(find("password", limit=2)) == 2
    assert find("password", limit=0) == []


@pytest.mark.parametrize(
    "query", ["", "   ", '"', "pass*", "NEAR(a b)", "title:password", "AND OR NOT", "-", "a" * 5000, "\x00", "((("]
)
def test_odd_queries_never_fail(corpus, query):
    assert isinstance(find(query), list)


def test_stop_words_alone_find_nothing_and_do_not_have_to_appear(corpus):
    assert find("the") == []
    assert find("how to reset my password") == ["Reset your password"]


def test_the_index_follows_updates_and_deletes(corpus):
    entry_update(entry=corpus["other"], title="Shipping and passwords")
    assert "Shipping and passwords" in find("password")
    entry_update(entry=corpus["other"], content="<p>Couriers</p>")
    assert find("couriers") == ["Shipping and passwords"]
    assert find("parcels") == []
    entry_delete(entry=corpus["account"])
    assert find("password") == ["Changing your passwords often"]


def test_topics_of_deleted_conversations_are_skipped(kb, corpus):
    forum = entry_create(knowledge_base=kb, parent=None, type=T.FORUM, title="Community")
    topic = entry_create(knowledge_base=kb, parent=forum, type=T.TOPIC, title="Password forum thread")
    conversation = ConversationFactory()
    Entry.objects.filter(pk=topic.pk).update(conversation=conversation)
    assert "Password forum thread" in find("password")
    conversation_delete(conversation=conversation, by_user=None)
    assert "Password forum thread" not in find("password")


def test_other_knowledge_bases_are_not_searched(corpus):
    other = KnowledgeBase.objects.create(id="kb_other", name="Other")
    entry_create(knowledge_base=other, parent=None, type=T.ARTICLE, title="Password elsewhere")
    assert "Password elsewhere" not in find("password")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's fallback")
def test_plain_fallback_ranks_title_matches_first(corpus, monkeypatch):
    monkeypatch.setattr(search, "_sqlite_fts5_ready", lambda connection: False)
    found = find("password")
    assert set(found[:2]) == {"Reset your password", "Changing your passwords often"}
    assert found[2:] == ["Security tips", "Billing basics"]
    assert find("password email") == ["Billing basics"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's index")
def test_sqlite_index_is_repaired_after_a_migration_rebuilds_the_table(corpus):
    with connection.cursor() as cursor:
        for trigger in search._SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER {trigger}")
        cursor.execute(f"DELETE FROM {search.SQLITE_TABLE}")
    assert find("password") == []
    call_command("migrate", verbosity=0)
    assert find("password")[:2] and "Billing basics" in find("password")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's index")
def test_postgresql_index_is_a_gin_index():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'knowledgebase_entry_search'")
        assert "gin" in cursor.fetchone()[0].lower()
