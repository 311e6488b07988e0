"""#32-#38 and #61: the knowledge base through LiveAgent v1, against the seed's examples on matching data (ids,
which are ours, substituted), in JSON, XML and YAML; every error path; reads for any key, writes for an
admin's only."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
import yaml

from knowledgebase import services
from knowledgebase.models import Entry, KnowledgeBase
from liveagent.ids import Kind, id_encode
from tests.factories import MailboxFactory
from tests.liveagent.helpers import assert_error

API = "/liveagent/api"
T = Entry.Type


@pytest.fixture
def kb(db) -> KnowledgeBase:
    return services.knowledge_base_default()


def make(kb, title, *, parent=None, type=T.CATEGORY, **kwargs) -> Entry:
    return services.entry_create(knowledge_base=kb, parent=parent, type=type, title=title, **kwargs)


def as_seed(entry: Entry, *, urlcode: str, created: str, changed: str, views: int) -> Entry:
    """The seed's example values that no service sets (random codes, past dates, counters)."""
    at = lambda text: datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)  # noqa: E731
    Entry.objects.filter(pk=entry.pk).update(
        urlcode=urlcode, created_at=at(created), updated_at=at(changed), views=views
    )
    entry.refresh_from_db()
    return entry


@pytest.fixture
def seed_tree(kb):
    """#36's example: category 16 under 7, article 38 under 16."""
    root = make(kb, "Products")
    category = as_seed(
        make(
            kb,
            "General Questions Category",
            parent=root,
            metadescription="General Questions about life, universe and everything",
            keywords="faq, questions",
            description="Description of category",
        ),
        urlcode="365432",
        created="2007-08-02 12:24:51",
        changed="2011-12-22 16:33:40",
        views=1244,
    )
    article = as_seed(
        make(
            kb,
            "Article 42",
            parent=category,
            type=T.ARTICLE,
            keywords="test article",
            content='This is test content that can contain <b>html</b> and images <img src="pix.gif">',
        ),
        urlcode="376829",
        created="2004-02-02 12:24:11",
        changed="2014-11-22 16:33:40",
        views=66,
    )
    return root, category, article


def seed_entries(root, category, article) -> list[dict]:
    return [
        {
            "kb_id": "kb_defa",
            "kb_entry_id": str(category.pk),
            "parent_entry_id": str(root.pk),
            "rtype": "C",
            "rstatus": "P",
            "access": "P",
            "access_inherited": "P",
            "urlcode": "365432",
            "treepath": f"0|{root.pk}",
            "rorder": "0",
            "title": "General Questions Category",
            "metadescription": "General Questions about life, universe and everything",
            "keywords": "faq, questions",
            "content": "",
            "conversationid": "",
            "departmentid": "",
            "views": "1244",
            "votes": "0",
            "datecreated": "2007-08-02 12:24:51",
            "datechanged": "2011-12-22 16:33:40",
            "deleted": "N",
            "description": "Description of category",
        },
        {
            "kb_id": "kb_defa",
            "kb_entry_id": str(article.pk),
            "parent_entry_id": str(category.pk),
            "rtype": "A",
            "rstatus": "P",
            "access": "P",
            "access_inherited": "P",
            "urlcode": "376829",
            "treepath": f"0|{root.pk}|{category.pk}",
            "rorder": "0",
            "title": "Article 42",
            "metadescription": "",
            "keywords": "test article",
            "content": 'This is test content that can contain <b>html</b> and images <img src="pix.gif">',
            "conversationid": "",
            "departmentid": "",
            "views": "66",
            "votes": "0",
            "datecreated": "2004-02-02 12:24:11",
            "datechanged": "2014-11-22 16:33:40",
            "deleted": "N",
            "description": "",
        },
    ]


# --- #36 GET /knowledgebase/entries ------------------------------------------------------------------------


def test_entries_as_the_seed_shows_them(la, keys, seed_tree):
    root = seed_tree[0]
    for key in keys:
        response = la.get(f"{API}/knowledgebase/entries?&apikey={key}&tree_path=0|{root.pk}|")
        assert response.status_code == 200
        assert response.json() == {"response": {"entries": seed_entries(*seed_tree)}}


