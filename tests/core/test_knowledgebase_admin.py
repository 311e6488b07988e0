"""The knowledge base in the admin: the tree walked level by level with breadcrumbs, search across it, the
article editor's HTML sanitised on save through the services, moving and reordering, subtree deletion,
publishing; agents write entries, only admins delete them or manage knowledge bases. And in a browser: an
article written with the editor's toolbar, published, then found by the public help center's search
(screenshot kb-editor.png)."""

import re

import pytest
from django.urls import reverse

from knowledgebase import services
from knowledgebase.models import Entry, KnowledgeBase
from mailboxes.services import mailbox_user_grant
from tests.admin_helpers import admin_url, form_data, messages_text
from tests.browser import BROWSER_MARKS, screenshot_dir, sign_in
from tests.factories import MailboxFactory

T = Entry.Type
CHANGELIST = admin_url(Entry, "changelist")


@pytest.fixture
def kb(db) -> KnowledgeBase:
    return services.knowledge_base_default()


def make(kb, title, *, parent=None, type=T.CATEGORY, **kwargs) -> Entry:
    return services.entry_create(knowledge_base=kb, parent=parent, type=type, title=title, **kwargs)


@pytest.fixture
def tree(kb):
    products = make(kb, "Products")
    printers = make(kb, "Printers", parent=products)
    toner = make(kb, "Changing the toner", parent=printers, type=T.ARTICLE, content="<p>Open the lid.</p>")
    jams = make(kb, "Paper jams", parent=printers, type=T.ARTICLE)
    billing = make(kb, "Billing")
    return {"products": products, "printers": printers, "toner": toner, "jams": jams, "billing": billing}


def listed(response) -> list[str]:
    return [entry.title for entry in response.context["cl"].result_list]


def opened(response) -> dict[str, str]:
    """The rows' links into their contents: {href: "n entries"}."""
    found = re.findall(r'class="kb-open" href="[^"?]*(\?parent=\d+)">([^<]*?) \u203a</a>', response.content.decode())
    return dict(found)


def add_data(kb, **changes) -> dict:
    data = {
        "knowledge_base": kb.pk,
        "parent": "",
        "type": T.ARTICLE,
        "title": "New article",
        "content": "<p>Hello</p>",
        "status": Entry.Status.PUBLISHED,
        "access": Entry.Access.PUBLIC,
        "rorder": "",
        "keywords": "",
        "metadescription": "",
        "description": "",
        "mailbox": "",
    }
    data.update(changes)
    return data


def test_the_list_walks_the_tree_one_level_at_a_time(admin_client, tree):
    top = admin_client.get(CHANGELIST)
    assert listed(top) == ["Billing", "Products"]
    assert opened(top) == {f"?parent={tree['products'].pk}": "1 entry", f"?parent={tree['billing'].pk}": "0 entries"}

    level = admin_client.get(CHANGELIST, {"parent": tree["printers"].pk})
    assert listed(level) == ["Paper jams", "Changing the toner"]
    content = level.content.decode()
    # Breadcrumbs back up the tree, and "add" lands inside this level.
    assert f'href="?parent={tree["products"].pk}">Products</a>' in content
    assert "<strong>Printers</strong>" in content
    assert f"{admin_url(Entry, 'add')}?parent={tree['printers'].pk}" in content
    assert opened(admin_client.get(CHANGELIST, {"parent": tree["products"].pk})) == {
        f"?parent={tree['printers'].pk}": "2 entries"
    }

    assert listed(admin_client.get(CHANGELIST, {"parent": "root"})) == ["Billing", "Products"]


def test_search_looks_through_the_whole_tree_and_shows_where(admin_client, tree):
    response = admin_client.get(CHANGELIST, {"q": "toner"})
    assert listed(response) == ["Changing the toner"]
    assert "Products \u203a Printers \u203a " in response.content.decode()


def test_internal_shows_as_inherited_below(admin_client, kb, tree):
    services.entry_update(entry=tree["products"], access="I")
    content = admin_client.get(CHANGELIST, {"parent": tree["printers"].pk}).content.decode()
    assert content.count("Internal (inherited)") == 2


