"""The conversation list's rows as ``list_rows.conversation_rows`` writes them equal the admin's own
(``items_for_result`` through ``change_list_results.html``), over varied rows and lists, and cost the same
queries for more rows."""

import pytest
from django.contrib.admin.templatetags.admin_list import admin_list_filter, items_for_result, result_list
from django.db import connection
from django.forms.renderers import get_default_renderer
from django.template.loader import render_to_string
from django.test.html import parse_html
from django.test.utils import CaptureQueriesContext

from conversations.admin.list_rows import conversation_rows, filter_panel
from conversations.admin.widget_html import WidgetsInPython
from conversations.models import Conversation, Thread
from conversations.services import (
    NewAttachment,
    NewThread,
    conversation_assign,
    conversation_change_status,
    conversation_delete,
    conversation_merge,
    conversation_tags_set,
)
from conversations.templatetags.conversation_list import conversation_result_list
from mailboxes.models import Folder
from mailboxes.services import mailbox_user_grant
from tests.admin_helpers import admin_url
from tests.factories import ConversationFactory, CustomerFactory, UserFactory

CHANGELIST = admin_url(Conversation, "changelist")


@pytest.fixture
def varied(agent, mailbox) -> list[Conversation]:
    """Rows that take every branch of the columns: markup to escape, no subject, an attachment, tags,
    an assignee with and without a name, unanswered, closed, merged, deleted, a customer without a name."""
    nameless = UserFactory(first_name="", last_name="", email="nameless@example.com")
    tricky = ConversationFactory(
        mailbox=mailbox,
        customer=CustomerFactory(
            first_name='<b>Al & "Bo"</b>', last_name="O'Neil", emails=[("al.oneil@example.org", "work")]
        ),
        subject="<script>alert('x')</script> & kumquat",
        threads=[
            NewThread(
                type=Thread.Type.CUSTOMER,
                body='<p>A kumquat &amp; a <i>quote</i> "here"</p>' + "long words " * 20,
                attachments=[NewAttachment(file_name="a.txt", content=b"a")],
            )
        ],
    )
    conversation_tags_set(conversation=tricky, names=["<urgent>", "a&b"])
    conversation_assign(conversation=tricky, assignee=agent, by_user=agent)
    blank = ConversationFactory(
        mailbox=mailbox,
        subject="",
        customer=CustomerFactory(first_name="", last_name="", emails=[("nobody@example.org", "work")]),
    )
    closed = ConversationFactory(mailbox=mailbox, subject="Closed kumquat")
    conversation_change_status(conversation=closed, status="closed", by_user=agent)
    survivor = ConversationFactory(mailbox=mailbox, subject="Survivor")
    absorbed = ConversationFactory(mailbox=mailbox, subject="Absorbed")
    conversation_merge(survivor=survivor, absorbed=absorbed, by_user=agent)
    deleted = ConversationFactory(mailbox=mailbox, subject="Deleted kumquat")
    conversation_delete(conversation=deleted, by_user=agent)
    unnamed = ConversationFactory(mailbox=mailbox, subject="Assigned to someone nameless")
    mailbox_user_grant(mailbox=mailbox, user=nameless)
    conversation_assign(conversation=unnamed, assignee=nameless, by_user=agent)
    return [tricky, blank, closed, survivor, absorbed, deleted, unnamed]


def assert_rows_as_the_admins(response) -> None:
    changelist = response.context["cl"]
    assert changelist.result_list, "no rows to compare"
    for row in changelist.result_list:
        assert list(row.listed_tag_names) == [tag.name for tag in row.tags.all()]
    ours = conversation_rows(changelist)
    theirs = ["".join(items_for_result(changelist, row, None)) for row in changelist.result_list]
    assert ours == theirs
    table = render_to_string("admin/conversations/conversation/list_results.html", conversation_result_list(changelist))
    admins = render_to_string("admin/change_list_results.html", result_list(changelist))
    assert parse_html(table) == parse_html(admins)
    assert parse_html(table) in parse_html(response.content.decode())


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"o": "2.-1"},
        {"status__exact": "active", "o": "-7"},
        {"q": "kumquat"},
        {"q": "survivor"},
        {"folder": "deleted"},
        {"folder": "unassigned", "o": "3"},
    ],
)
def test_the_rows_are_the_admins_own(agent_client, mailbox, varied, query):
    if "folder" in query:
        kind = Folder.Type.DELETED if query["folder"] == "deleted" else Folder.Type.UNASSIGNED
        query = {**query, "folder": Folder.objects.get(mailbox=mailbox, type=kind, user=None).pk}
    response = agent_client.get(CHANGELIST, query)
    assert response.status_code == 200
    assert_rows_as_the_admins(response)