def test_entries_in_xml_carry_content_as_cdata(la, keys, seed_tree):
    root, _, _ = seed_tree
    response = la.get(f"{API}/knowledgebase/entries.xml", {"apikey": keys[1], "tree_path": f"0|{root.pk}|"})
    assert b'<content><![CDATA[This is test content that can contain <b>html</b> and images <img src="pix.gif">]]>' in (
        response.content
    )
    items = ET.fromstring(response.content).find("entries")
    assert [item.tag for item in items] == ["entrie", "entrie"]
    assert [{child.tag: child.text or "" for child in item} for item in items] == seed_entries(*seed_tree)


def test_entries_in_yaml(la, keys, seed_tree):
    root, _, _ = seed_tree
    response = la.get(f"{API}/knowledgebase/entries.yaml", {"apikey": keys[0], "tree_path": f"0|{root.pk}|"})
    assert yaml.safe_load(response.content) == {"response": {"entries": seed_entries(*seed_tree)}}


def test_entries_filters(la, keys, kb, seed_tree):
    root, category, article = seed_tree
    other = services.knowledge_base_create(id="ec4d78df", name="Knowledgebase 2")
    elsewhere = make(other, "Elsewhere")
    key = keys[1]

    def ids(**params) -> list[str]:
        response = la.get(f"{API}/knowledgebase/entries", {"apikey": key, **params})
        assert response.status_code == 200, response.content
        return [row["kb_entry_id"] for row in response.json()["response"]["entries"]]

    everything = [str(root.pk), str(elsewhere.pk), str(category.pk), str(article.pk)]
    assert sorted(ids()) == sorted(everything)
    assert ids(kb_id="kb_defa") == [str(root.pk), str(category.pk), str(article.pk)]
    assert ids(kb_id="ec4d78df") == [str(elsewhere.pk)]
    assert ids(parent_entry_id=str(category.pk)) == [str(article.pk)]
    assert sorted(ids(parent_entry_id="0")) == sorted([str(root.pk), str(elsewhere.pk)])
    assert ids(entry_id=str(article.pk)) == [str(article.pk)]
    assert ids(tree_path=f"0|{root.pk}|{category.pk}|") == [str(article.pk)]
    # Changed at or after: a date alone means from its first second.
    assert str(article.pk) in ids(date_changed="2014-11-22")
    assert str(category.pk) not in ids(date_changed="2014-11-22")
    assert str(article.pk) in ids(date_changed="2014-11-22 16:33:40")
    assert str(article.pk) not in ids(date_changed="2014-11-22 16:33:41")
    assert ids(limit="1", offset="1", kb_id="kb_defa") == [str(category.pk)]


def test_entries_limit_defaults_to_50_and_stops_at_500(la, keys, kb):
    Entry.objects.bulk_create(
        [Entry(knowledge_base=kb, title=f"Bulk {n}", urlcode=str(100000 + n), rorder=n) for n in range(501)]
    )
    count = lambda **params: len(  # noqa: E731
        la.get(f"{API}/knowledgebase/entries", {"apikey": keys[0], **params}).json()["response"]["entries"]
    )
    assert count() == 50
    assert count(limit="1000") == 500


def test_entries_and_access_inherited_in_constant_queries(la, keys, kb, django_assert_max_num_queries):
    top = make(kb, "Internal", access="I")
    for n in range(5):
        make(kb, f"Below {n}", parent=make(kb, f"Mid {n}", parent=top), type=T.ARTICLE)
    # Authentication (key, user, last use) and the page with its ancestors.
    with django_assert_max_num_queries(8):
        rows = la.get(f"{API}/knowledgebase/entries", {"apikey": keys[0]}).json()["response"]["entries"]
    assert len(rows) == 11
    assert {row["access_inherited"] for row in rows} == {"I"}


@pytest.mark.parametrize(
    ("params", "status", "parameter"),
    [
        ({"limit": "-1"}, 400, "limit"),
        ({"offset": "x"}, 400, "offset"),
        ({"parent_entry_id": "abc"}, 400, "parent_entry_id"),
        ({"entry_id": "1.5"}, 400, "entry_id"),
        ({"date_changed": "yesterday"}, 400, "date_changed"),
        ({"date_changed": "2014-13-40"}, 400, "date_changed"),
        ({"kb_id": "nope"}, 404, ""),
        ({"parent_entry_id": "999999"}, 404, ""),
        ({"entry_id": "999999"}, 404, ""),
    ],
)
def test_entries_refuse_bad_filters(la, keys, kb, params, status, parameter):
    body = assert_error(la.get(f"{API}/knowledgebase/entries", {"apikey": keys[1], **params}), status)
    assert body["debugmessage"] == parameter