def test_adding_an_article_sanitises_and_puts_it_on_top(admin_client, kb, tree):
    response = admin_client.post(
        admin_url(Entry, "add"),
        add_data(
            kb,
            parent=tree["printers"].pk,
            title="Cleaning",
            content='<p onclick="steal()">Wipe <b>gently</b><script>alert(1)</script></p><img src="/x.png">',
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert response.url == f"{CHANGELIST}?parent={tree['printers'].pk}"
    entry = Entry.objects.get(title="Cleaning")
    assert entry.content == '<p>Wipe <b>gently</b></p><img src="/x.png">'
    assert entry.treepath == f"0|{tree['products'].pk}|{tree['printers'].pk}"
    assert entry.rorder == 0
    assert listed(admin_client.get(CHANGELIST, {"parent": tree["printers"].pk}))[0] == "Cleaning"


def test_the_add_page_has_the_editor_and_guesses_from_the_level(admin_client, kb, tree):
    forum = make(kb, "Community", type=T.FORUM)
    page = admin_client.get(admin_url(Entry, "add"), {"parent": forum.pk})
    content = page.content.decode()
    assert "data-kb-editor" in content and "knowledgebase/editor.js" in content
    assert "knowledgebase/editor.css" in content
    form = page.context["adminform"].form
    assert form.initial["parent"] == str(forum.pk)
    assert form.initial["type"] == T.TOPIC
    # The parent choices read like the tree.
    labels = [label for _, label in form.fields["parent"].choices]
    assert "— Printers (Category)" in labels and "(top level)" in labels


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"type": T.TOPIC}, "parent"),
        ({"title": ""}, "title"),
        ({"status": "Z"}, "status"),
    ],
)
def test_bad_entries_are_form_errors(admin_client, kb, tree, changes, field):
    response = admin_client.post(admin_url(Entry, "add"), add_data(kb, **changes))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Entry.objects.filter(title="New article").exists()


def test_an_article_cannot_hold_entries_nor_a_category_a_department(admin_client, kb, tree, mailbox):
    response = admin_client.post(admin_url(Entry, "add"), add_data(kb, parent=tree["toner"].pk))
    assert response.status_code == 200
    # Articles are no containers: not even offered.
    assert "parent" in response.context["adminform"].form.errors
    response = admin_client.post(admin_url(Entry, "add"), add_data(kb, type=T.CATEGORY, mailbox=mailbox.pk))
    assert "mailbox" in response.context["adminform"].form.errors


def test_changing_moves_and_reorders_through_the_services(admin_client, kb, tree):
    url = admin_url(Entry, "change", tree["printers"].pk)
    data = form_data(admin_client.get(url))
    data.update(parent=tree["billing"].pk, title="Printers and scanners", content="<p>All <i>devices</i></p>")
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert response.url == f"{CHANGELIST}?parent={tree['billing'].pk}"
    printers = Entry.objects.get(pk=tree["printers"].pk)
    toner = Entry.objects.get(pk=tree["toner"].pk)
    assert (printers.title, printers.treepath) == ("Printers and scanners", f"0|{tree['billing'].pk}")
    assert toner.treepath == f"0|{tree['billing'].pk}|{printers.pk}"

    url = admin_url(Entry, "change", tree["toner"].pk)
    data = form_data(admin_client.get(url))
    data["rorder"] = "0"
    assert admin_client.post(url, data).status_code == 302
    assert listed(admin_client.get(CHANGELIST, {"parent": printers.pk})) == ["Changing the toner", "Paper jams"]


def test_an_entry_cannot_move_into_its_own_subtree(admin_client, tree):
    url = admin_url(Entry, "change", tree["products"].pk)
    page = admin_client.get(url)
    offered = {value for value, _ in page.context["adminform"].form.fields["parent"].choices}
    assert str(tree["printers"].pk) not in {str(v) for v in offered}
    data = form_data(page)
    data["parent"] = tree["printers"].pk
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "parent" in response.context["adminform"].form.errors