def test_the_rows_cost_the_same_queries_for_more_rows(agent_client, agent, mailbox):
    def make() -> None:
        conversation = ConversationFactory(
            mailbox=mailbox,
            threads=[
                NewThread(
                    type=Thread.Type.CUSTOMER, body="Hi", attachments=[NewAttachment(file_name="a.txt", content=b"a")]
                )
            ],
        )
        conversation_assign(conversation=conversation, assignee=agent, by_user=agent)
        conversation_tags_set(conversation=conversation, names=["a", "b"])

    make()
    with CaptureQueriesContext(connection) as one:
        agent_client.get(CHANGELIST, {"o": "3"})
    for _ in range(9):
        make()
    with CaptureQueriesContext(connection) as ten:
        response = agent_client.get(CHANGELIST, {"o": "3"})
    assert len(response.context["cl"].result_list) == 10
    assert len(ten) == len(one)


def test_the_action_bar_is_the_one_djangos_widget_templates_write(agent_client, agent, mailbox, varied):
    form = agent_client.get(CHANGELIST).context["action_form"]
    for name in ("action", "select_across", "assignee", "status", "mailbox", "tags"):
        field = form[name]
        assert isinstance(form.renderer, WidgetsInPython)
        attrs = field.build_widget_attrs({}) | ({"id": field.auto_id} if field.auto_id else {})
        widget = field.field.widget
        assert str(field) == widget.render(field.html_name, field.value(), attrs=attrs, renderer=get_default_renderer())


def mailbox_filters(mailbox, varied) -> list[dict]:
    """Lists filtered every way the panel links, several filters at once, with a search and a sort."""
    tag = varied[0].tags.order_by("id").first()
    folder = Folder.objects.get(mailbox=mailbox, type=Folder.Type.UNASSIGNED, user=None).pk
    assignee = Conversation.objects.get(pk=varied[0].pk).assignee_id
    return [
        {},
        {"status__exact": "active", "o": "-7"},
        {"mailbox__id__exact": mailbox.pk, "assignee__id__exact": assignee},
        {"assignee__isnull": "True", "state__exact": "published"},
        {"tags__id__exact": tag.pk, "type__exact": "email", "q": "kumquat"},
        {"folder": folder, "status__exact": "closed", "p": "1"},
        {"folder": "999999"},
    ]


def test_the_filter_panel_is_the_one_djangos_filter_template_writes(agent_client, agent, mailbox, varied):
    """Every filter's title, choices (scoped to what the agent may see), links and selected choice as
    ``admin_list_filter`` renders them with ``admin/filter.html``, and the panel in the page."""
    hidden = ConversationFactory(subject="In a mailbox the agent cannot open").mailbox
    for query in mailbox_filters(mailbox, varied):
        response = agent_client.get(CHANGELIST, query)
        assert response.status_code == 200
        changelist = response.context["cl"]
        assert len(changelist.filter_specs) >= 6  # the mailbox filter shows only with two mailboxes or more
        djangos = "".join(admin_list_filter(changelist, spec) for spec in changelist.filter_specs)
        assert filter_panel(changelist) == djangos
        page = response.content.decode()
        assert parse_html(djangos) in parse_html(page)
        assert 'class="selected"' in djangos
        assert hidden.name not in page


def test_the_mailboxes_are_read_once_for_the_filter_and_the_action_bar(agent_client, agent, mailbox):
    """The mailbox filter lists the agent's mailboxes by id, the action bar's select by name, from one read."""
    from tests.factories import MailboxFactory

    zulu = mailbox
    alpha = MailboxFactory(name="Alpha desk")
    zulu.name = "Zulu desk"
    zulu.save(update_fields=["name"])
    mailbox_user_grant(mailbox=alpha, user=agent)
    ConversationFactory(mailbox=alpha, subject="In alpha")
    with CaptureQueriesContext(connection) as queries:
        response = agent_client.get(CHANGELIST)
    assert response.status_code == 200
    choices = response.context["action_form"].fields["mailbox"].widget.choices
    assert [label for _, label in choices] == ["—", "Alpha desk", "Zulu desk"]
    spec = next(spec for spec in response.context["cl"].filter_specs if spec.title == "mailbox")
    assert spec.lookup_choices == [(zulu.pk, "Zulu desk"), (alpha.pk, "Alpha desk")]
    # One read of the mailboxes themselves (the sidebar's counts aside): the filter's and the select's were two.
    reads = [query for query in queries.captured_queries if query["sql"].startswith('SELECT "mailboxes_mailbox"."id"')]
    assert len(reads) == 1
