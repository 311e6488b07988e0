"""The public help center (/help/): pages of public, published entries only; 404 for everything else; the
canonical URL; search; views counted; cache headers; constant queries."""

import pytest
from django.db.models import F

from knowledgebase.models import DEFAULT_KNOWLEDGE_BASE, Entry, KnowledgeBase
from knowledgebase.services import entry_create, entry_update
from knowledgebase.text import entry_path
from tests.factories import MailboxFactory

pytestmark = pytest.mark.django_db

T, S, A = Entry.Type, Entry.Status, Entry.Access


@pytest.fixture
def kb():
    return KnowledgeBase.objects.get(pk=DEFAULT_KNOWLEDGE_BASE)


@pytest.fixture
def add(kb):
    def add(title, *, parent=None, type=T.ARTICLE, **fields):
        return entry_create(knowledge_base=kb, parent=parent, type=type, title=title, **fields)

    return add


@pytest.fixture
def site(add):
    MailboxFactory(name="Acme", email="help@acme.example")
    billing = add("Billing", type=T.CATEGORY, description="Invoices, payments and refunds.")
    account = add("Account", type=T.CATEGORY)
    return {
        "billing": billing,
        "account": account,
        "invoice": add(
            "Where is my invoice?",
            parent=billing,
            content='<p>Open <b>Billing</b>.</p><script>alert(1)</script><p onclick="x()">Then <a href="/x">it</a></p>',
            metadescription="Find and download invoices.",
        ),
        "refund": add("Refunds", parent=billing, content="<p>Within 30 days.</p>"),
        "draft": add("Upcoming pricing", parent=billing, status=S.DRAFT),
        "internal": add("Refund approvals (staff)", parent=billing, access=A.INTERNAL),
        "secret_category": add("Staff handbook", type=T.CATEGORY, access=A.INTERNAL),
        "password": add("Reset your password", parent=account, content="<p>Use the sign-in page.</p>"),
    }


def url(entry):
    return entry_path(urlcode=entry.urlcode, title=entry.title)