def test_up_and_down_buttons_reorder_siblings(admin_client, tree):
    jams, toner = tree["jams"], tree["toner"]
    content = admin_client.get(CHANGELIST, {"parent": tree["printers"].pk}).content.decode()
    down = reverse("admin:knowledgebase_entry_shift", args=[jams.pk, "down"])
    assert f'formaction="{down}"' in content and '<form id="kb-shift" method="post">' in content
    response = admin_client.post(down)
    assert response.status_code == 302 and response.url == f"{CHANGELIST}?parent={tree['printers'].pk}"
    assert listed(admin_client.get(CHANGELIST, {"parent": tree["printers"].pk})) == ["Changing the toner", "Paper jams"]
    admin_client.post(reverse("admin:knowledgebase_entry_shift", args=[jams.pk, "up"]))
    assert listed(admin_client.get(CHANGELIST, {"parent": tree["printers"].pk})) == ["Paper jams", "Changing the toner"]
    # Only by POST, only known entries and directions.
    assert admin_client.get(down).status_code == 405
    assert admin_client.post(reverse("admin:knowledgebase_entry_shift", args=[toner.pk, "sideways"])).status_code == 404
    assert admin_client.post(reverse("admin:knowledgebase_entry_shift", args=[999999, "up"])).status_code == 404


def test_deleting_takes_the_subtree(admin_client, tree):
    url = admin_url(Entry, "delete", tree["products"].pk)
    confirmation = admin_client.get(url).content.decode()
    assert "Changing the toner" in confirmation  # the subtree is listed before it goes
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert list(Entry.objects.values_list("title", flat=True)) == ["Billing"]


def test_bulk_delete_of_a_parent_and_its_child(admin_client, tree):
    chosen = [tree["printers"].pk, tree["toner"].pk, tree["billing"].pk]
    response = admin_client.post(
        # A search lists the whole tree (a level only its own entries, which actions are limited to).
        CHANGELIST + "?q=i",
        {"action": "delete_selected", "_selected_action": chosen, "post": "yes"},
    )
    assert response.status_code == 302
    assert list(Entry.objects.values_list("title", flat=True)) == ["Products"]


def test_publish_and_unpublish_actions(admin_client, tree):
    ids = [tree["toner"].pk, tree["jams"].pk]
    response = admin_client.post(
        f"{CHANGELIST}?parent={tree['printers'].pk}", {"action": "unpublish", "_selected_action": ids}, follow=True
    )
    assert "Made 2 entries drafts." in messages_text(response)
    assert set(Entry.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"D"}
    admin_client.post(f"{CHANGELIST}?parent={tree['printers'].pk}", {"action": "publish", "_selected_action": ids})
    assert set(Entry.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"P"}


def test_the_change_page_shows_where_and_the_public_page(admin_client, tree):
    content = admin_client.get(admin_url(Entry, "change", tree["toner"].pk)).content.decode()
    assert "Knowledge base \u203a Products \u203a Printers" in content
    toner = tree["toner"]
    assert f'href="/help/{toner.urlcode}-Changing-the-toner"' in content
    services.entry_update(entry=toner, status="D")
    assert "None yet: draft." in admin_client.get(admin_url(Entry, "change", toner.pk)).content.decode()


def test_agents_write_articles_but_delete_nothing(client, agent, mailbox, kb, tree):
    other = MailboxFactory(name="Elsewhere", email="elsewhere@example.com")
    mailbox_user_grant(mailbox=mailbox, user=agent)
    client.force_login(agent)
    assert listed(client.get(CHANGELIST)) == ["Billing", "Products"]
    response = client.post(admin_url(Entry, "add"), add_data(kb, parent=tree["printers"].pk, title="By an agent"))
    assert response.status_code == 302
    written = Entry.objects.get(title="By an agent")
    assert written.content == "<p>Hello</p>"
    url = admin_url(Entry, "change", written.pk)
    data = form_data(client.get(url))
    data["content"] = "<p>Better<script>x()</script></p>"
    assert client.post(url, data).status_code == 302
    assert Entry.objects.get(pk=written.pk).content == "<p>Better</p>"
    assert client.post(reverse("admin:knowledgebase_entry_shift", args=[written.pk, "down"])).status_code == 302

    # A forum's department: among the agent's mailboxes only.
    page = client.get(admin_url(Entry, "add"))
    offered = {str(value) for value, _ in page.context["adminform"].form.fields["mailbox"].choices}
    assert str(mailbox.pk) in offered and str(other.pk) not in offered

    # Deleting, and knowledge bases themselves, are an admin's.
    assert client.get(admin_url(Entry, "delete", written.pk)).status_code == 403
    assert "delete_selected" not in client.get(CHANGELIST).content.decode()
    assert client.get(admin_url(KnowledgeBase, "changelist")).status_code == 403
    assert Entry.objects.filter(pk=written.pk).exists()