def test_knowledge_base_reads_need_a_key(la, kb):
    for path in ("entries", "articles", "knowledgebases", "search?query=x"):
        assert_error(la.get(f"{API}/knowledgebase/{path}"), 401)
    assert_error(la.get(f"{API}/suggestioncategories"), 401)


# --- #32 GET /knowledgebase/articles -----------------------------------------------------------------------


@pytest.fixture
def seed_articles(kb):
    """#32's example: two categories at the root, ordered 9 and 10."""
    general = as_seed(
        make(
            kb,
            "General Questions",
            rorder=9,
            metadescription="General Questions not related to Quality Unit products",
            keywords="faq, questions",
            content="Article content",
        ),
        urlcode="376829",
        created="2007-08-02 12:24:51",
        changed="2011-12-22 16:33:40",
        views=1244,
    )
    another = as_seed(
        make(
            kb,
            "Another article",
            rorder=10,
            keywords="test article",
            content="This is test content that can contain html and because of that it is in construct",
        ),
        urlcode="376118",
        created="2004-02-02 12:24:11",
        changed="2014-11-22 16:33:40",
        views=66,
    )
    return general, another


def seed_article_rows(general, another) -> list[dict]:
    common = {"rtype": "C", "rstatus": "P", "access": "P", "access_inherited": "P", "treepath": "0"}
    empty = {"conversationid": "", "departmentid": ""}
    return [
        {
            "kb_id": "kb_defa",  # documented, missing from the seed's example (reference §5.6)
            "kb_entry_id": str(general.pk),
            "parent_entry_id": "",
            **common,
            "urlcode": "376829",
            "rorder": "9",
            "title": "General Questions",
            "metadescription": "General Questions not related to Quality Unit products",
            "keywords": "faq, questions",
            "content": "Article content",
            **empty,
            "views": "1244",
            "votes": "0",
            "datecreated": "2007-08-02 12:24:51",
            "datechanged": "2011-12-22 16:33:40",
            "deleted": "N",
            "description": "",
        },
        {
            "kb_id": "kb_defa",
            "kb_entry_id": str(another.pk),
            "parent_entry_id": "",
            **common,
            "urlcode": "376118",
            "rorder": "10",
            "title": "Another article",
            "metadescription": "",
            "keywords": "test article",
            "content": "This is test content that can contain html and because of that it is in construct",
            **empty,
            "views": "66",
            "votes": "0",
            "datecreated": "2004-02-02 12:24:11",
            "datechanged": "2014-11-22 16:33:40",
            "deleted": "N",
            "description": "",
        },
    ]


def test_articles_as_the_seed_shows_them(la, keys, seed_articles):
    response = la.get(f"{API}/knowledgebase/articles?&apikey={keys[1]}")
    assert response.json() == {"response": {"articles": seed_article_rows(*seed_articles)}}
    xml = la.get(f"{API}/knowledgebase/articles.xml", {"apikey": keys[1]})
    assert b"<content><![CDATA[Article content]]></content>" in xml.content
    items = ET.fromstring(xml.content).find("articles")
    assert [item.tag for item in items] == ["article", "article"]
    assert [{child.tag: child.text or "" for child in item} for item in items] == seed_article_rows(*seed_articles)


def test_articles_take_the_old_parameter_names_and_limit_10(la, keys, kb, seed_tree):
    root, category, article = seed_tree
    for n in range(12):
        make(kb, f"More {n}", type=T.ARTICLE)

    def ids(**params) -> list[str]:
        response = la.get(f"{API}/knowledgebase/articles", {"apikey": keys[0], **params})
        return [row["kb_entry_id"] for row in response.json()["response"]["articles"]]

    assert len(ids()) == 10
    assert ids(parent_id=str(category.pk)) == [str(article.pk)]
    assert ids(article_id=str(category.pk)) == [str(category.pk)]
    assert ids(tree_path=f"0|{root.pk}|", kb_id="kb_defa") == [str(category.pk), str(article.pk)]
    assert len(ids(limit="500")) == 15
    assert_error(la.get(f"{API}/knowledgebase/articles", {"apikey": keys[0], "article_id": "x"}), 400)
    assert_error(la.get(f"{API}/knowledgebase/articles", {"apikey": keys[0], "parent_id": "424242"}), 404)