def test_home_lists_public_categories_and_their_articles(client, site):
    response = client.get("/help/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Acme" in html and 'href="mailto:help@acme.example"' in html
    for visible in ("Billing", "Account", "Where is my invoice?", "Refunds", "Reset your password"):
        assert visible in html
    for hidden in ("Upcoming pricing", "Refund approvals", "Staff handbook"):
        assert hidden not in html
    assert f'href="{url(site["invoice"])}"' in html


def test_home_shows_a_link_to_all_articles_when_a_category_has_many(client, add, site):
    for n in range(7):
        add(f"Billing question {n}", parent=site["billing"])
    html = client.get("/help/").content.decode()
    assert "See all articles" in html
    assert html.count("Billing question") == 6 - 0  # the newest six (new entries go on top)
    assert "Where is my invoice?" not in html


def test_home_without_entries_or_mailboxes(client):
    response = client.get("/help/")
    assert response.status_code == 200
    assert "There are no articles yet." in response.content.decode()


def test_category_page(client, add, site):
    add("Cards", type=T.CATEGORY, parent=site["billing"])
    response = client.get(url(site["billing"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Billing</h1>" in html and "Invoices, payments and refunds." in html
    assert "Where is my invoice?" in html and "Find and download invoices." in html and "Cards" in html
    assert "Upcoming pricing" not in html and "Refund approvals" not in html
    assert 'aria-label="Breadcrumb"' in html


def test_a_full_preview_article_shows_whole_in_its_category(client, add, site):
    add(
        "Opening hours",
        parent=site["billing"],
        content="<p>Mon to Fri <b>9 to 17</b></p><script>x</script>",
        full_preview=True,
    )
    html = client.get(url(site["billing"])).content.decode()
    assert "<b>9 to 17</b>" in html and "<script>x" not in html


def test_article_page_renders_sanitised_content_with_breadcrumbs(client, site):
    response = client.get(url(site["invoice"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Where is my invoice?</h1>" in html
    assert "<b>Billing</b>" in html
    assert "<script>" not in html and "onclick" not in html
    assert f'<a href="{url(site["billing"])}">Billing</a>' in html
    assert "mailto:help@acme.example?subject=Where%20is%20my%20invoice%3F" in html


def test_content_written_around_the_services_is_still_sanitised(client, site):
    Entry.objects.filter(pk=site["refund"].pk).update(content='<img src="x" onerror="alert(1)"><script>x</script>')
    html = client.get(url(site["refund"])).content.decode()
    assert "onerror" not in html and "<script>x" not in html


@pytest.mark.parametrize("which", ["draft", "internal", "secret_category"])
def test_drafts_and_internal_entries_are_404(client, site, which):
    response = client.get(url(site[which]))
    assert response.status_code == 404
    html = response.content.decode()
    assert site[which].title not in html
    assert "We can't find that page" in html and 'name="q"' in html
    assert "no-cache" in response["Cache-Control"] and "public" not in response["Cache-Control"]


def test_an_article_under_an_internal_or_draft_category_is_404(client, add, site):
    under_internal = add("Escalations", parent=site["secret_category"])
    assert client.get(url(under_internal)).status_code == 404
    entry_update(entry=site["account"], status=S.DRAFT)
    assert client.get(url(site["password"])).status_code == 404


def test_unknown_entries_and_other_knowledge_bases_are_404(client, site):
    assert client.get("/help/999999-Nothing").status_code == 404
    assert client.get("/help/12345-Short").status_code == 404
    assert client.get("/help/not-an-entry").status_code == 404
    assert client.get("/help/123456-a/b").status_code == 404
    other = KnowledgeBase.objects.create(id="kb_other", name="Other")
    elsewhere = entry_create(knowledge_base=other, parent=None, type=T.ARTICLE, title="Elsewhere")
    assert client.get(url(elsewhere)).status_code == 404


def test_other_spellings_redirect_permanently_to_the_canonical_url(client, site):
    invoice = site["invoice"]
    canonical = url(invoice)
    assert canonical == f"/help/{invoice.urlcode}-Where-is-my-invoice"
    for stale in (f"/help/{invoice.urlcode}", f"/help/{invoice.urlcode}-old-title", f"/help/{invoice.urlcode}-"):
        response = client.get(stale)
        assert response.status_code == 301
        assert response["Location"] == canonical
    entry_update(entry=invoice, title="Downloading invoices")
    response = client.get(canonical)
    assert response.status_code == 301 and response["Location"] == f"/help/{invoice.urlcode}-Downloading-invoices"


def test_unicode_titles(client, add, site):
    article = add("Rückerstattung über Karte", parent=site["billing"])
    response = client.get(url(article))
    assert response.status_code == 200


def test_article_views_are_counted_and_only_for_articles(client, site):
    client.get(url(site["invoice"]))
    client.get(url(site["invoice"]))
    client.head(url(site["invoice"]))
    client.get(url(site["billing"]))
    client.get(f"/help/{site['invoice'].urlcode}")  # a redirect is not a view
    assert Entry.objects.get(pk=site["invoice"].pk).views == 2
    assert Entry.objects.get(pk=site["billing"].pk).views == 0
    client.get(url(site["draft"]))
    assert Entry.objects.get(pk=site["draft"].pk).views == 0


def test_search(client, site):
    response = client.get("/help/search", {"q": "refunds"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 result for" in html and "Refunds" in html and "Within 30 days." in html
    assert '<span class="hc-section">Billing</span>' in html
    assert "Refund approvals" not in html
    assert 'name="robots" content="noindex"' in html
    assert 'value="refunds"' in html


def test_search_without_results_and_without_a_query(client, site):
    assert "No results for" in client.get("/help/search", {"q": "zebra"}).content.decode()
    assert "Search the help center" in client.get("/help/search").content.decode()
    assert client.get("/help/search", {"q": "   "}).status_code == 200


@pytest.mark.parametrize("query", ['"', "<script>alert(1)</script>", "a" * 10_000, "NEAR(", "-*", "x" * 300 + " y"])
def test_search_never_fails_and_escapes_the_query(client, site, query):
    response = client.get("/help/search", {"q": query})
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.content.decode()


def test_a_null_character_is_a_bad_request(client, site):
    # helpdesk.dialects.ApiRequestGuard refuses it on every path.
    assert client.get("/help/search", {"q": "a\x00b"}).status_code == 400


def test_only_get_and_head(client, site):
    assert client.post("/help/").status_code == 405
    assert client.post(url(site["invoice"])).status_code == 405
    assert client.post("/help/search", {"q": "x"}).status_code == 405


def test_anonymous_pages_are_briefly_cacheable_and_never_framed(client, site):
    for path in ("/help/", url(site["billing"]), url(site["invoice"]), "/help/search?q=refund"):
        response = client.get(path)
        assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
        # A shared cache keeps the anonymous copy apart from a signed-in user's.
        assert "Cookie" in response["Vary"]
        assert response["X-Frame-Options"] == "DENY"


def test_signed_in_pages_are_private(admin_client, site):
    response = admin_client.get("/help/")
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]


def test_queries_are_constant_on_home_and_category(client, add, site, django_assert_num_queries):
    def count(path):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    home, category = count("/help/"), count(url(site["billing"]))
    for n in range(5):
        new_category = add(f"Category {n}", type=T.CATEGORY)
        for m in range(3):
            add(f"Article {n}.{m}", parent=new_category)
            add(f"Billing {n}.{m}", parent=site["billing"])
    assert count("/help/") == home
    assert count(url(site["billing"])) == category


def test_the_admin_links_to_the_help_center(admin_client):
    assert 'href="/help/"' in admin_client.get("/admin/").content.decode()


def test_views_do_not_touch_updated_at(client, site):
    before = Entry.objects.filter(pk=site["invoice"].pk).values_list("updated_at", flat=True).get()
    client.get(url(site["invoice"]))
    assert Entry.objects.filter(pk=site["invoice"].pk, updated_at=before, views=F("views")).exists()