def test_an_agent_keeps_a_department_set_by_someone_else(client, agent, mailbox, kb):
    other = MailboxFactory(name="Elsewhere", email="elsewhere@example.com")
    forum = make(kb, "Community", type=T.FORUM, mailbox=other)
    mailbox_user_grant(mailbox=mailbox, user=agent)
    client.force_login(agent)
    url = admin_url(Entry, "change", forum.pk)
    data = form_data(client.get(url))
    assert data["mailbox"] == other.pk
    data["title"] = "Community forum"
    assert client.post(url, data).status_code == 302
    forum.refresh_from_db()
    assert (forum.title, forum.mailbox) == ("Community forum", other)


def test_knowledge_bases_are_added_and_renamed_not_deleted(admin_client, kb):
    response = admin_client.post(admin_url(KnowledgeBase, "add"), {"id": "docs", "name": "  Product docs "})
    assert response.status_code == 302
    assert KnowledgeBase.objects.get(pk="docs").name == "Product docs"
    response = admin_client.post(admin_url(KnowledgeBase, "add"), {"id": "not a slug", "name": "x"})
    assert response.status_code == 200
    assert admin_client.post(admin_url(KnowledgeBase, "change", "docs"), {"name": "Docs"}).status_code == 302
    assert KnowledgeBase.objects.get(pk="docs").name == "Docs"
    assert admin_client.get(admin_url(KnowledgeBase, "delete", "kb_defa")).status_code == 403
    assert "Entries" in admin_client.get(admin_url(KnowledgeBase, "changelist")).content.decode()


# --- In a browser ----------------------------------------------------------------------------------------


@BROWSER_MARKS[0]
@BROWSER_MARKS[1]
def test_writing_an_article_with_the_editor_then_finding_it_on_the_help_center(browser_page, live_server, admin):
    kb = services.knowledge_base_default()
    printers = make(kb, "Printers")
    make(kb, "Paper jams", parent=printers, type=T.ARTICLE, content="<p>Open the tray.</p>")
    page = browser_page
    sign_in(page, live_server.url, admin.email)

    page.goto(f"{live_server.url}{CHANGELIST}?parent={printers.pk}")
    page.click("text=Add inside Printers")
    page.fill("#id_title", "Replacing the fuser unit")
    area = page.locator(".kb-editor-area")
    area.click()
    page.click("button[aria-label=Heading]")
    page.keyboard.type("Before you start")
    page.keyboard.press("Enter")
    page.click("button[aria-label=Paragraph]")
    page.keyboard.type("Switch the printer off and let the ")
    page.click("button[aria-label=Bold]")
    page.keyboard.type("fuser")
    page.click("button[aria-label=Bold]")
    page.keyboard.type(" cool for 30 minutes.")
    page.keyboard.press("Enter")
    page.click("button[aria-label='Bulleted list']")
    page.keyboard.type("Open the back door")
    page.keyboard.press("Enter")
    page.keyboard.type("Pull the blue levers")
    page.fill("#id_keywords", "fuser, heat")
    page.locator(".kb-editor").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir() / "kb-editor.png"), full_page=True)

    # The HTML source view shows what will be posted; scripts typed there are dropped on save.
    page.click("button[aria-label='HTML source']")
    source = page.locator("textarea#id_content")
    html = source.input_value()
    assert "<h2>Before you start</h2>" in html and "<b>fuser</b>" in html and "<li>Pull the blue levers</li>" in html
    source.fill(html + '<script>alert("x")</script>')
    page.click("input[name=_save]")
    page.wait_for_url(re.compile(rf".*\?parent={printers.pk}$"))
    assert page.locator("#result_list").get_by_text("Replacing the fuser unit").count() == 1
    page.screenshot(path=str(screenshot_dir() / "kb-tree.png"), full_page=True)

    entry = Entry.objects.get(title="Replacing the fuser unit")
    assert "<h2>Before you start</h2>" in entry.content and "<b>fuser</b>" in entry.content
    assert "script" not in entry.content and entry.rorder == 0
    assert entry.treepath == f"0|{printers.pk}"

    # Published a moment ago: the public help center's search finds it.
    page.goto(f"{live_server.url}/help/search?q=fuser")
    link = page.get_by_role("link", name="Replacing the fuser unit")
    assert link.count() >= 1
    link.first.click()
    page.wait_for_url(re.compile(rf".*/help/{entry.urlcode}-Replacing-the-fuser-unit$"))
    assert page.locator("h2", has_text="Before you start").count() == 1