# --- #33 POST /knowledgebase/articles ----------------------------------------------------------------------


def test_adding_an_article_answers_as_the_seed_shows(la, keys, kb, seed_tree):
    _, category, _ = seed_tree
    response = la.post(
        f"{API}/knowledgebase/articles",
        {
            "apikey": keys[0],
            "content": 'Article <b>content</b> <img src="pix.gif">',
            "title": "General Questions",
            "parent_entry_id": str(category.pk),
            "keywords": "faq, questions",
        },
    )
    assert response.status_code == 200, response.content
    entry = Entry.objects.get(title="General Questions")
    created = entry.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    assert response.json() == {
        "response": {
            "kb_id": "kb_defa",
            "kb_entry_id": str(entry.pk),
            "parent_entry_id": str(category.pk),
            "urlcode": entry.urlcode,
            "title": "General Questions",
            "content": 'Article <b>content</b> <img src="pix.gif">',
            "content_text": "Article content",
            "content_simple_html": "Article <b>content</b>",
            "treepath": f"{category.treepath}|{category.pk}",
            "rstatus": "P",
            "access": "P",
            "access_inherited": "P",
            "rorder": "0",
            "keywords": "faq, questions",
            "datecreated": created,
            "datechanged": created,
            "views": "0",
        }
    }
    assert (entry.type, entry.parent, entry.full_preview) == (T.ARTICLE, category, False)


def test_adding_an_article_in_xml_with_every_option(la, keys, kb):
    internal = make(kb, "Internal", access="I")
    response = la.post(
        f"{API}/knowledgebase/articles.xml",
        {
            "apikey": keys[0],
            "content": '<p onclick="x()">Hi<script>alert(1)</script></p><img src="a.png">',
            "title": "Draft",
            "parent_entry_id": str(internal.pk),
            "rstatus": "D",
            "access": "P",
            "rorder": "3",
            "full_preview": "Y",
        },
    )
    assert response.status_code == 200
    assert b'<content><![CDATA[<p>Hi</p><img src="a.png">]]></content>' in response.content
    assert b"<content_simple_html><![CDATA[<p>Hi</p>]]></content_simple_html>" in response.content
    body = {child.tag: child.text for child in ET.fromstring(response.content)}
    assert (body["rstatus"], body["access"], body["access_inherited"], body["rorder"]) == ("D", "P", "I", "3")
    entry = Entry.objects.get(title="Draft")
    assert entry.full_preview and entry.content == '<p>Hi</p><img src="a.png">'


def test_articles_go_on_top_of_their_siblings(la, keys, kb):
    older = make(kb, "Older", type=T.ARTICLE)
    la.post(f"{API}/knowledgebase/articles", {"apikey": keys[0], "title": "Newer", "content": "x"})
    older.refresh_from_db()
    assert older.rorder == 1
    assert Entry.objects.get(title="Newer").rorder == 0


@pytest.mark.parametrize(
    ("params", "status", "parameter"),
    [
        ({"content": "x"}, 400, "title"),
        ({"title": "x"}, 400, "content"),
        ({"title": "  ", "content": "x"}, 400, "title"),
        ({"title": "x" * 300, "content": "x"}, 400, "title"),
        ({"title": "x", "content": "x", "rstatus": "N"}, 400, "rstatus"),
        ({"title": "x", "content": "x", "access": "Q"}, 400, "access"),
        ({"title": "x", "content": "x", "rorder": "first"}, 400, "rorder"),
        ({"title": "x", "content": "x", "rorder": "99999999"}, 400, "rorder"),
        ({"title": "x", "content": "x", "full_preview": "yes"}, 400, "full_preview"),
        ({"title": "x", "content": "x", "parent_entry_id": "abc"}, 400, "parent_entry_id"),
        ({"title": "x", "content": "x", "parent_entry_id": "999999"}, 404, ""),
        ({"title": "x", "content": "x", "kb_id": "nope"}, 404, ""),
    ],
)
def test_adding_an_article_refuses_bad_input(la, keys, kb, params, status, parameter):
    body = assert_error(la.post(f"{API}/knowledgebase/articles", {"apikey": keys[0], **params}), status)
    assert body["debugmessage"] == parameter
    assert not Entry.objects.exists()


def test_an_article_cannot_go_under_an_article_or_into_another_knowledge_base(la, keys, kb):
    article = make(kb, "Article", type=T.ARTICLE)
    body = assert_error(
        la.post(
            f"{API}/knowledgebase/articles",
            {"apikey": keys[0], "title": "x", "content": "x", "parent_entry_id": str(article.pk)},
        ),
        400,
    )
    assert body["debugmessage"] == "parent_entry_id"
    services.knowledge_base_create(id="other", name="Other")
    category = make(kb, "Category")
    assert_error(
        la.post(
            f"{API}/knowledgebase/articles",
            {"apikey": keys[0], "title": "x", "content": "x", "kb_id": "other", "parent_entry_id": str(category.pk)},
        ),
        404,
    )


# --- #34 POST /knowledgebase/categories --------------------------------------------------------------------


def test_adding_a_category_answers_as_the_seed_shows(la, keys, kb, mailbox):
    parent = make(kb, "Products")
    departmentid = id_encode(Kind.DEPARTMENT, mailbox.pk)
    response = la.post(
        f"{API}/knowledgebase/categories",
        {
            "apikey": keys[0],
            "title": "General Questions",
            "parent_entry_id": str(parent.pk),
            "rtype": "Q",
            "keywords": "faq, questions",
            "departmentid": departmentid,
            "description": "Category description",
        },
    )
    assert response.status_code == 200, response.content
    entry = Entry.objects.get(title="General Questions")
    created = entry.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    assert response.json() == {
        "response": {
            "kb_id": "kb_defa",
            "kb_entry_id": str(entry.pk),
            "parent_entry_id": str(parent.pk),
            "urlcode": entry.urlcode,
            "title": "General Questions",
            "treepath": f"0|{parent.pk}",
            "rtype": "Q",
            "rstatus": "P",
            "access": "P",
            "access_inherited": "P",
            "rorder": "0",
            "keywords": "faq, questions",
            "datecreated": created,
            "datechanged": created,
            "departmentid": departmentid,
            "views": "0",
            "description": "Category description",
        }
    }
    assert entry.mailbox == mailbox


def test_adding_categories_by_default_and_of_each_type(la, keys, kb):
    response = la.post(
        f"{API}/knowledgebase/categories.yaml", {"apikey": keys[0], "title": "Top", "parent_entry_id": "0"}
    )
    body = yaml.safe_load(response.content)["response"]
    assert (body["rtype"], body["access"], body["parent_entry_id"], body["treepath"]) == ("C", "P", "", "0")
    for rtype in ("C", "Q", "G"):
        xml = la.post(f"{API}/knowledgebase/categories.xml", {"apikey": keys[0], "title": f"T{rtype}", "rtype": rtype})
        assert ET.fromstring(xml.content).findtext("rtype") == rtype
    assert Entry.objects.filter(parent=None).count() == 4


@pytest.mark.parametrize(
    ("params", "status", "parameter"),
    [
        ({}, 400, "title"),
        ({"title": "x", "rtype": "A"}, 400, "rtype"),
        ({"title": "x", "access": "X"}, 400, "access"),
        ({"title": "x", "rorder": "-2"}, 400, "rorder"),
        ({"title": "x", "kb_id": "nope"}, 404, ""),
        ({"title": "x", "parent_entry_id": "999999"}, 404, ""),
        ({"title": "x", "departmentid": "nope", "rtype": "Q"}, 404, ""),
    ],
)
def test_adding_a_category_refuses_bad_input(la, keys, kb, params, status, parameter):
    body = assert_error(la.post(f"{API}/knowledgebase/categories", {"apikey": keys[0], **params}), status)
    assert body["debugmessage"] == parameter
    assert not Entry.objects.exists()


def test_a_plain_category_has_no_department_and_a_forum_holds_no_category(la, keys, kb, mailbox):
    departmentid = id_encode(Kind.DEPARTMENT, mailbox.pk)
    body = assert_error(
        la.post(f"{API}/knowledgebase/categories", {"apikey": keys[0], "title": "x", "departmentid": departmentid}),
        400,
    )
    assert body["debugmessage"] == "departmentid"
    forum = make(kb, "Forum", type=T.FORUM)
    body = assert_error(
        la.post(f"{API}/knowledgebase/categories", {"apikey": keys[0], "title": "x", "parent_entry_id": str(forum.pk)}),
        400,
    )
    assert body["debugmessage"] == "parent_entry_id"


# --- #35 DELETE /knowledgebase/entries/{entry_id} ----------------------------------------------------------


def test_deleting_an_entry_takes_its_subtree(la, keys, kb, seed_tree):
    root, category, _ = seed_tree
    sibling = make(kb, "Sibling")
    response = la.delete(
        f"{API}/knowledgebase/entries/{category.pk}", f"apikey={keys[0]}", "application/x-www-form-urlencoded"
    )
    assert response.json() == {"response": {"status": "OK", "statuscode": 0}}
    assert set(Entry.objects.values_list("pk", flat=True)) == {root.pk, sibling.pk}
    xml = la.delete(f"{API}/knowledgebase/entries/{root.pk}.xml?apikey={keys[0]}")
    assert ET.fromstring(xml.content).findtext("status") == "OK"
    assert_error(la.delete(f"{API}/knowledgebase/entries/{root.pk}?apikey={keys[0]}"), 404)


@pytest.mark.parametrize("entry_id", ["999999", "abc", "-1", "1e3"])
def test_deleting_an_unknown_entry_is_not_found(la, keys, kb, entry_id):
    assert_error(la.delete(f"{API}/knowledgebase/entries/{entry_id}?apikey={keys[0]}"), 404)


def test_knowledge_base_writes_need_an_admin_key(la, keys, kb):
    agent_key = keys[1]
    entry = make(kb, "Kept")
    assert_error(la.post(f"{API}/knowledgebase/articles", {"apikey": agent_key, "title": "x", "content": "x"}), 403)
    assert_error(la.post(f"{API}/knowledgebase/categories", {"apikey": agent_key, "title": "x"}), 403)
    assert_error(la.delete(f"{API}/knowledgebase/entries/{entry.pk}?apikey={agent_key}"), 403)
    assert_error(la.post(f"{API}/knowledgebase/articles", {"title": "x", "content": "x"}), 401)
    assert_error(la.delete(f"{API}/knowledgebase/entries/{entry.pk}"), 401)
    assert list(Entry.objects.values_list("title", flat=True)) == ["Kept"]
    # Methods an operation does not have.
    assert_error(la.post(f"{API}/knowledgebase/entries", {"apikey": keys[0]}), 405)
    assert_error(la.get(f"{API}/knowledgebase/categories", {"apikey": keys[0]}), 405)


# --- #37 GET /knowledgebase/knowledgebases -----------------------------------------------------------------


def test_knowledge_bases_as_the_seed_shows_them(la, keys, kb):
    services.knowledge_base_rename(knowledge_base=kb, name="Knowledgebase 1")
    services.knowledge_base_create(id="ec4d78df", name="Knowledgebase 2")
    expected = {
        "response": {
            "knowledgebases": [
                {"kb_id": "kb_defa", "name": "Knowledgebase 1"},
                {"kb_id": "ec4d78df", "name": "Knowledgebase 2"},
            ]
        }
    }
    assert la.get(f"{API}/knowledgebase/knowledgebases?&apikey={keys[1]}").json() == expected
    xml = la.get(f"{API}/knowledgebase/knowledgebases.xml", {"apikey": keys[1]}).content
    assert xml == (
        b"<?xml version='1.0' encoding='utf-8'?>\n<response><knowledgebases><knowledgebase><kb_id>kb_defa</kb_id>"
        b"<name>Knowledgebase 1</name></knowledgebase><knowledgebase><kb_id>ec4d78df</kb_id>"
        b"<name>Knowledgebase 2</name></knowledgebase></knowledgebases></response>"
    )
    paged = la.get(f"{API}/knowledgebase/knowledgebases", {"apikey": keys[1], "limit": "1", "offset": "1"}).json()
    assert paged == {"response": {"knowledgebases": [{"kb_id": "ec4d78df", "name": "Knowledgebase 2"}]}}
    assert_error(la.get(f"{API}/knowledgebase/knowledgebases", {"apikey": keys[1], "limit": "ten"}), 400)


# --- #38 GET /knowledgebase/search -------------------------------------------------------------------------


def test_search_rows_as_the_seed_shows_them(la, keys, kb, settings):
    settings.HELPDESK_BASE_URL = "https://support.example.com"
    one = as_seed(
        make(kb, "Article 1", type=T.ARTICLE, content="Article content"),
        urlcode="376829",
        created="2011-12-22 16:33:40",
        changed="2011-12-22 16:33:40",
        views=0,
    )
    response = la.get(f"{API}/knowledgebase/search?&query=Article&apikey={keys[1]}")
    assert response.status_code == 200
    assert response.json() == {
        "response": {
            "entries": [
                {
                    "kb_id": "kb_defa",
                    "kb_entry_id": str(one.pk),
                    "rtype": "A",
                    "rstatus": "P",
                    "access": "P",
                    "access_inherited": "P",
                    "urlcode": "376829",
                    "treepath": "0",
                    "title": "Article 1",
                    "title_clear": "Article 1",
                    "content_text": "Article content",
                    "content_simple_html": "Article content",
                    "conversationid": "",
                    "votesCount": "0",
                    "datechanged": "2011-12-22 16:33:40",
                    "url": "//support.example.com/help/376829-Article-1",
                }
            ]
        }
    }
    xml = la.get(f"{API}/knowledgebase/search.xml", {"query": "article", "apikey": keys[1]}).content
    assert b"<content_simple_html><![CDATA[Article content]]></content_simple_html>" in xml
    assert ET.fromstring(xml).find("entries")[0].tag == "entrie"


def test_search_ranks_limits_and_stays_below_top_article_id(la, keys, kb):
    printers = make(kb, "Printers")
    make(kb, "Toner for the printer", parent=printers, type=T.ARTICLE, content="<p>Replacing toner, step by step.</p>")
    make(kb, "Paper jams", parent=printers, type=T.ARTICLE, content="<p>Open the tray; no toner needed.</p>")
    make(kb, "Billing", type=T.ARTICLE, content="<p>Invoices; toner is billed apart.</p>")
    make(kb, "Unrelated", type=T.ARTICLE, content="<p>Nothing here.</p>")

    def titles(**params) -> list[str]:
        response = la.get(f"{API}/knowledgebase/search", {"apikey": keys[0], **params})
        assert response.status_code == 200, response.content
        return [row["title"] for row in response.json()["response"]["entries"]]

    found = titles(query="toner")
    assert set(found) == {"Toner for the printer", "Paper jams", "Billing"}
    assert found[0] == "Toner for the printer"  # in the title and the content
    assert set(titles(query="toner", top_article_id=str(printers.pk))) == {"Toner for the printer", "Paper jams"}
    assert len(titles(query="toner", limit="1")) == 1
    assert titles(query="toner", kb_id=services.knowledge_base_create(id="empty", name="Empty").pk) == []


def test_search_finds_internal_entries_and_drafts_but_not_deleted_topics(la, keys, kb, mailbox):
    from conversations.models import ConversationState
    from tests.factories import ConversationFactory

    make(kb, "Internal toner guide", type=T.ARTICLE, access="I", status="D")
    forum = make(kb, "Forum", type=T.FORUM)
    topic = make(kb, "Toner topic", parent=forum, type=T.TOPIC)
    conversation = ConversationFactory(mailbox=mailbox)
    Entry.objects.filter(pk=topic.pk).update(conversation=conversation)
    rows = la.get(f"{API}/knowledgebase/search", {"apikey": keys[1], "query": "toner"}).json()["response"]["entries"]
    assert {(row["title"], row["access_inherited"]) for row in rows} == {
        ("Internal toner guide", "I"),
        ("Toner topic", "P"),
    }
    assert next(row for row in rows if row["title"] == "Toner topic")["conversationid"] == id_encode(
        Kind.CONVERSATION, conversation.pk
    )
    type(conversation).objects.filter(pk=conversation.pk).update(state=ConversationState.DELETED)
    rows = la.get(f"{API}/knowledgebase/search", {"apikey": keys[1], "query": "toner"}).json()["response"]["entries"]
    assert [row["title"] for row in rows] == ["Internal toner guide"]


@pytest.mark.parametrize(
    ("params", "status", "parameter"),
    [
        ({}, 400, "query"),
        ({"query": "   "}, 400, "query"),
        ({"query": "x", "limit": "-5"}, 400, "limit"),
        ({"query": "x", "top_article_id": "abc"}, 400, "top_article_id"),
        ({"query": "x", "top_article_id": "999999"}, 404, ""),
        ({"query": "x", "kb_id": "nope"}, 404, ""),
    ],
)
def test_search_refuses_bad_input(la, keys, kb, params, status, parameter):
    body = assert_error(la.get(f"{API}/knowledgebase/search", {"apikey": keys[1], **params}), status)
    assert body["debugmessage"] == parameter


# --- #61 GET /suggestioncategories -------------------------------------------------------------------------


def test_suggestion_categories_as_the_seed_shows_them(la, keys, kb):
    suggestions = make(kb, "Suggestions", parent=make(kb, "Product1"), type=T.SUGGESTION_CATEGORY)
    ideas = make(kb, "Ideas", parent=make(kb, "Product2"), type=T.SUGGESTION_CATEGORY)
    make(kb, "Not one", type=T.CATEGORY)
    expected = {
        "response": {
            "suggestioncategories": [
                # The path ends in the category's own title (the seed's "Product1 / Suggestion": §5.20).
                {"id": str(suggestions.pk), "title": "Suggestions", "path": "Product1 / Suggestions"},
                {"id": str(ideas.pk), "title": "Ideas", "path": "Product2 / Ideas"},
            ]
        }
    }
    for key in keys:
        assert la.get(f"{API}/suggestioncategories?&apikey={key}").json() == expected
    xml = la.get(f"{API}/suggestioncategories.xml", {"apikey": keys[0]})
    items = ET.fromstring(xml.content).find("suggestioncategories")
    assert [item.tag for item in items] == ["suggestioncategorie", "suggestioncategorie"]
    assert items[0].findtext("path") == "Product1 / Suggestions"


def test_suggestion_categories_at_the_root_and_deep(la, keys, kb):
    top = make(kb, "Top idea box", type=T.SUGGESTION_CATEGORY)
    deep = make(kb, "Deep", parent=make(kb, "B", parent=make(kb, "A")), type=T.SUGGESTION_CATEGORY)
    rows = la.get(f"{API}/suggestioncategories", {"apikey": keys[1]}).json()["response"]["suggestioncategories"]
    paths = {row["id"]: row["path"] for row in rows}
    assert paths == {str(top.pk): "Top idea box", str(deep.pk): "A / B / Deep"}


def test_nothing_to_list_is_an_empty_list(la, keys, kb):
    assert la.get(f"{API}/suggestioncategories", {"apikey": keys[1]}).json() == {
        "response": {"suggestioncategories": []}
    }
    xml = la.get(f"{API}/knowledgebase/entries.xml", {"apikey": keys[1]}).content
    assert xml.endswith(b"<response><entries/></response>")


def test_entries_of_another_mailbox_department_show_its_id(la, keys, kb):
    other = MailboxFactory(name="Elsewhere", email="elsewhere@example.com")
    make(kb, "Ideas", type=T.SUGGESTION_CATEGORY, mailbox=other)
    # An agent without access to the department still reads the knowledge base (it is not per mailbox).
    rows = la.get(f"{API}/knowledgebase/entries", {"apikey": keys[1]}).json()["response"]["entries"]
    assert rows[0]["departmentid"] == id_encode(Kind.DEPARTMENT, other.pk)


def test_writes_without_kb_id_go_to_kb_defa_even_after_a_flush(la, keys, kb):
    KnowledgeBase.objects.all().delete()
    response = la.post(f"{API}/knowledgebase/categories", {"apikey": keys[0], "title": "Back"})
    assert response.json()["response"]["kb_id"] == "kb_defa"
    assert la.get(f"{API}/knowledgebase/search", {"apikey": keys[1], "query": "back"}).status_code == 200
